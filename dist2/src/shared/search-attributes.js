"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VAULT_RESTORE_DRILL = exports.VAULT_HEALTH_FINDINGS = exports.VAULT_HEALTH_VERDICT = exports.VAULT_BOOTSTRAP_STEP = void 0;
const common_1 = require("@temporalio/common");
/** Current bootstrap step (or `done` / `failed:<step>`), shown as a column in the Temporal UI. */
exports.VAULT_BOOTSTRAP_STEP = (0, common_1.defineSearchAttributeKey)('VaultBootstrapStep', 'KEYWORD');
/** Verdict of the last health check: Healthy, Degraded or Failed. */
exports.VAULT_HEALTH_VERDICT = (0, common_1.defineSearchAttributeKey)('VaultHealthVerdict', 'KEYWORD');
/** Short finding codes of the last health check. */
exports.VAULT_HEALTH_FINDINGS = (0, common_1.defineSearchAttributeKey)('VaultHealthFindings', 'KEYWORD_LIST');
/** Outcome of a restore drill: `ok`, or `failed:<error type>` (the run's close time says when). */
exports.VAULT_RESTORE_DRILL = (0, common_1.defineSearchAttributeKey)('VaultRestoreDrill', 'KEYWORD');
//# sourceMappingURL=search-attributes.js.map