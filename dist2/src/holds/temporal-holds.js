"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TemporalStackHolds = void 0;
/**
 * An operator's hold on a stack, kept in Temporal: while the `HoldVaultStack` workflow of the stack runs,
 * and its memo carries the hold (why, since when, by whom), the stack is held. `vault-bootstrap hold` starts
 * it and `release` signals it, which clears the memo before anything else: the hold outlives every worker and
 * shows in the UI's list as a running workflow with its reason.
 */
const activity_1 = require("@temporalio/activity");
const client_1 = require("@temporalio/client");
const health_1 = require("../shared/health");
const hold_memo_1 = require("../shared/hold-memo");
class TemporalStackHolds {
    client;
    /** `client`: the Temporal client to ask; default the one of the activity that asks (a Worker's). */
    constructor(client = () => activity_1.Context.current().client) {
        this.client = client;
    }
    async current(stack) {
        try {
            const run = await this.client().workflow.getHandle((0, health_1.holdWorkflowId)(stack)).describe();
            const hold = run.memo?.[hold_memo_1.HOLD_MEMO_KEY];
            if (run.status.name !== 'RUNNING' || !hold)
                return undefined;
            return {
                reason: typeof hold.reason === 'string' ? hold.reason : '(no reason recorded)',
                since: typeof hold.since === 'string' ? hold.since : run.startTime.toISOString(),
                ...(typeof hold.by === 'string' ? { by: hold.by } : {}),
            };
        }
        catch (err) {
            if (err instanceof client_1.WorkflowNotFoundError)
                return undefined;
            throw err;
        }
    }
}
exports.TemporalStackHolds = TemporalStackHolds;
//# sourceMappingURL=temporal-holds.js.map