"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.bootstrap = bootstrap;
/**
 * `vault-bootstrap bootstrap [--wait]`: start BootstrapVault for the stack, or attach to
 * the run already going; with `--wait`, follow it and exit 1 with the innermost failure when it fails.
 */
const client_1 = require("@temporalio/client");
const constants_1 = require("../../shared/constants");
const run_text_1 = require("../../shared/run-text");
const workflows_1 = require("../../workflows");
const follow_1 = require("../follow");
const format_1 = require("../format");
/** Runs `bootstrap`; resolves with the exit code (0 started or done, 1 the workflow failed). */
async function bootstrap(ctx, options) {
    const { client, config, stack } = ctx;
    const workflowId = (0, constants_1.bootstrapWorkflowId)(stack);
    const handle = await client.workflow.start(workflows_1.BootstrapVault, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ stack }],
        staticSummary: (0, run_text_1.bootstrapRunSummary)(stack),
        staticDetails: (0, run_text_1.bootstrapRunDetails)(stack, config.temporal.taskQueue),
        // A second call while one runs attaches to it; a call after it ended starts a fresh, idempotent run.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    console.log((0, format_1.formatBootstrapStarted)(config, stack, workflowId, handle.firstExecutionRunId));
    if (!options.wait)
        return 0;
    try {
        // By workflow id, not run id: follows whichever run of this id is current.
        const res = await (0, follow_1.followProgress)((0, follow_1.bootstrapRun)(client.workflow.getHandle(workflowId)));
        console.log((0, format_1.formatBootstrapSummary)(res.summary));
        return 0;
    }
    catch (err) {
        if (err instanceof client_1.WorkflowFailedError) {
            console.error((0, format_1.formatBootstrapFailure)(config, workflowId, err));
            return 1;
        }
        throw err;
    }
}
//# sourceMappingURL=bootstrap.js.map