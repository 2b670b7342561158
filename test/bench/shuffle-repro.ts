/**
 * Issue 31 item 2, the reproduction (a script, not a test): a bootstrapped cluster on the three-node bed, every
 * task stopped at once (the service scaled to 0), and the slots started again on each other's nodes (slot 1 on
 * slot 2's node and back: a placement Swarm is free to choose, steered here with `docker node update
 * --availability pause` so that it happens every time). Prints what each node's OpenBao does with the volume it
 * finds, and what the tool does with it. Run: node dist/test/bench/shuffle-repro.js (three-node bed lock held).
 */
import { execFileSync } from 'node:child_process';
import {
  activateAllNodes,
  bedNode,
  MultiNodeRun,
  nodeIds,
  NODE_NAMES,
  restartSlotsOn,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { sleep } from '../support/wait';

const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };

async function status(stack: string, label: string): Promise<void> {
  for (const n of NODE_NAMES) {
    const v = await vaultOnNode(stack, n).catch(() => undefined);
    const pick = (k: string) => new RegExp(`^${k}\\s+(.*)$`, 'm').exec(v?.text ?? '')?.[1] ?? '-';
    console.log(
      `${label} ${n}: vault-${v?.slot ?? '?'} initialized=${pick('Initialized')} sealed=${pick('Sealed')} ha=${pick('HA Mode')} committed=${pick('Raft Committed Index')} applied=${pick('Raft Applied Index')}`,
    );
  }
}

async function main(): Promise<void> {
  await threeNodeBedUp();
  const run = new MultiNodeRun();
  const ids = await nodeIds();
  try {
    run.startWorker('n1', 'full', HEALTH);
    run.startWorker('n2', 'node-agent');
    run.startWorker('n3', 'node-agent');
    const boot = await run.client(['bootstrap', '--wait'], HEALTH);
    console.log(`bootstrap: exit ${boot.code}`);
    await run.client(['schedule', 'create'], HEALTH);
    const before = await slotNodes(run.stack);
    console.log('placement before:', [...before].map(([s, n]) => `vault-${s}@${n}`).join(' '));
    await status(run.stack, 'before');
    // slot 1 -> slot 2's node, slot 2 -> slot 1's node, slot 3 -> its own.
    const want = new Map<number, NodeName>([
      [1, before.get(2)!],
      [2, before.get(1)!],
      [3, before.get(3)!],
    ]);
    await restartSlotsOn(run.stack, want, ids);
    console.log(
      'placement after:',
      [...(await slotNodes(run.stack))].map(([s, n]) => `vault-${s}@${n}`).join(' '),
    );
    const t0 = Date.now();
    for (let i = 0; i < 12; i++) {
      await sleep(5000);
      await status(run.stack, `t+${((Date.now() - t0) / 1000).toFixed(0)}s`);
    }
    const verify = await run.client(['verify', '--json'], { ...HEALTH, VAULT_HEALTH_REMEDIATE: 'false' });
    console.log(verify.out.slice(verify.out.indexOf('{')));
    for (const n of NODE_NAMES) {
      const v = await vaultOnNode(run.stack, n);
      if (!v) continue;
      const logs = execFileSync('sh', ['-c', `docker -H ${bedNode(n).dockerHost} logs ${v.container} 2>&1`], {
        maxBuffer: 8 << 20,
      }).toString();
      console.log(`---- ${n} vault-${v.slot} log (raft lines)`);
      console.log(
        logs
          .split('\n')
          .filter((l) => /raft|storage|vote|term|election|node.id|unseal/i.test(l))
          .slice(0, 40)
          .join('\n'),
      );
    }
  } finally {
    await activateAllNodes(ids);
    await run.client(['schedule', 'delete'], HEALTH).catch(() => undefined);
    await run.cleanup();
    console.log('left:', (await run.leftovers()).join(', ') || 'nothing');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
