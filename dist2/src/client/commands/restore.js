"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.restore = restore;
/**
 * `vault-bootstrap restore --snapshot FILE [--wait]`: disaster recovery (docs/backups.md). Starts `RestoreVault`
 * for the stack, or attaches to the one already running; with `--wait`, waits for it and prints each step.
 */
const backup_1 = require("../../shared/backup");
const workflows_1 = require("../../workflows");
const run_to_end_1 = require("./run-to-end");
const spec_1 = require("./schedule/spec");
/** Runs `restore`; resolves with 0 once started (or, with `--wait`, restored), 1 when it failed. */
async function restore(ctx, options) {
    const { client, config, stack } = ctx;
    const handle = await client.workflow.start(workflows_1.RestoreVault, {
        taskQueue: config.temporal.taskQueue,
        workflowId: (0, backup_1.restoreWorkflowId)(stack),
        args: [{ stack, snapshot: options.snapshot, check: (0, spec_1.healthInput)(config, stack) }],
        staticSummary: `Restore ${stack} from ${options.snapshot}`,
        // A second call while one runs attaches to it (whatever snapshot it was given).
        workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return (0, run_to_end_1.runToEnd)(ctx, handle, {
        wait: options.wait,
        what: 'restore',
        format: (r) => [`restored ${r.stack} from ${r.snapshot}`, ...r.steps.map((s) => `  ${s.step}: ${s.summary}`)].join('\n'),
    });
}
//# sourceMappingURL=restore.js.map