"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BackupVault = BackupVault;
/**
 * `BackupVault`: one backup of a stack (issue 11; docs/backups.md): a Raft snapshot from the active node into
 * the stack's snapshot folder with its manifest, then retention. Run by its schedule and by
 * `vault-bootstrap backup now`. First, on a cluster bootstrapped before backups, the worker's policy is brought
 * up to date (`ensureBackupAccess`). Each step is an activity that may be retried whole: a snapshot cut off by a
 * crash leaves only a hidden partial file, and the retry writes a new snapshot.
 */
const workflow_1 = require("@temporalio/workflow");
const errors_1 = require("../shared/errors");
/** The snapshot streams for as long as it is big; a stalled or dead worker shows in its heartbeats. */
const snapshot = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '1 minute',
    retry: {
        initialInterval: '10 seconds',
        maximumInterval: '1 minute',
        maximumAttempts: 5,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
const housekeeping = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: {
        initialInterval: '5 seconds',
        maximumAttempts: 5,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
function mib(bytes) {
    return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}
async function BackupVault(input) {
    // A cluster bootstrapped before backups existed gets the policy that allows them, once.
    (0, workflow_1.setCurrentDetails)(`**Backup ${input.stack}**: checking the worker may read snapshots`);
    await housekeeping.ensureBackupAccess(input);
    (0, workflow_1.setCurrentDetails)(`**Backup ${input.stack}**: reading a Raft snapshot from the active node`);
    const manifest = await snapshot.takeSnapshot(input);
    (0, workflow_1.setCurrentDetails)(`**Backup ${input.stack}**: wrote ${manifest.file} (${mib(manifest.size)}); applying retention`);
    const retention = await housekeeping.pruneSnapshots(input);
    (0, workflow_1.setCurrentDetails)([
        `**Backup ${input.stack}: ${manifest.file}** (${mib(manifest.size)}, sha256 ${manifest.sha256.slice(0, 16)}…)`,
        '',
        `Unseals with custody record ${manifest.unsealKey.custodyKeyId} (${manifest.unsealKey.secretName}).`,
        `Kept ${retention.kept.length}, pruned ${retention.pruned.length}.`,
    ].join('\n'));
    return { manifest, retention };
}
//# sourceMappingURL=backup-vault.js.map