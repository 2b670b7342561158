"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RestoreDrill = RestoreDrill;
/**
 * `RestoreDrill`: proves the newest snapshot restores (issue 11; docs/backups.md). Deploys a throwaway
 * one-node stack (`<stack>-drill`, its data on tmpfs), restores the newest good snapshot into it, unseals it
 * with the key the manifest names, reads back the canary `BackupVault` wrote before that snapshot, and
 * removes the throwaway stack whatever happened, even when the drill is cancelled. The outcome goes into the
 * search attribute `VaultRestoreDrill` (`ok` / `failed:<type>`) and beside the snapshots, where the health
 * report shows it.
 */
const workflow_1 = require("@temporalio/workflow");
const backup_1 = require("../shared/backup");
const errors_1 = require("../shared/errors");
const search_attributes_1 = require("../shared/search-attributes");
/** One attempt deploys, restores and reads back; a retry starts over on a fresh throwaway stack. */
const drill = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: {
        initialInterval: '10 seconds',
        maximumInterval: '1 minute',
        maximumAttempts: 3,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
const housekeeping = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry: {
        initialInterval: '5 seconds',
        maximumInterval: '1 minute',
        maximumAttempts: 10,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
/** Records the outcome where the health report reads it; a folder that refuses it does not change the outcome. */
async function record(stack, outcome) {
    try {
        await housekeeping.recordDrill({ stack, record: outcome });
    }
    catch (err) {
        workflow_1.log.warn('the restore drill outcome could not be recorded', { stack, error: (0, errors_1.describeFailure)(err) });
    }
}
async function RestoreDrill(input) {
    const { stack } = input;
    (0, workflow_1.setCurrentDetails)(`**Restore drill ${stack}**: restoring the newest snapshot into ${(0, backup_1.drillStackName)(stack)}`);
    let result;
    try {
        result = await drill.runRestoreDrill(input);
    }
    catch (err) {
        (0, workflow_1.upsertSearchAttributes)([{ key: search_attributes_1.VAULT_RESTORE_DRILL, value: `failed:${(0, errors_1.failureTypeOf)(err)}` }]);
        (0, workflow_1.setCurrentDetails)(`**Restore drill ${stack}: FAILED**\n\n${(0, errors_1.describeFailure)(err)}`);
        await workflow_1.CancellationScope.nonCancellable(async () => {
            await housekeeping.removeDrillStack(input);
            await record(stack, { at: new Date().toISOString(), ok: false, error: (0, errors_1.describeFailure)(err) });
        });
        throw err;
    }
    // Whatever happened, and even when the drill is cancelled: the throwaway stack goes.
    await workflow_1.CancellationScope.nonCancellable(() => housekeeping.removeDrillStack(input));
    (0, workflow_1.upsertSearchAttributes)([{ key: search_attributes_1.VAULT_RESTORE_DRILL, value: 'ok' }]);
    await record(stack, {
        at: new Date().toISOString(),
        ok: true,
        snapshot: result.snapshot.file,
        seconds: result.seconds.total,
    });
    (0, workflow_1.setCurrentDetails)([
        `**Restore drill ${stack}: OK**, ${result.snapshot.file} restored and read back`,
        '',
        `Canary ${result.canary.path} = ${result.canary.read}; ${result.seconds.total.toFixed(1)} s in all ` +
            `(deploy ${result.seconds.deploy.toFixed(1)} s, restore and unseal ${result.seconds.restore.toFixed(1)} s).`,
    ].join('\n'));
    return result;
}
//# sourceMappingURL=restore-drill.js.map