/**
 * The check a full worker makes when it starts (issue 28): one health check of each stack it can check, so
 * that its metrics hold every node's figures from the first scrape on, instead of after the next scheduled
 * run (up to `VAULT_HEALTH_INTERVAL` later) or a Vault task's start. A restarted worker thus shows a sealed
 * node at once, and `VaultNodeSealed` can fire a minute after the restart.
 *
 * It only reads: the health activity's check (`checkVaultHealth`, which renews the worker's own Vault token as
 * every check does) called in this process, outside any workflow, so nothing is remediated, nothing shows in
 * Temporal, and no hold is needed to keep it from acting. Its figures go into this worker's metrics like a
 * scheduled check's; one that runs at the same moment cannot be overwritten by it with older figures
 * (`PrometheusMetrics` keeps the figures of the check that began last). It does not wait for tasks to settle
 * (a scheduled check waits up to 30 s): what it sees at once is what it reports.
 *
 * Which stacks: those with a Vault service on this swarm whose custody record this worker holds (without the
 * record it has no token to read the Raft view with, and the stack is not its own; the one-node test bed runs
 * many workers beside many stacks). A worker started before its stack exists checks nothing: the stack's
 * figures come with the bootstrap's own verify step (`verifyCluster`), then with every health check. A check
 * that fails (Vault or Docker not answering) is logged and left to the schedule; the worker runs on.
 */
import type { ActivityDeps } from './activities';
import { createHealthActivities } from './activities/health';
import type { WorkerLogger } from './logging';

/**
 * The stacks a worker with these dependencies can check: a Vault service here, and a record in its custody. A
 * stack whose record custody cannot read (corrupt, another key) is not checked, and said.
 */
async function stacksToCheck(
  deps: Pick<ActivityDeps, 'swarm' | 'custody'>,
  log: WorkerLogger,
): Promise<string[]> {
  const ours: string[] = [];
  for (const stack of await deps.swarm.vaultStacks()) {
    try {
      if ((await deps.custody.describe(stack)) !== undefined) ours.push(stack);
    } catch (err) {
      log.warn(`vault-bootstrap worker: no check of ${stack} at start: ${String(err)}`);
    }
  }
  return ours;
}

/**
 * Checks each of the worker's stacks once (`stacksToCheck`) and logs one line per stack; never throws. `deps`'
 * holds must answer outside an activity (a `TemporalStackHolds` given the worker's client).
 */
export async function checkAtStart(deps: ActivityDeps, log: WorkerLogger): Promise<void> {
  let stacks: string[];
  try {
    stacks = await stacksToCheck(deps, log);
  } catch (err) {
    log.warn(`vault-bootstrap worker: no check at start (the stacks could not be listed): ${String(err)}`);
    return;
  }
  if (stacks.length === 0) {
    log.info('vault-bootstrap worker: no check at start: no Vault stack here whose custody record it holds');
    return;
  }
  const { checkVaultHealth } = createHealthActivities(deps);
  for (const stack of stacks) {
    const started = Date.now();
    try {
      const report = await checkVaultHealth({ stack, remediate: false, settleSeconds: 0 });
      const nodes = report.nodes
        .map((n) => `${n.name} ${n.reachable ? (n.sealed ? 'sealed' : 'unsealed') : 'no answer'}`)
        .join(', ');
      log.info(
        `vault-bootstrap worker: checked ${stack} at start in ${Date.now() - started} ms: ${report.verdict} (${nodes})`,
      );
    } catch (err) {
      log.warn(
        `vault-bootstrap worker: the check of ${stack} at start failed (the schedule checks it again): ${String(err)}`,
      );
    }
  }
}
