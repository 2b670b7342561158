"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backupNow = backupNow;
/**
 * `vault-bootstrap backup now [--wait]`: one `BackupVault` of the stack now (docs/backups.md). Without
 * `--wait` it prints the run's id and UI link; with it, the snapshot written and what retention kept.
 */
const backup_1 = require("../../../shared/backup");
const run_text_1 = require("../../../shared/run-text");
const workflows_1 = require("../../../workflows");
const run_to_end_1 = require("../run-to-end");
/** Runs `backup now`; resolves with 0 once started (or, with `--wait`, once written), 1 when it failed. */
async function backupNow(ctx, options) {
    const { client, config, stack } = ctx;
    const handle = await client.workflow.start(workflows_1.BackupVault, {
        taskQueue: config.temporal.taskQueue,
        workflowId: (0, backup_1.backupWorkflowIds)(stack).backupNow(Date.now()),
        args: [{ stack }],
        staticSummary: (0, run_text_1.backupRunSummary)(stack, 'on demand'),
    });
    return (0, run_to_end_1.runToEnd)(ctx, handle, {
        wait: options.wait,
        what: 'backup',
        format: ({ manifest, retention }) => [
            `wrote ${manifest.file}: ${manifest.size} bytes, sha256 ${manifest.sha256}, Vault ${manifest.vaultVersion}`,
            `  unseals with custody record ${manifest.unsealKey.custodyKeyId} (${manifest.unsealKey.secretName})`,
            `  retention kept ${retention.kept.length}, pruned ${retention.pruned.length}${retention.pruned.length ? `: ${retention.pruned.join(', ')}` : ''}`,
        ].join('\n'),
    });
}
//# sourceMappingURL=now.js.map