/**
 * `sys/init` committed and its answer lost on the way: the worst moment of the init, which the docs called a
 * residue until now (a power cut of vault-1's node between Vault's commit and the job saving the answer, or a
 * CLI that timed out). Vault-1 is frozen (`docker pause`) the moment its log shows the init has begun, the init
 * job's container is killed, and vault-1 thawed: Vault finishes the init and answers a caller that is gone.
 * Vault-1 is initialized and sealed, and no one holds its key. The tool must prove that (its own job failed
 * without an answer, the volume keeps none, no peer initialized, vault-1 never unsealed), wipe vault-1 and
 * initialize it again: the run completes with one key in custody. Before, it failed `UnsealKeyUnavailable`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initJobName } from '../../src/activities/cluster/init-job';
import { describeFailure } from '../../src/shared/errors';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapVault } from '../../src/workflows';
import { testbedTemporalClient } from '../support/history';
import type { TestRun } from '../support/testbed';
import { dockerCli } from '../support/testbed';
import { eventually } from '../support/wait';
import { assertBootstrapped, withTestRun } from './end-state';
import { containersBySlot, logShows } from './stack-state';
import { count, summaryAfterAll } from './summary';

/** Freezes vault-1 inside sys/init, kills the init job's container, thaws vault-1: the answer goes nowhere. */
async function loseTheInitAnswer(run: TestRun): Promise<string> {
  const vault1 = await eventually(`a container for vault-1 of ${run.stack}`, 5 * 60_000, async () =>
    (await containersBySlot(run.stack)).get(1),
  );
  await logShows(run, vault1, 'storage.raft: initial configuration', 5 * 60_000);
  await dockerCli(['pause', vault1]);
  try {
    const job = (await dockerCli(['ps', '-q', '--no-trunc', '-f', `name=${initJobName(run.stack)}.`])).trim();
    assert.ok(job, 'the init job is running while vault-1 initializes');
    await dockerCli(['kill', job]);
  } finally {
    await dockerCli(['unpause', vault1]);
  }
  count('faultsInjected');
  return vault1;
}

describe('sys/init committed, its answer lost', () => {
  const client = testbedTemporalClient();
  summaryAfterAll('the init answer lost on the way');

  it(
    'vault-1 is proven unopenable, wiped and initialized again: one key in custody',
    { timeout: 20 * 60_000 },
    () =>
      withTestRun(async (run) => {
        run.startWorker();
        const start = await run.client(['bootstrap']);
        assert.equal(start.code, 0, start.out);
        await loseTheInitAnswer(run);
        const handle = client().workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack));
        const result = await handle.result().catch((err: unknown) => {
          throw new Error(`the bootstrap failed: ${describeFailure(err)}`, { cause: err });
        });
        count('runsCompleted');
        const summary = result.steps.find((s) => s.step === 'initLeader')?.summary ?? '';
        console.log(`initLeader: ${summary}`);
        assert.match(
          summary,
          /wiped the data of vault-1, initialized by this tool's init job whose answer never arrived .*; no one holds its key, and restarted it; initialized vault-1 through its init job/,
        );
        await assertBootstrapped(run, client(), result);
      }),
  );
});
