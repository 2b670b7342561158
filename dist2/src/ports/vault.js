"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=vault.js.map