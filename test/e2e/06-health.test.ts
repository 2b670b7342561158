/**
 * Scheduled health verification that heals, on the test bed: a Vault task killed with `docker kill`
 * comes back sealed and is unsealed without any manual step (Docker events -> VerifyVaultHealth); a
 * re-issued certificate is noticed, reloaded with SIGHUP and served; the schedule is idempotent, a
 * paused schedule runs nothing, trigger runs once, and a health run's history stays small.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { DockerGateway } from '../../src/docker/gateway';
import { VaultNodeClient } from '../../src/vault/gateway';
import { healthWorkflowIds } from '../../src/shared/workflow-ids';
import type { HealthReport } from '../../src/shared/health';
import { TestCertificates } from '../support/certs';
import { bootstrapWithOwnCa } from '../support/bootstrapped';
import { historyOf } from '../support/history';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { dockerCli, TestRun } from '../support/testbed';
import { sleep } from '../support/wait';
import type { VerifyVaultHealth } from '../../src/workflows';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('scheduled health verification that heals', () => {
  const run = new TestRun();
  const certs = new TestCertificates(run.dir);
  // A long interval: the schedule fires only when a test says so.
  const extra = { VAULT_CERT_DIR: certs.dir, VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
  const gateway = new DockerGateway('/var/run/docker.sock');
  let client: Client;
  let connection: Connection;

  before(async () => {
    ({ client, connection } = await bootstrapWithOwnCa(run, certs, extra));
    const created = await run.client(['schedule', 'create'], extra);
    assert.equal(created.code, 0, created.out);
  });
  after(async () => {
    await run.client(['schedule', 'delete', '--yes'], extra);
    await cleanUpLeavingNothing(run);
    await connection.close();
  });

  /** A client for the node in `slot` as currently scheduled, or undefined while it has no running task. */
  async function nodeClient(slot: number): Promise<{ client: VaultNodeClient; taskId: string } | undefined> {
    const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(slot);
    if (!task || task.state !== 'running' || !task.address) return undefined;
    const ca = readFileSync(join(certs.dir, 'ca.pem'));
    const c = new VaultNodeClient(
      `vault-${slot}`,
      { host: task.address, port: 8200, serverName: `vault-${slot}` },
      { mode: 'tunnel', host: '127.0.0.1', port: 18200 },
      ca,
      { requestMs: 3000, initMs: 3000 },
    );
    return { client: c, taskId: task.id };
  }

  it('unseals a killed and replaced Vault task without a manual step', async () => {
    const { workerToken: token } = await run.custody().read(run.stack);
    const killToUnsealed: number[] = [];
    const apiToUnsealed: number[] = [];
    for (const slot of [2, 3, 1]) {
      const before = await nodeClient(slot);
      assert.ok(before, `vault-${slot} runs`);
      const ctr = (await dockerCli(['ps', '-q', '-f', `name=${run.stack}_vault.${slot}.`])).trim();
      const killedAt = Date.now();
      await dockerCli(['kill', ctr]);
      let apiAt: number | undefined;
      let unsealedAt: number | undefined;
      const deadline = Date.now() + 240_000;
      while (!unsealedAt && Date.now() < deadline) {
        const now = await nodeClient(slot);
        if (now && now.taskId !== before.taskId) {
          const s = await now.client.sealStatus().catch(() => undefined);
          if (s && apiAt === undefined) apiAt = Date.now();
          if (s && !s.sealed) unsealedAt = Date.now();
        }
        if (!unsealedAt) await sleep(200);
      }
      assert.ok(unsealedAt && apiAt, `vault-${slot} was unsealed by the health machinery`);
      killToUnsealed.push((unsealedAt - killedAt) / 1000);
      apiToUnsealed.push((unsealedAt - apiAt) / 1000);
      console.log(
        `vault-${slot}: kill -> sealed:false ${((unsealedAt - killedAt) / 1000).toFixed(1)}s, API first answering -> sealed:false ${((unsealedAt - apiAt) / 1000).toFixed(1)}s`,
      );
      // Back in the Raft configuration as a voter, before the next kill.
      const leaderView = await nodeClient(slot);
      const servers = await leaderView!.client.raftConfiguration(token!);
      assert.ok(
        servers.some((s) => s.nodeId === `vault-${slot}` && s.voter),
        `vault-${slot} is a Raft voter again`,
      );
      // Autopilot counts a restarted server healthy only after it has been stable a while: wait for it.
      const until = Date.now() + 120_000;
      while (!(await leaderView!.client.autopilotState(token!).catch(() => ({ healthy: false }))).healthy) {
        assert.ok(Date.now() < until, 'autopilot reports the cluster healthy again');
        await sleep(1000);
      }
    }
    console.log(
      `medians over ${killToUnsealed.length} kills: kill -> sealed:false ${median(killToUnsealed).toFixed(1)}s, API -> sealed:false ${median(apiToUnsealed).toFixed(1)}s`,
    );
  });

  it('re-joins a node that lost its Raft state, and never initializes it', async () => {
    const { workerToken: token } = await run.custody().read(run.stack);
    const before = await nodeClient(3);
    assert.ok(before);
    const ctr = (await dockerCli(['ps', '-q', '-f', `name=${run.stack}_vault.3.`])).trim();
    await dockerCli(['stop', '-t', '1', ctr]);
    const dataDir = join(run.bed.TESTBED_STACK_ROOT ?? '', run.stack, 'vault-3', 'data');
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    const until = Date.now() + 240_000;
    for (;;) {
      const now = await nodeClient(3);
      const s =
        now && now.taskId !== before.taskId
          ? await now.client.sealStatus().catch(() => undefined)
          : undefined;
      if (s && !s.sealed) {
        const servers = await now!.client.raftConfiguration(token!);
        if (servers.some((m) => m.nodeId === 'vault-3' && m.voter)) break;
      }
      assert.ok(Date.now() < until, 'vault-3 is back as an unsealed Raft voter');
      await sleep(500);
    }
    const event = client.workflow.list({
      query: `WorkflowType='VerifyVaultHealth' AND WorkflowId STARTS_WITH 'vault-health-event-${run.stack}'`,
    });
    const actions: string[] = [];
    for await (const wf of event)
      actions.push(
        ...(await client.workflow.getHandle<typeof VerifyVaultHealth>(wf.workflowId, wf.runId).result())
          .actions,
      );
    assert.ok(
      actions.some((a) => /^re-joined vault-3 to the Raft cluster of vault-\d$/.test(a)),
      actions.join('; '),
    );
    assert.ok(!actions.some((a) => /initiali[sz]ed/.test(a)), 'no action initializes a node');
    // Let autopilot settle before the next test.
    const settle = Date.now() + 120_000;
    const leader = await nodeClient(1);
    while (!(await leader!.client.autopilotState(token!).catch(() => ({ healthy: false }))).healthy) {
      assert.ok(Date.now() < settle, 'autopilot healthy again');
      await sleep(1000);
    }
  });

  it('notices a re-issued certificate, reloads it with SIGHUP and serves it', async () => {
    await certs.issueServer(2);
    const res = await run.client(['verify', '-o', 'json'], extra);
    assert.equal(res.code, 0, res.out);
    const report = JSON.parse(res.out.slice(res.out.indexOf('{'))) as HealthReport;
    const stale = (report.findingsBefore ?? [])
      .filter((f) => f.code === 'CertificateStale')
      .map((f) => f.node)
      .sort();
    assert.deepEqual(stale, ['vault-1', 'vault-2', 'vault-3']);
    assert.equal(
      report.actions.filter((a) => a.startsWith('reloaded the certificate')).length,
      3,
      report.actions.join('\n'),
    );
    assert.equal(report.verdict, 'Healthy');
    for (const n of report.nodes)
      assert.equal(
        n.servedFingerprint,
        report.certificate.diskFingerprint,
        `${n.name} serves the new certificate`,
      );
  });

  it('keeps one schedule, runs nothing while paused, runs once on trigger, and each run stays small', async () => {
    const again = await run.client(['schedule', 'create'], extra);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /updated/);
    const ids: string[] = [];
    for await (const s of client.schedule.list())
      if (s.scheduleId === healthWorkflowIds(run.stack).schedule) ids.push(s.scheduleId);
    assert.equal(ids.length, 1, 'create twice leaves one schedule');

    const handle = client.schedule.getHandle(healthWorkflowIds(run.stack).schedule);
    assert.equal((await run.client(['schedule', 'pause'], extra)).code, 0);
    // A 2-second interval while paused: nothing may run.
    assert.equal(
      (await run.client(['schedule', 'create'], { ...extra, VAULT_HEALTH_INTERVAL: '2s' })).code,
      0,
    );
    const taken = (await handle.describe()).info.numActionsTaken;
    await sleep(7000);
    assert.equal((await handle.describe()).info.numActionsTaken, taken, 'a paused schedule runs nothing');

    assert.equal((await run.client(['schedule', 'trigger'], extra)).code, 0);
    let d = await handle.describe();
    for (let i = 0; i < 50 && d.info.numActionsTaken === taken; i++) {
      await sleep(200);
      d = await handle.describe();
    }
    assert.equal(d.info.numActionsTaken, taken + 1, 'trigger runs exactly once');

    // Unpaused at 2 s: several runs; each run's history has the same small number of events.
    assert.equal((await run.client(['schedule', 'unpause'], extra)).code, 0);
    await sleep(12_000);
    assert.equal((await run.client(['schedule', 'pause'], extra)).code, 0);
    d = await handle.describe();
    const counts: number[] = [];
    for (const a of d.info.recentActions) {
      const wf = client.workflow.getHandle<typeof VerifyVaultHealth>(
        a.action.workflow.workflowId,
        a.action.workflow.firstExecutionRunId,
      );
      const r = await wf.result();
      assert.equal(r.verdict, 'Healthy');
      counts.push(
        (await historyOf(client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)).length,
      );
    }
    console.log(`health runs: ${counts.length}, history events per run: ${counts.join(', ')}`);
    assert.ok(counts.length >= 2, 'the schedule ran more than once when unpaused');
    assert.equal(Math.max(...counts), Math.min(...counts), 'no run grows with the age of the schedule');
  });
});
