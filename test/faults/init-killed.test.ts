/**
 * Vault's own task killed while it runs `sys/init` (issue 25): Raft has bootstrapped on vault-1's volume, the
 * barrier has not, and every later `sys/init` answers "cluster already has state". The retry must see that
 * nothing can be lost (vault-1 uninitialized, no peer initialized, no record, no init answer), wipe vault-1's
 * data through its own node and initialize again: the run completes with the crash matrix's end state.
 *
 * The kill is timed by vault-1's own log: the moment it writes Raft's initial configuration (which `sys/init`
 * does first, about a second before the barrier is initialized here), its container is killed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { describeFailure } from '../../src/shared/errors';
import type { BootstrapVault } from '../../src/workflows';
import { activitiesOf, historyOf, testbedTemporalClient } from '../support/history';
import type { TestRun } from '../support/testbed';
import { eventually } from '../support/wait';
import { assertBootstrapped, withTestRun } from './end-state';
import { containersBySlot, logShows } from './stack-state';
import { count, summaryAfterAll } from './summary';

/** Kills vault-1's container the moment its log shows `sys/init` creating Raft's initial configuration. */
async function killLeaderDuringInit(run: TestRun): Promise<{ container: string; killedAtMs: number }> {
  const container = await eventually(`a container for vault-1 of ${run.stack}`, 5 * 60_000, async () =>
    (await containersBySlot(run.stack)).get(1),
  );
  await logShows(run, container, 'storage.raft: initial configuration', 5 * 60_000);
  await run.docker.getContainer(container).kill();
  count('faultsInjected');
  return { container, killedAtMs: Date.now() };
}

describe('a Vault task killed during sys/init', () => {
  const client = testbedTemporalClient();
  summaryAfterAll('vault-1 killed during sys/init');

  it('is wiped and initialized again: the run completes with one init', { timeout: 20 * 60_000 }, () =>
    withTestRun(async (run) => {
      run.startWorker();
      const start = await run.client(['bootstrap']);
      assert.equal(start.code, 0, start.out);
      const killed = await killLeaderDuringInit(run);
      const handle = client().workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack));
      const result = await handle.result().catch((err: unknown) => {
        throw new Error(`the bootstrap failed: ${describeFailure(err)}`, { cause: err });
      });
      count('runsCompleted');
      const init = activitiesOf(await historyOf(client(), handle.workflowId)).filter(
        (a) => a.type === 'initLeader' && a.completedAt !== undefined,
      );
      const summary = result.steps.find((s) => s.step === 'initLeader')?.summary ?? '';
      console.log(
        `killed vault-1 (${killed.container.slice(0, 12)}) during sys/init; initLeader: ${summary}`,
      );
      assert.equal(init.length, 1, 'initLeader completed once');
      assert.match(summary, /wiped the data of vault-1/, 'the retry found the cut-short init and wiped it');
      await assertBootstrapped(run, client(), result);
      const now = (await containersBySlot(run.stack)).get(1);
      assert.notEqual(now, killed.container, 'vault-1 runs in a new container');
    }),
  );
});
