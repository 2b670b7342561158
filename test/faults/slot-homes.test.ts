/**
 * Issue 31, item 2, on the three-node bed: Swarm does not keep a slot of `<stack>_vault` on its node, so once every
 * task stopped at once a slot may start on another slot's volume. OpenBao opens it under its own Raft id and,
 * unsealed, serves it (docs/faults.md, "Slots and their volumes"). Each case makes that happen and requires that
 * no Vault task is ever unsealed on a node other than its slot's home, that the slots end on their homes, and
 * that the cluster ends Healthy with nothing lost: one leader, two followers, no committed entry gone.
 *
 * - every task stopped at once (the service scaled to 0) and started again with vault-1 and vault-2 on each
 *   other's nodes (steered with `docker node update --availability pause`, so that it happens every time);
 * - all three nodes lose power, and come back one after the other (n3 last): the slots start wherever Swarm puts
 *   them (the placement is printed: a shuffle or not, the same rule holds).
 *
 * Healing is the product's own: the events watcher and its health checks (remediation on), no operator step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MultiNodeRun as Run } from '../support/multinode';
import {
  activateAllNodes,
  MultiNodeRun,
  nodeFaults,
  nodeIds,
  NODE_NAMES,
  restartSlotsOn,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import type { HealthReport } from '../../src/shared/health';
import { seedVerification } from '../support/seed-verify';
import { eventually, sleep } from '../support/wait';
import { count, summaryAfterAll } from './summary';

const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };

async function report(run: Run): Promise<HealthReport> {
  const res = await run.client(['verify', '--json'], { ...HEALTH, VAULT_HEALTH_REMEDIATE: 'false' });
  assert.ok(res.code === 0 || res.code === 1, res.out);
  return JSON.parse(res.out.slice(res.out.indexOf('{'))) as HealthReport;
}

const show = (m: Map<number, NodeName>) =>
  [...m]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `vault-${s}@${n}`)
    .join(' ');

/** Raft's committed index as `vault status` shows it on an unsealed node, the highest of the nodes. */
async function committedIndex(stack: string): Promise<number> {
  let top = 0;
  for (const n of NODE_NAMES) {
    const v = await vaultOnNode(stack, n).catch(() => undefined);
    const m = /^Raft Committed Index\s+(\d+)$/m.exec(v?.text ?? '');
    if (m) top = Math.max(top, Number(m[1]));
  }
  return top;
}

/**
 * Watches every node's Vault task every 500 ms until `stop()`: a task unsealed on a node other than its slot's
 * home (`homeOf`: node → slot) is a violation. Returns the violations and the placements seen.
 */
function watchUnsealedAway(stack: string, homeOf: Map<NodeName, number>) {
  const violations: string[] = [];
  const seen = new Set<string>();
  let running = true;
  const done = (async () => {
    while (running) {
      for (const n of NODE_NAMES) {
        const v = await vaultOnNode(stack, n).catch(() => undefined);
        if (!v) continue;
        seen.add(`vault-${v.slot}@${n}`);
        if (!v.sealed && v.slot !== homeOf.get(n))
          violations.push(`vault-${v.slot} unsealed on ${n} (home of vault-${homeOf.get(n)})`);
      }
      await sleep(500);
    }
  })();
  return {
    async stop(): Promise<{ violations: string[]; seen: string[] }> {
      running = false;
      await done;
      return { violations, seen: [...seen].sort() };
    },
  };
}

/** Ends verified: Healthy, every slot on its home, one leader and two followers, the committed index not behind. */
async function endsHome(
  run: Run,
  what: string,
  home: Map<number, NodeName>,
  t0: number,
  committed: number,
): Promise<void> {
  await eventually(`${what}: Healthy`, 300_000, async () =>
    (await report(run)).verdict === 'Healthy' ? true : undefined,
  );
  const secs = (Date.now() - t0) / 1000;
  assert.equal(show(await slotNodes(run.stack)), show(home), `${what}: every slot back on its home`);
  const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile, run.node('n2').dockerHost);
  assert.ok(v.leaders === 1 && v.followers === 2, v.listPeers);
  const now = await committedIndex(run.stack);
  count('keysLost', now >= committed ? 0 : 1, `${what}: committed index ${now} < ${committed}`);
  assert.ok(now >= committed, `committed index ${now} is not behind ${committed}`);
  console.log(
    `${what}: Healthy with every slot at home ${secs.toFixed(1)}s after the fault; committed index ${committed} → ${now}`,
  );
}

