/**
 * Faults other than the worker's own death, each at an exact instant: the activity is paused at a fault
 * point (`<point>=pause:<file>`), the fault is injected, the activity released, and the same workflow must
 * complete with the end state of the crash matrix (one init, the custody key unsealing every node, one
 * secret version, no key material, nothing leaked).
 *
 * The Temporal dev server and dockerd are shared by everything on the machine: those two tests restart
 * them with `bash testbed/testbed.sh up`, also when they fail.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapResult } from '../../src/shared/types';
import { activityCounts, historyOf, testbedTemporalClient } from '../support/history';
import { dockerCli, REPO, testbedEnv } from '../support/testbed';
import type { TestRun } from '../support/testbed';
import { assertBootstrapped, withTestRun } from './end-state';
import { PausePoint } from './fault-control';
import { containersBySlot, custodyOf, runIdsOf } from './stack-state';
import { eventually, sleep } from '../support/wait';
import { count, summaryAfterAll } from './summary';
import type { BootstrapVault } from '../../src/workflows';

const exec = promisify(execFile);

/** `bash testbed/testbed.sh up`: starts whatever of the test bed is down (dockerd, tunnel, Temporal). */
async function testbedUp(): Promise<void> {
  const { stderr } = await exec('bash', [join(REPO, 'testbed', 'testbed.sh'), 'up'], {
    timeout: 300_000,
    maxBuffer: 4 << 20,
  });
  // Its log goes to stderr; the lines that say what had to be restarted go into the test output.
  for (const line of stderr.split('\n')) if (/dockerd:|tunnel:|temporal:/.test(line)) console.log(line);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The dev server and dockerd serve every test on this machine: before killing one, wait (bounded) until no
 * other test stack is deployed, so a neighbour's run is not taken down with ours.
 */
async function aloneOnTestbed(run: TestRun): Promise<void> {
  await eventually('other test stacks to finish before a shared server is killed', 10 * 60_000, async () => {
    const stacks = (await dockerCli(['stack', 'ls', '--format', '{{.Name}}']))
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('vbt') && s !== run.stack);
    return stacks.length === 0 ? true : undefined;
  });
}

interface Paused {
  run: TestRun;
  worker: ChildProcess;
  handle: WorkflowHandle<typeof BootstrapVault>;
  pause: PausePoint;
}

