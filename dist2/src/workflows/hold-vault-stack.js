"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.releaseSignal = void 0;
exports.HoldVaultStack = HoldVaultStack;
/**
 * `HoldVaultStack`: an operator's hold on a stack (`vault-bootstrap hold --reason …`). While it runs and its
 * memo carries the hold, health runs report and never act, and the watcher starts no check: a node an
 * operator sealed on purpose during an incident stays sealed, reported as `SealedWhileHeld`.
 *
 * The hold is the running workflow, so it outlives every worker and client, and the UI's list shows it with
 * its reason. `release` (a signal) clears the memo first — from then on the stack is no longer held — and
 * then runs one `VerifyVaultHealth` at once, so what the hold kept sealed is unsealed within seconds, not at
 * the next scheduled check. The run ends with that check's report.
 */
const workflow_1 = require("@temporalio/workflow");
const hold_memo_1 = require("../shared/hold-memo");
const health_1 = require("../shared/health");
const run_text_1 = require("../shared/run-text");
const verify_vault_health_1 = require("./verify-vault-health");
/** Ends the hold: the stack is no longer held once the workflow handles it. */
exports.releaseSignal = (0, workflow_1.defineSignal)('release');
async function HoldVaultStack(input) {
    const { stack } = input.check;
    let release;
    (0, workflow_1.setHandler)(exports.releaseSignal, (r) => {
        release ??= r;
    });
    (0, workflow_1.setCurrentDetails)((0, run_text_1.heldDetails)(stack, input.hold));
    await (0, workflow_1.condition)(() => release !== undefined);
    const releasedAt = new Date().toISOString();
    const releasedBy = release?.by;
    const released = `**Released** ${releasedAt}${releasedBy ? ` by ${releasedBy}` : ''}`;
    // Cleared before the check starts: the check reads the hold through this memo, and must find none.
    (0, workflow_1.upsertMemo)({ [hold_memo_1.HOLD_MEMO_KEY]: null });
    (0, workflow_1.setCurrentDetails)(`${released}: checking health`);
    const health = await (0, workflow_1.executeChild)(verify_vault_health_1.VerifyVaultHealth, {
        workflowId: (0, health_1.releaseCheckWorkflowId)(stack, (0, workflow_1.workflowInfo)().runId),
        staticSummary: (0, run_text_1.healthRunSummary)(stack, 'release'),
        args: [input.check],
    });
    (0, workflow_1.setCurrentDetails)(`${released}\n\n${(0, run_text_1.healthDetails)(health)}`);
    return { releasedAt, ...(releasedBy ? { releasedBy } : {}), health };
}
//# sourceMappingURL=hold-vault-stack.js.map