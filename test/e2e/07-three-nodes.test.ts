/**
 * Production's shape on the three-node bed (`npm run testbed -- up --nodes 3`, brought up here if it is
 * not): the production `docker-stack-vault.yml` (with its OpenBao overlay, the audit device), one Vault task per node, the full worker on n1
 * and a node agent on n2 and n3. The seed's verification holds on every node; a Vault task killed on any
 * node is unsealed within seconds (that node's Docker events, through its agent); a re-issued certificate
 * is reloaded on every node by a SIGHUP on its own node; a node without its agent is reported and the
 * other nodes are still handled.
 *
 * One stack at a time on this bed: production's host names vault-1..3 on iklimco-net would resolve to
 * the tasks of every stack. `VBT_KILLS_PER_NODE` (default 1) repeats the kills for medians.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HealthReport } from '../../src/shared/health';
import type { StepProgress } from '../../src/shared/steps';
import { TestCertificates } from '../support/certs';
import {
  median,
  MultiNodeRun,
  NODE_NAMES,
  nodeDocker,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
  waitUnsealedOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { seedVerification } from '../support/seed-verify';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { eventually } from '../support/wait';

describe('three nodes: the production stack file, a worker per node, healing on every node', () => {
  let run: MultiNodeRun;
  let certs: TestCertificates;
  let extra: Record<string, string>;
  let nodeOfSlot = new Map<number, NodeName>();

  async function report(env: Record<string, string> = {}): Promise<HealthReport> {
    const res = await run.client(['verify', '-o', 'json'], { ...extra, ...env });
    assert.ok(res.code === 0 || res.code === 1, res.out);
    return JSON.parse(res.out.slice(res.out.indexOf('{'))) as HealthReport;
  }

  /** Reads (never fixes) until the cluster is Healthy: every node unsealed, a voter, autopilot healthy. */
  async function healthyAgain(what: string): Promise<void> {
    await eventually(`${what}: the cluster Healthy again`, 180_000, async () =>
      (await report({ VAULT_HEALTH_REMEDIATE: 'false' })).verdict === 'Healthy' ? true : undefined,
    );
  }

  before(async () => {
    await threeNodeBedUp();
    run = new MultiNodeRun();
    certs = new TestCertificates(run.dir);
    await certs.createCa();
    await certs.issueServer(1);
    // A long interval: only the events watcher and the tests' own checks run.
    extra = { VAULT_CERT_DIR: certs.dir, VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
    run.startWorker('n1', 'full', extra);
    run.startWorker('n2', 'node-agent');
    run.startWorker('n3', 'node-agent');
  });

  after(async () => {
    await run.client(['schedule', 'delete', '--yes'], extra);
    await cleanUpLeavingNothing(run);
  });

  it("bootstraps from docker-stack-vault.yml (and its OpenBao overlay), one task per node; the seed's verification holds on every node", async () => {
    const started = Date.now();
    const boot = await run.client(['bootstrap', '--wait'], extra);
    assert.equal(boot.code, 0, boot.out);
    console.log(`bootstrap on three nodes: ${((Date.now() - started) / 1000).toFixed(1)}s`);

    nodeOfSlot = await slotNodes(run.stack);
    assert.deepEqual(
      [...nodeOfSlot.values()].sort(),
      [...NODE_NAMES],
      `one task per node: ${[...nodeOfSlot].join(' ')}`,
    );
    // No peer had joined at the rotation and every slot's home was recorded: the swap stopped every task at
    // once, and each slot was started on its home (every node but that home paused), so none ran elsewhere.
    const status = await run.client(['status', '-o', 'json'], extra);
    const steps = (JSON.parse(status.out.slice(status.out.indexOf('{'))) as { steps: StepProgress[] }).steps;
    const rotate = steps.find((s) => s.step === 'rotateUnsealKeySecret');
    assert.match(
      rotate?.summary ?? '',
      /all tasks at once, each started on its home/,
      JSON.stringify(rotate),
    );
    const paused = await nodeDocker('n1', ['node', 'ls', '--format', '{{.Availability}}']);
    assert.deepEqual(paused.trim().split('\n'), ['Active', 'Active', 'Active'], 'no node left paused');
    console.log(`rotateUnsealKeySecret: ${rotate?.summary}`);
    for (const [slot, node] of nodeOfSlot) {
      const labels = JSON.parse(
        await nodeDocker(node, ['node', 'inspect', '--format', '{{json .Spec.Labels}}', 'self']),
      ) as Record<string, string>;
      assert.ok(
        Object.keys(labels).some((k) => k.endsWith(`.${run.stack}.vault-${slot}`)),
        `vault-${slot} runs on ${node}, its home: ${JSON.stringify(labels)}`,
      );
    }
    for (const node of run.bed.nodes) {
      const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile, node.dockerHost);
      console.log(
        `--- the seed's verification, DOCKER_HOST=${node.dockerHost} (${node.hostName})\n` +
          `$ docker service ps ${run.stack}_vault\n${v.servicePs}` +
          `$ docker exec $(docker ps -q -f name=${run.stack}_vault | head -1) vault status\n${v.vaultStatus}` +
          `$ docker exec $(docker ps -q -f name=${run.stack}_vault | head -1) vault operator raft list-peers\n${v.listPeers}`,
      );
      assert.equal(v.runningTasks, 3, v.servicePs);
      for (const host of run.bed.nodes.map((n) => n.hostName))
        assert.match(v.servicePs, new RegExp(`\\s${host}\\s`), `a task on ${host}`);
      assert.ok(v.sealedFalse, `vault status on ${node.name}:\n${v.vaultStatus}`);
      assert.equal(v.leaders, 1, v.listPeers);
      assert.equal(v.followers, 2, v.listPeers);
    }
    // The audit device of docker-stack-vault.openbao.yml: each node's task opened /vault/logs/audit.log on its
    // own logs volume; the active node's holds the bootstrap's policy writes. `docker cp` (a tar on stdout)
    // because the bed's image has no shell.
    const audits: string[] = [];
    for (const node of NODE_NAMES) {
      const task = await vaultOnNode(run.stack, node);
      assert.ok(task, `a Vault task on ${node}`);
      audits.push(await nodeDocker(node, ['cp', `${task.container}:/vault/logs/audit.log`, '-']));
    }
    assert.ok(
      audits.some((a) => a.includes('"path":"sys/policies/acl/vault-bootstrap-worker"')),
      'the active node audited the policy writes',
    );
  });

  it('a Vault task killed on any node is unsealed within seconds, through that node’s events', async () => {
    const created = await run.client(['schedule', 'create'], extra);
    assert.equal(created.code, 0, created.out);
    const rounds = Number(process.env.VBT_KILLS_PER_NODE ?? '1');
    const seconds = new Map<NodeName, number[]>(NODE_NAMES.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      for (const node of NODE_NAMES) {
        const before = await vaultOnNode(run.stack, node);
        assert.ok(before && !before.sealed, `${node} runs an unsealed Vault task`);
        const killedAt = Date.now();
        await nodeDocker(node, ['kill', before.container]);
        const after = await waitUnsealedOnNode(run.stack, node, 180_000, before.container);
        const s = (Date.now() - killedAt) / 1000;
        seconds.get(node)!.push(s);
        console.log(
          `${node}${node === 'n1' ? ' (the worker’s node)' : ' (node agent)'}: kill vault-${after.slot} -> sealed:false ${s.toFixed(1)}s`,
        );
        await healthyAgain(`after the kill on ${node}`);
      }
    }
    for (const [node, xs] of seconds)
      console.log(`${node}: median kill -> sealed:false over ${xs.length}: ${median(xs).toFixed(1)}s`);
  });

  it('a re-issued certificate is reloaded on every node, each by a SIGHUP on its own node', async () => {
    await certs.issueServer(2);
    const started = Date.now();
    const r = await report();
    const secs = (Date.now() - started) / 1000;
    assert.equal(r.verdict, 'Healthy', JSON.stringify(r, null, 2));
    assert.deepEqual((r.findingsBefore ?? []).map((f) => `${f.code} ${f.node}`).sort(), [
      'CertificateStale vault-1',
      'CertificateStale vault-2',
      'CertificateStale vault-3',
    ]);
    const reloads = r.actions.filter((a) => a.startsWith('reloaded the certificate of'));
    assert.equal(reloads.length, 3, r.actions.join('\n'));
    const swarmNodes = new Set(r.nodes.map((n) => n.swarmNodeId));
    assert.equal(swarmNodes.size, 3, 'three tasks on three swarm nodes');
    for (const n of r.nodes) {
      assert.equal(
        n.servedFingerprint,
        r.certificate.diskFingerprint,
        `${n.name} serves the new certificate`,
      );
      assert.ok(
        reloads.some((a) => a.includes(`${n.name} (SIGHUP on swarm node ${n.swarmNodeId!.slice(0, 12)})`)),
        `${n.name} reloaded on its own node: ${reloads.join(' | ')}`,
      );
    }
    console.log(
      `stale certificate on all three nodes -> new fingerprint served by all: ${secs.toFixed(1)}s (one verify run)`,
    );
  });

  it('a node without its agent: its reload is reported FAILED, the other nodes are still reloaded', async () => {
    nodeOfSlot = await slotNodes(run.stack);
    const [agentlessSlot] = [...nodeOfSlot].find(([, node]) => node === 'n3') ?? [];
    assert.ok(agentlessSlot, 'a task on n3');
    await run.stopWorker('n3');
    await certs.issueServer(3);
    const r = await report();
    assert.equal(r.actionFailures?.length, 1, JSON.stringify(r.actionFailures));
    assert.match(
      r.actionFailures?.[0] ?? '',
      new RegExp(
        `^vault-${agentlessSlot}: certificate reload on swarm node \\S+: timed out \\(SCHEDULE_TO_START timeout\\)`,
      ),
    );
    assert.equal(
      r.actions.filter((a) => a.startsWith('reloaded the certificate of')).length,
      2,
      r.actions.join('\n'),
    );
    assert.deepEqual(
      r.findings.map((f) => `${f.code} ${f.node}`),
      [`CertificateStale vault-${agentlessSlot}`],
    );
    run.startWorker('n3', 'node-agent');
    const again = await report();
    assert.equal(again.verdict, 'Healthy', JSON.stringify(again, null, 2));
  });
});
