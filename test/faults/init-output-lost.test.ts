/**
 * The init job's output lost (the three-node soak, seed 446416101 run 7): the worker dies while Vault
 * initializes, the init job completes, and before any worker reads its output the job's container is removed,
 * as a node whose Engine restarts removes a finished task's container, and its log with it. Swarm still says
 * `complete`; `docker service logs` reads nothing. Before the fix every retry said "completed, but its output
 * holds no answer yet", forever: Vault initialized, the key nowhere. Now the retry reads the answer the job
 * kept on vault-1's data volume (the answer job) and the run completes with the crash matrix's end state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerJobName, initJobName } from '../../src/activities/cluster/init-job';
import { describeFailure } from '../../src/shared/errors';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapVault } from '../../src/workflows';
import { testbedTemporalClient } from '../support/history';
import { dockerCli } from '../support/testbed';
import { eventually } from '../support/wait';
import { assertBootstrapped, withTestRun } from './end-state';
import { expectCrashAt } from './fault-control';
import { count, summaryAfterAll } from './summary';

const POINT = 'initLeader:after-init-sent';

describe("the init job's output lost with its container", () => {
  const client = testbedTemporalClient();
  summaryAfterAll("the init job's output lost");

  it(
    "the retry reads the answer back from vault-1's volume: one init, the key in custody",
    { timeout: 20 * 60_000 },
    () =>
      withTestRun(async (run) => {
        const worker = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: POINT });
        const start = await run.client(['bootstrap']);
        assert.equal(start.code, 0, start.out);
        const handle = client().workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack));
        await expectCrashAt(run, worker, handle, POINT);

        // No worker runs now: the job finishes alone, then its container goes.
        const job = initJobName(run.stack);
        const container = await eventually(`the init job ${job} to complete`, 5 * 60_000, async () => {
          const [line] = (
            await dockerCli(['service', 'ps', job, '--no-trunc', '--format', '{{.CurrentState}}|{{.ID}}'])
          ).split('\n');
          if (!line?.startsWith('Complete')) return undefined;
          const taskId = line.split('|')[1]!;
          return (
            await dockerCli(['inspect', taskId, '--format', '{{.Status.ContainerStatus.ContainerID}}'])
          ).trim();
        });
        assert.match(
          await dockerCli(['service', 'logs', job]),
          /BEGIN PGP MESSAGE|"root_token"/,
          'before the fault, the job output holds the encrypted answer',
        );
        await dockerCli(['rm', '-f', container]);
        count('faultsInjected');
        assert.equal(
          (await dockerCli(['service', 'logs', job])).trim(),
          '',
          "with its container gone, the job's output reads empty",
        );
        assert.match(
          await dockerCli(['service', 'ps', job, '--format', '{{.CurrentState}}']),
          /^Complete/,
          'Swarm still reports the job complete',
        );

        run.startWorker();
        const result = await handle.result().catch((err: unknown) => {
          throw new Error(`the bootstrap failed: ${describeFailure(err)}`, { cause: err });
        });
        count('runsCompleted');
        const summary = result.steps.find((s) => s.step === 'initLeader')?.summary ?? '';
        console.log(`initLeader: ${summary}`);
        assert.match(
          summary,
          /stored the answer of an earlier attempt's init job as \S+ \(read back from vault-1's volume/,
        );
        await assertBootstrapped(run, client(), result);
        const left = await dockerCli(['service', 'ls', '--format', '{{.Name}}', '-f', `name=${run.stack}_`]);
        assert.ok(!left.includes(job) && !left.includes(answerJobName(run.stack)), `no job is left: ${left}`);
      }),
  );
});
