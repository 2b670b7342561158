/**
 * Root generation survives a crash (issue 25), on the test bed: `vault-bootstrap root-token` runs while the
 * worker has a break-glass fault point, the worker dies there by SIGKILL, a worker without fault points takes
 * the activity's retry (after its 20 s heartbeat timeout), and then:
 *
 * - the client still gets its token, and the run ends: the workflow completes (revoked by `revokeNow`); a
 *   crash in break glass is closable, so a named failure would be the wrong outcome;
 * - Vault knows no root-policy token but the one handed over: neither the root token generated from the
 *   unseal key (no TTL) nor a break-glass token made by the killed attempt is left (listed with the
 *   handed-over token itself, each accessor looked up);
 * - custody holds no root generation progress any more, and the next `root-token` works and leaves no other
 *   root-policy token either.
 *
 * Run with `npm run test:faults` (or this file alone).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DockerGateway } from '../../src/docker/gateway';
import type { TokenInfo } from '../../src/ports';
import type { BreakGlassRevocation } from '../../src/shared/types';
import { revokeNowSignal } from '../../src/workflows';
import { activitiesOf, historyOf, testbedTemporalClient } from '../support/history';
import { startAndBootstrap } from '../support/bootstrapped';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { TestRun } from '../support/testbed';
import type { VaultNodeClient } from '../../src/vault/gateway';

/** How long the killed worker may take to reach its fault point (a break glass takes a few seconds). */
const REACH_DEADLINE_MS = 3 * 60_000;

const POINTS = ['issueBreakGlassToken:after-generate-root', 'issueBreakGlassToken:after-create-token'];

describe('root generation survives a worker killed in break glass', () => {
  const run = new TestRun();
  const temporal = testbedTemporalClient();
  const gateway = new DockerGateway('/var/run/docker.sock');

  before(async () => {
    await startAndBootstrap(run);
  });
  after(async () => {
    await cleanUpLeavingNothing(run);
  });

  async function vault(): Promise<VaultNodeClient> {
    const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
    assert.ok(task?.address, 'vault-1 runs');
    return run.vaultClient('vault-1', task.address);
  }

  /** Every token Vault knows with the root policy, listed with `token` (itself root-policy). */
  async function rootPolicyTokens(token: string): Promise<TokenInfo[]> {
    const v = await vault();
    const out: TokenInfo[] = [];
    for (const accessor of await v.listAccessors(token)) {
      const info = await v.lookupAccessor(token, accessor);
      if (info?.policies.includes('root')) out.push(info);
    }
    return out;
  }

  /** Runs `root-token` to its end; its token, accessor and workflow id. */
  async function breakGlass(): Promise<{ token: string; accessor: string; workflowId: string }> {
    const res = await run.client(['root-token', '--ttl', '10m']);
    assert.equal(res.code, 0, res.out);
    const token = res.stdout.trim();
    const accessor = /accessor (\S+),/.exec(res.out)?.[1];
    const workflowId = /by workflow (\S+)/.exec(res.out)?.[1];
    assert.ok(token && accessor && workflowId, res.out);
    return { token, accessor, workflowId };
  }

  /** Revokes a break-glass token now (`revokeNow`): the run must complete, its token revoked. */
  async function revokeNow(workflowId: string, accessor: string): Promise<void> {
    const handle = temporal().workflow.getHandle(workflowId);
    await handle.signal(revokeNowSignal);
    const out = (await handle.result()) as BreakGlassRevocation;
    assert.deepEqual(out, { accessor, revoked: true, alreadyGone: false });
  }

  function exited(worker: ChildProcess): Promise<NodeJS.Signals | number | null> {
    if (worker.exitCode !== null || worker.signalCode !== null)
      return Promise.resolve(worker.signalCode ?? worker.exitCode);
    return new Promise((r) => worker.once('exit', (code, signal) => r(signal ?? code)));
  }

  for (const point of POINTS) {
    it(`SIGKILL at ${point}: the retry on another worker leaves no root-policy token but the one handed over`, async () => {
      await run.stopWorkers();
      const doomed = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: point });
      const started = Date.now();
      const issuing = breakGlass();
      let timer: NodeJS.Timeout | undefined;
      const died = await Promise.race([
        exited(doomed),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), REACH_DEADLINE_MS))),
      ]);
      clearTimeout(timer);
      assert.equal(died, 'SIGKILL', `the worker died by SIGKILL at ${point}`);
      assert.ok(readFileSync(run.workerLog, 'utf8').includes(`failpoint ${point}: SIGKILL`));
      run.startWorker();
      const issued = await issuing;
      console.log(
        `${point}: token handed over ${((Date.now() - started) / 1000).toFixed(1)} s after root-token started`,
      );

      // The killed attempt and its retry: one activity, two attempts at least.
      const events = await historyOf(temporal(), issued.workflowId);
      const issue = activitiesOf(events).filter((a) => a.type === 'issueBreakGlassToken');
      assert.equal(issue.length, 1, 'issued once');
      assert.ok(issue[0]!.attempts >= 2, `retried after the crash (attempt ${issue[0]!.attempts})`);

      const roots = await rootPolicyTokens(issued.token);
      for (const t of roots)
        console.log(`  root-policy token ${t.accessor} name=${t.displayName} ttl=${t.ttlSeconds}s`);
      assert.deepEqual(
        roots.map((t) => t.accessor),
        [issued.accessor],
        'no root-policy token is left but the one handed over',
      );
      assert.equal((await run.custody().read(run.stack)).rootGenerations, undefined, 'custody is clean');

      await revokeNow(issued.workflowId, issued.accessor);
      // The next break glass works, and sees no other root-policy token either.
      const next = await breakGlass();
      assert.deepEqual(
        (await rootPolicyTokens(next.token)).map((t) => t.accessor),
        [next.accessor],
      );
      await revokeNow(next.workflowId, next.accessor);
    });
  }
});
