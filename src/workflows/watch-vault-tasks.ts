/**
 * `WatchVaultTasks`: faster than the schedule. A long-running activity waits on the Docker events stream
 * for a Vault task of the stack to start (a restart by Swarm comes back sealed); the moment one does, a
 * `VerifyVaultHealth` child runs with remediation, so the node is unsealed within seconds instead of at
 * the next scheduled check. The loop continues-as-new regularly, so its history stays small forever.
 *
 * Events missed while no worker runs are covered by the schedule: this only shortens the usual case.
 */
import { continueAsNew, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { healthWorkflowIds } from '../shared/health';
import { VerifyVaultHealth } from './verify-vault-health';

const watch = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
});

/** Iterations before continue-as-new: each is ~10 events, far below any history limit. */
const ITERATIONS_PER_RUN = 50;

export async function WatchVaultTasks(input: { stack: string }): Promise<void> {
  for (let i = 0; i < ITERATIONS_PER_RUN; i++) {
    const event = await watch.waitForVaultTaskStart({ stack: input.stack, maxWaitSeconds: 3600 });
    if (!event.started) continue;
    await executeChild(VerifyVaultHealth, {
      workflowId: `${healthWorkflowIds(input.stack).event}-${workflowInfo().runId.slice(0, 8)}-${i}`,
      args: [{ stack: input.stack, remediate: true, settleSeconds: 60 }],
    });
  }
  await continueAsNew<typeof WatchVaultTasks>(input);
}