describe('slots and their volumes on the three-node bed', () => {
  summaryAfterAll('slot homes (three-node bed)');
  let run: MultiNodeRun;
  let home: Map<number, NodeName>;
  let homeOf: Map<NodeName, number>;
  let ids: Map<NodeName, string>;

  before(async () => {
    await threeNodeBedUp();
    ids = await nodeIds();
    run = new MultiNodeRun();
    run.startWorker('n1', 'full', HEALTH);
    run.startWorker('n2', 'node-agent');
    run.startWorker('n3', 'node-agent');
    const t0 = Date.now();
    const boot = await run.client(['bootstrap', '--wait'], HEALTH);
    assert.equal(boot.code, 0, boot.out);
    // The steps' times on three nodes (the production stack file, host workers through the tunnels).
    const status = await run.client(['status'], HEALTH);
    console.log(`bootstrap ${((Date.now() - t0) / 1000).toFixed(1)}s:\n${status.out}`);
    const created = await run.client(['schedule', 'create'], HEALTH);
    assert.equal(created.code, 0, created.out);
    home = await slotNodes(run.stack);
    homeOf = new Map([...home].map(([s, n]) => [n, s]));
    console.log(`bootstrapped: ${show(home)}`);
  });

  after(async () => {
    if (ids) await activateAllNodes(ids);
    for (const node of NODE_NAMES) await nodeFaults.start(node).catch(() => undefined);
    if (run) {
      await run.client(['schedule', 'delete'], HEALTH);
      await run.cleanup();
      const left = await run.leftovers();
      count('leaksFound', left.length, `left after clean-up: ${left.join(', ')}`);
      assert.deepEqual(left, []);
    }
  });

  it('every task stopped at once, vault-1 and vault-2 started on each other’s nodes: put back, never unsealed away', async () => {
    const committed = await committedIndex(run.stack);
    const watch = watchUnsealedAway(run.stack, homeOf);
    const t0 = Date.now();
    try {
      const want = new Map<number, NodeName>([
        [1, home.get(2)!],
        [2, home.get(1)!],
        [3, home.get(3)!],
      ]);
      await restartSlotsOn(run.stack, want, ids);
      count('faultsInjected');
      console.log(`shuffled: ${show(await slotNodes(run.stack))}`);
      await endsHome(run, 'all tasks stopped and shuffled', home, t0, committed);
    } finally {
      await activateAllNodes(ids);
      const { violations, seen } = await watch.stop();
      console.log(`placements seen: ${seen.join(' ')}`);
      assert.deepEqual(violations, [], 'no task unsealed away from its home');
    }
  });

  it('all three nodes lose power and come back one by one: never unsealed away, every slot home again', async () => {
    const committed = await committedIndex(run.stack);
    const watch = watchUnsealedAway(run.stack, homeOf);
    const t0 = Date.now();
    try {
      await Promise.all(NODE_NAMES.map((n) => nodeFaults.kill(n)));
      count('faultsInjected');
      await Promise.all([nodeFaults.start('n1'), nodeFaults.start('n2')]);
      // Two nodes for three slots a while: Swarm places two of them, on whichever node it likes.
      await sleep(30_000);
      console.log(`n1, n2 up: ${show(await slotNodes(run.stack).catch(() => new Map<number, NodeName>()))}`);
      await nodeFaults.start('n3');
      await endsHome(run, 'power loss', home, t0, committed);
    } finally {
      const { violations, seen } = await watch.stop();
      console.log(`placements seen: ${seen.join(' ')}`);
      assert.deepEqual(violations, [], 'no task unsealed away from its home');
    }
  });
});
