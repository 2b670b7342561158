"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.operatorName = operatorName;
exports.hold = hold;
exports.release = release;
/**
 * `vault-bootstrap hold --reason "…" [--by NAME]` and `release [--by NAME]`: an operator's hold on a stack
 * (`HoldVaultStack`). While held, health runs report and never act and the watcher starts no check; release
 * ends it and checks (and heals, as `VAULT_HEALTH_REMEDIATE` says) at once, printing that check's report.
 */
const node_os_1 = require("node:os");
const client_1 = require("@temporalio/client");
const temporal_holds_1 = require("../../holds/temporal-holds");
const health_1 = require("../../shared/health");
const hold_memo_1 = require("../../shared/hold-memo");
const run_text_1 = require("../../shared/run-text");
const workflows_1 = require("../../workflows");
const format_1 = require("../format");
const spec_1 = require("./schedule/spec");
/** `--by`, else the name of the user running the client (a hold says who put it on); never empty. */
function operatorName(by) {
    if (by?.trim())
        return by.trim();
    try {
        return (0, node_os_1.userInfo)().username || undefined;
    }
    catch {
        return undefined; // no passwd entry (a container's arbitrary uid): the hold just does not say
    }
}
/** Puts the hold on; exit 1 (and the existing hold printed) when the stack is held already. */
async function hold(ctx, options) {
    const { client, config, stack } = ctx;
    const by = operatorName(options.by);
    const held = { reason: options.reason, since: new Date().toISOString(), ...(by ? { by } : {}) };
    const workflowId = (0, health_1.holdWorkflowId)(stack);
    try {
        await client.workflow.start(workflows_1.HoldVaultStack, {
            taskQueue: config.temporal.taskQueue,
            workflowId,
            args: [{ hold: held, check: (0, spec_1.healthInput)(config, stack) }],
            memo: { [hold_memo_1.HOLD_MEMO_KEY]: held },
            staticSummary: (0, run_text_1.holdRunSummary)(stack, held),
        });
    }
    catch (err) {
        if (!(err instanceof client_1.WorkflowExecutionAlreadyStartedError))
            throw err;
        const current = await new temporal_holds_1.TemporalStackHolds(() => client).current(stack);
        console.error(`vault-bootstrap: StackAlreadyHeld: stack ${stack} is already held` +
            `${current ? ` (${(0, run_text_1.holdLine)(current)})` : ''}; release it first\nTemporal UI: ${(0, format_1.uiLink)(config, workflowId)}`);
        return 1;
    }
    console.log(`${(0, run_text_1.holdLine)(held)}\nHealth runs of ${stack} now report and never act; release with ` +
        `\`vault-bootstrap release --stack ${stack}\`.\nTemporal UI: ${(0, format_1.uiLink)(config, workflowId)}`);
    return 0;
}
/** Releases the hold and waits for the check it runs; exit 0 when that check is Healthy, 1 otherwise or when not held. */
async function release(ctx, options) {
    const { client, config, stack } = ctx;
    const current = await new temporal_holds_1.TemporalStackHolds(() => client).current(stack);
    if (!current) {
        console.error(`vault-bootstrap: StackNotHeld: stack ${stack} is not held; nothing to release`);
        return 1;
    }
    const handle = client.workflow.getHandle((0, health_1.holdWorkflowId)(stack));
    const by = operatorName(options.by);
    await handle.signal(workflows_1.releaseSignal, by ? { by } : {});
    const outcome = await handle.result();
    console.log(`Released ${outcome.releasedAt}${outcome.releasedBy ? ` by ${outcome.releasedBy}` : ''} ` +
        `(${(0, run_text_1.holdLine)(current)})\n${(0, format_1.formatReport)(outcome.health)}\nTemporal UI: ${(0, format_1.uiLink)(config, handle.workflowId)}`);
    return outcome.health.verdict === 'Healthy' ? 0 : 1;
}
//# sourceMappingURL=hold.js.map