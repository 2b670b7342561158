"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HOLD_MEMO_KEY = void 0;
/** The memo key `HoldVaultStack` keeps the hold under (sandbox-safe: workflows and the worker both read it). */
exports.HOLD_MEMO_KEY = 'hold';
//# sourceMappingURL=hold-memo.js.map