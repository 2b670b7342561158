/**
 * `RestoreDrill`: proves the newest snapshot restores (issue 11; docs/backups.md). Deploys a throwaway
 * one-node stack (`<stack>-drill`, its data on tmpfs), restores the newest good snapshot into it, unseals it
 * with the key the manifest names, reads back the canary `BackupVault` wrote before that snapshot, and
 * removes the throwaway stack whatever happened, even when the drill is cancelled.
 */
import { CancellationScope, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DrillResult } from '../shared/backup';
import { drillStackName } from '../shared/backup';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';

/** One attempt deploys, restores and reads back; a retry starts over on a fresh throwaway stack. */
const drill = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

const cleanup = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

export async function RestoreDrill(input: { stack: string }): Promise<DrillResult> {
  const { stack } = input;
  setCurrentDetails(
    `**Restore drill ${stack}**: restoring the newest snapshot into ${drillStackName(stack)}`,
  );
  try {
    const result = await drill.runRestoreDrill(input);
    setCurrentDetails(
      [
        `**Restore drill ${stack}: OK**, ${result.snapshot.file} restored and read back`,
        '',
        `Canary ${result.canary.path} = ${result.canary.read}; ${result.seconds.total.toFixed(1)} s in all ` +
          `(deploy ${result.seconds.deploy.toFixed(1)} s, restore and unseal ${result.seconds.restore.toFixed(1)} s).`,
      ].join('\n'),
    );
    return result;
  } finally {
    // Whatever happened, and even when the drill is cancelled: the throwaway stack goes.
    await CancellationScope.nonCancellable(() => cleanup.removeDrillStack(input));
  }
}
