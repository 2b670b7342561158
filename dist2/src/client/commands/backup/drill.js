"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backupDrill = backupDrill;
/**
 * `vault-bootstrap backup drill [--wait]`: one `RestoreDrill` of the stack now (docs/backups.md): the newest
 * snapshot restored into a throwaway `<stack>-drill` stack and its canary read back. Without `--wait` it
 * prints the run's id and UI link; with it, what was restored and how long it took.
 */
const backup_1 = require("../../../shared/backup");
const run_text_1 = require("../../../shared/run-text");
const workflows_1 = require("../../../workflows");
const format_1 = require("../../format");
const run_to_end_1 = require("../run-to-end");
/** Runs `backup drill`; resolves with 0 once started (or, with `--wait`, once read back), 1 when it failed. */
async function backupDrill(ctx, options) {
    const { client, config, stack } = ctx;
    const handle = await client.workflow.start(workflows_1.RestoreDrill, {
        taskQueue: config.temporal.taskQueue,
        workflowId: (0, backup_1.backupWorkflowIds)(stack).drillNow(Date.now()),
        args: [{ stack }],
        staticSummary: (0, run_text_1.drillRunSummary)(stack, 'on demand'),
    });
    return (0, run_to_end_1.runToEnd)(ctx, handle, { wait: options.wait, what: 'restore drill', format: format_1.formatDrillResult });
}
//# sourceMappingURL=drill.js.map