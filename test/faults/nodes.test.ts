/**
 * Node-level faults on the three-node bed (brought up here if it is not): each leaves the cluster
 * verified with nothing lost, and no operator step in between. A full worker on n1 (custody), node agents
 * on n2 and n3, the events watcher running, checks only read (`VAULT_HEALTH_REMEDIATE=false`) so that
 * what heals is the watcher and the scheduled machinery, not the test.
 *
 * - one node's Engine stopped: 2 of 3 tasks, quorum holds, `Degraded`; back: its task unsealed, a voter;
 * - the node of the active Vault task cut off from the others, then healed;
 * - all three Engines killed and started at once (power loss): every task back sealed, all unsealed;
 * - the worker's own node lost while a bootstrap runs: a full worker on another node (same custody
 *   folder: custody restored or shared, see README) finishes it once the node is back.
 *
 * Times are printed (time to verified) and the tally (double inits, keys lost, leaks) ends the file.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FileKeyCustody } from '../../src/custody/file-custody';
import type { HealthReport } from '../../src/shared/health';
import type { MultiNodeRun as Run } from '../support/multinode';
import {
  MultiNodeRun,
  nodeDocker,
  nodeFaults,
  NODE_NAMES,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
  waitUnsealedOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { seedVerification } from '../support/seed-verify';
import { eventually, sleep } from '../support/wait';
import { count, summaryAfterAll } from './summary';

const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };

async function report(run: Run, remediate: boolean): Promise<HealthReport> {
  const res = await run.client(['verify', '-o', 'json'], {
    ...HEALTH,
    VAULT_HEALTH_REMEDIATE: String(remediate),
  });
  assert.ok(res.code === 0 || res.code === 1, res.out);
  return JSON.parse(res.out.slice(res.out.indexOf('{'))) as HealthReport;
}

/** Reads until Healthy (every node unsealed and a voter, one leader, autopilot healthy); returns seconds since `t0`. */
async function verified(run: Run, what: string, t0: number, timeoutMs = 300_000): Promise<number> {
  await eventually(`${what}: the cluster verified Healthy`, timeoutMs, async () =>
    (await report(run, false)).verdict === 'Healthy' ? true : undefined,
  );
  return (Date.now() - t0) / 1000;
}

/** One custody record that decrypts and is the key every node was unsealed with; counts what is wrong. */
async function nothingLost(run: Run, what: string): Promise<void> {
  const custody = new FileKeyCustody({ dir: run.custodyDir, keyFile: run.custodyKeyFile });
  const held = await custody.read(run.stack).catch(() => undefined);
  count('keysLost', held ? 0 : 1, `${what}: the custody record of ${run.stack} cannot be read`);
  assert.ok(held, 'the custody record decrypts');
  const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile, run.node('n2').dockerHost);
  // One Raft cluster of three, one leader: had anything initialized a second cluster, a node would not list
  // the others (and the root token in custody would not read the peers).
  const doubleInit = v.leaders !== 1 || v.followers !== 2;
  count('doubleInits', doubleInit ? 1 : 0, `${what}: list-peers\n${v.listPeers}`);
  assert.ok(!doubleInit, v.listPeers);
  const secrets = (
    await nodeDocker('n1', ['secret', 'ls', '--format', '{{.Name}}', '-f', `name=${run.secretBase}`])
  )
    .split('\n')
    .filter((l) => l !== '');
  count('leaksFound', secrets.length === 1 ? 0 : 1, `${what}: secrets ${secrets.join(' ')}`);
  assert.deepEqual(secrets, [`${run.secretBase}_v1`]);
}