describe('other faults: the run completes', () => {
  const client = testbedTemporalClient();
  summaryAfterAll('other faults');

  /** Starts a worker with `point` paused and the bootstrap, and waits until the activity is paused there. */
  async function pausedAt(run: TestRun, point: string): Promise<Paused> {
    const pause = new PausePoint(run, point);
    const worker = run.startWorker(pause.env);
    const start = await run.client(['bootstrap']);
    assert.equal(start.code, 0, start.out);
    const handle = client().workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack));
    await pause.reached(worker, handle);
    return { run, worker, handle, pause };
  }

  /** The run completes and the end state holds. */
  async function completes(p: Paused): Promise<BootstrapResult> {
    const result = await p.handle.result();
    count('runsCompleted');
    await assertBootstrapped(p.run, client(), result);
    return result;
  }

  /** `docker kill` of the current container of `slot`; resolves with its id. */
  async function killSlot(run: TestRun, slot: number): Promise<string> {
    const ctr = (await containersBySlot(run.stack)).get(slot);
    assert.ok(ctr, `a running container for slot ${slot}`);
    await dockerCli(['kill', ctr]);
    count('faultsInjected');
    return ctr;
  }

  for (const [point, slot, during] of [
    ['joinPeers:after-join:vault-2', 2, 'joinPeers'],
    ['unsealPeers:before-unseal:vault-3', 3, 'unsealPeers'],
  ] as const) {
    it(`a Vault task killed during ${during} (vault-${slot}, at ${point})`, { timeout: 20 * 60_000 }, () =>
      withTestRun(async (run) => {
        const p = await pausedAt(run, point);
        const killed = await killSlot(run, slot);
        p.pause.release();
        await completes(p);
        const now = (await containersBySlot(run.stack)).get(slot);
        assert.notEqual(now, killed, `vault-${slot} runs in a new container`);
      }),
    );
  }

  it(
    'the leader task killed after init, before its first unseal: completes with the same key',
    { timeout: 20 * 60_000 },
    () =>
      withTestRun(async (run) => {
        const p = await pausedAt(run, 'rotateUnsealKeySecret:before-prove-unseal');
        const before = await custodyOf(run).custody.describe(run.stack);
        assert.ok(before, 'initLeader stored the key before the pause');
        await killSlot(run, 1);
        p.pause.release();
        const result = await completes(p);
        assert.equal(
          result.summary.keyId,
          before.keyId,
          'the key from the one init unseals the new leader task',
        );
      }),
  );

  it(
    'two bootstrap calls race for the same stack: one workflow run, one init',
    { timeout: 20 * 60_000 },
    () =>
      withTestRun(async (run) => {
        run.startWorker();
        run.startWorker(); // two operators, two workers on the same task queue
        const [a, b] = await Promise.all([
          run.client(['bootstrap', '--wait']),
          run.client(['bootstrap', '--wait']),
        ]);
        count('faultsInjected');
        assert.equal(a.code, 0, a.out);
        assert.equal(b.code, 0, b.out);
        const runOf = (out: string): string | undefined => /\(run ([0-9a-f-]+)\)/.exec(out)?.[1];
        assert.ok(runOf(a.out));
        assert.equal(runOf(a.out), runOf(b.out), 'both calls attached to the same run');
        const workflowId = bootstrapWorkflowId(run.stack);
        assert.equal((await runIdsOf(client(), workflowId)).length, 1, 'one workflow run');
        const handle = client().workflow.getHandle<typeof BootstrapVault>(workflowId);
        const result = await handle.result();
        count('runsCompleted');
        assert.deepEqual(activityCounts(await historyOf(client(), workflowId)).get('initLeader'), {
          scheduled: 1,
          completed: 1,
        });
        await assertBootstrapped(run, client(), result);
      }),
  );

  it(
    'the Temporal dev server SIGKILLed mid-run and restarted from its SQLite file',
    { timeout: 20 * 60_000 },
    () =>
      withTestRun(async (run) => {
        const pidFile = join(testbedEnv().TESTBED_CACHE ?? join(REPO, '.cache'), 'temporal', 'dev.pid');
        let killed = false;
        try {
          const p = await pausedAt(run, 'rotateUnsealKeySecret:after-service-update');
          await aloneOnTestbed(run);
          const pid = Number(readFileSync(pidFile, 'utf8').trim());
          assert.ok(pid > 1 && alive(pid), `the dev server runs (pid file ${pidFile})`);
          process.kill(pid, 'SIGKILL');
          killed = true;
          count('faultsInjected');
          await eventually('the dev server to be gone', 30_000, () =>
            Promise.resolve(alive(pid) ? undefined : true),
          );
          // The activity finishes while no server can hear it; its result is reported or the step retried.
          p.pause.release();
          await sleep(5_000);
          await testbedUp();
          killed = false;
          assert.ok(
            p.worker.exitCode === null && p.worker.signalCode === null,
            'the worker outlived the server',
          );
          await completes(p);
        } finally {
          if (killed) await testbedUp();
        }
      }),
  );

  it('dockerd restarted during deployStack (tunnel back too)', { timeout: 20 * 60_000 }, () =>
    withTestRun(async (run) => {
      let down = false;
      try {
        const p = await pausedAt(run, 'deployStack:after-deploy');
        await aloneOnTestbed(run);
        const { stdout } = await exec('pgrep', ['-x', 'dockerd']);
        // The host's dockerd only: the three-node bed's Engines (their sockets under /run/vbt-nN) are not
        // this test's, and may be up after test/faults/nodes.test.ts.
        const pids = stdout
          .split('\n')
          .filter((l) => /^\d+$/.test(l.trim()))
          .map(Number)
          .filter((pid) => !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/run/vbt-'));
        assert.equal(pids.length, 1, `one host dockerd runs (${stdout.trim()})`);
        process.kill(pids[0]!, 'SIGKILL');
        down = true;
        count('faultsInjected');
        await eventually('dockerd to be gone', 30_000, () =>
          Promise.resolve(alive(pids[0]!) ? undefined : true),
        );
        // The step goes on against a dead daemon (it fails and is retried), then dockerd comes back.
        p.pause.release();
        await sleep(5_000);
        await testbedUp();
        down = false;
        const tunnel = await dockerCli([
          'inspect',
          '--format',
          '{{.State.Running}}',
          'vault-bootstrap-tunnel',
        ]);
        assert.equal(tunnel.trim(), 'true', 'the tunnel container runs again');
        await completes(p);
      } finally {
        if (down) await testbedUp();
      }
    }),
  );
});
