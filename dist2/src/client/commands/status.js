"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.statusExitCode = statusExitCode;
exports.status = status;
const constants_1 = require("../../shared/constants");
const workflows_1 = require("../../workflows");
const errors_1 = require("../../shared/errors");
const format_1 = require("../format");
const temporal_holds_1 = require("../../holds/temporal-holds");
const run_text_1 = require("../../shared/run-text");
/** The attempt of the activity the run is waiting on, if any (shown beside the running step). */
async function pendingAttempt(handle) {
    const d = await handle.describe();
    return d.raw.pendingActivities?.[0]?.attempt ?? undefined;
}
/** Exit code of `status` for a run in this state: 1 when it ended badly, else 0 (running or completed). */
function statusExitCode(status) {
    return status === 'FAILED' || status === 'TERMINATED' || status === 'TIMED_OUT' ? 1 : 0;
}
/** Runs `status`; resolves with `statusExitCode` of the latest run. */
async function status(ctx) {
    const { client, config, stack } = ctx;
    const handle = client.workflow.getHandle((0, constants_1.bootstrapWorkflowId)(stack));
    const d = await handle.describe();
    console.log(`BootstrapVault ${handle.workflowId}: ${d.status.name} (started ${d.startTime.toISOString()})`);
    const hold = await new temporal_holds_1.TemporalStackHolds(() => client).current(stack);
    if (hold)
        console.log(`${(0, run_text_1.holdLine)(hold)} (health reports and never acts until release)`);
    try {
        const rows = await handle.query(workflows_1.progressQuery);
        console.log((0, format_1.formatProgress)(rows, await pendingAttempt(handle)));
    }
    catch (err) {
        console.log(`  (progress not available: ${(0, errors_1.describeFailure)(err)})`);
    }
    console.log(`Temporal UI: ${(0, format_1.uiLink)(config, handle.workflowId)}`);
    return statusExitCode(d.status.name);
}
//# sourceMappingURL=status.js.map