async function cleanupCounted(run: Run): Promise<void> {
  await run.client(['schedule', 'delete', '--yes'], HEALTH);
  await run.cleanup();
  const left = await run.leftovers();
  count('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
  assert.deepEqual(left, []);
}

describe('node-level faults on the three-node bed', () => {
  summaryAfterAll('node-level faults (three-node bed)');
  let run: MultiNodeRun;

  before(async () => {
    await threeNodeBedUp();
    run = new MultiNodeRun();
    await run.bootstrapWithWatcher(HEALTH);
  });

  after(async () => {
    // Whatever a case left down comes back before the clean-up (it needs every node to remove volumes).
    await nodeFaults.heal('n1').catch(() => undefined);
    for (const node of NODE_NAMES) await nodeFaults.start(node).catch(() => undefined);
    if (run) await cleanupCounted(run);
  });

  it("one node's Engine stopped: quorum holds (Degraded); back, its task is unsealed and a voter again", async () => {
    const node: NodeName = 'n3';
    await nodeFaults.stop(node);
    count('faultsInjected');
    try {
      const r = await report(run, true);
      console.log(
        `${node} stopped: ${r.verdict}; ${r.findings.map((f) => `${f.code} ${f.node ?? ''}`).join(', ')}`,
      );
      assert.equal(r.verdict, 'Degraded', JSON.stringify(r.findings));
      assert.equal(r.service.running, 2);
      assert.ok(
        r.raft.servers.some((s) => s.leader),
        'a leader: quorum holds',
      );
    } finally {
      await nodeFaults.start(node);
    }
    const t0 = Date.now();
    const v = await waitUnsealedOnNode(run.stack, node, 240_000);
    const unsealed = (Date.now() - t0) / 1000;
    const secs = await verified(run, `${node} back`, t0);
    console.log(
      `${node} back: vault-${v.slot} sealed:false after ${unsealed.toFixed(1)}s, verified Healthy after ${secs.toFixed(1)}s`,
    );
    await nothingLost(run, `${node} stopped`);
  });

  it('the node of the active Vault task cut off from the others, then healed', async () => {
    const r = await report(run, false);
    const leader = r.raft.servers.find((s) => s.leader)?.nodeId;
    const slot = Number(leader?.replace('vault-', ''));
    const node = (await slotNodes(run.stack)).get(slot);
    assert.ok(node, `the leader ${leader} runs on a node`);
    await nodeFaults.isolate(node);
    count('faultsInjected');
    const others = NODE_NAMES.filter((n) => n !== node);
    try {
      // The two others elect a leader of their own: the majority side goes on.
      const t = Date.now();
      await eventually('a new active node on the majority side', 120_000, async () => {
        for (const n of others) {
          const v = await vaultOnNode(run.stack, n);
          if (v && /^HA Mode\s+active$/m.test(v.text)) return true;
        }
        return undefined;
      });
      console.log(
        `${node} (leader ${leader}) isolated: the majority side has an active node after ${((Date.now() - t) / 1000).toFixed(1)}s`,
      );
      await sleep(5_000);
    } finally {
      await nodeFaults.heal(node);
    }
    const t0 = Date.now();
    const secs = await verified(run, `${node} healed`, t0);
    console.log(`${node} healed: verified Healthy after ${secs.toFixed(1)}s`);
    await nothingLost(run, `${node} isolated`);
  });

  it('all three Engines killed and started at once: every task back sealed, all unsealed without an operator', async () => {
    const t0 = Date.now();
    await nodeFaults.restartAll();
    count('faultsInjected');
    const sealedSeen: string[] = [];
    for (const node of NODE_NAMES) {
      const v = await waitUnsealedOnNode(run.stack, node, 300_000);
      sealedSeen.push(`${node}: vault-${v.slot} sealed:false at ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    const secs = await verified(run, 'after the power loss', t0);
    console.log(`power loss: ${sealedSeen.join('; ')}; verified Healthy after ${secs.toFixed(1)}s`);
    await nothingLost(run, 'power loss');
  });

  it("the worker's own node lost while a bootstrap runs: a worker on another node finishes it", async () => {
    // This bed holds one stack at a time: the shared stack goes first.
    await cleanupCounted(run);
    const second = new MultiNodeRun();
    run = second;
    run.startWorker('n1', 'full', HEALTH);
    run.startWorker('n2', 'node-agent');
    run.startWorker('n3', 'node-agent');
    const started = await run.client(['bootstrap'], HEALTH);
    assert.equal(started.code, 0, started.out);
    const custody = new FileKeyCustody({ dir: run.custodyDir, keyFile: run.custodyKeyFile });
    // Vault is initialized and its key in custody: from here on, losing it would be losing the cluster.
    await eventually('the key in custody', 240_000, () => custody.read(run.stack).then(() => true));
    const t0 = Date.now();
    await run.killWorker('n1');
    await nodeFaults.kill('n1');
    count('faultsInjected');
    // Another host takes over with the custody folder (restored from backup, or shared): a full worker on n2.
    await run.stopWorker('n2');
    run.startWorker('n2', 'full', HEALTH);
    await sleep(20_000);
    await nodeFaults.start('n1');
    run.startWorker('n1', 'node-agent');
    const done = await run.client(['bootstrap', '--wait'], HEALTH);
    assert.equal(done.code, 0, done.out);
    count('runsCompleted');
    const secs = await verified(run, 'bootstrap after losing the worker’s node', t0);
    console.log(
      `worker's node n1 lost mid-bootstrap: done and verified Healthy ${secs.toFixed(1)}s after the loss`,
    );
    const files = readdirSync(run.custodyDir);
    const conflicts = files.filter((f) => f.includes('.conflict-'));
    count('doubleInits', conflicts.length, `conflict records ${conflicts.join(' ')}`);
    assert.deepEqual(conflicts, []);
    await nothingLost(run, 'worker node lost');
  });
});
