/**
 * The rolling upgrade (`UpgradeVault`, issue 29) on the three-node bed: a full worker on n1, node agents on n2
 * and n3, and a KV canary written and read back every 100 ms through whichever node answers, for the whole run.
 * The cluster starts on the bed's previous OpenBao (`VAULT_PREVIOUS_IMAGE`, 2.7.1 from its PyPI wheel) and is
 * upgraded to the current one (`VAULT_IMAGE`, 2.7.2): two real versions.
 *
 * - the upgrade, the worker left alone: every task on the new image and reporting the new version, one at a
 *   time in Swarm's order;
 * - `--rollback` with the worker SIGKILLed right after a task was asked for (`rollImage:after-advance`): the run
 *   finishes after a restart, every task back on the old version;
 * - an image whose tasks cannot start (same repository, `<old>-broken`: no `vault` on its PATH): the upgrade
 *   stops with `UpgradeNodeUnhealthy` after `--node-timeout`, the cluster serving on the two nodes left alone;
 *   then `--rollback` brings the broken node back on the old image.
 *
 * - at moments the test does not choose: `UPGRADE_DRAWN` upgrades (default 1), back and forth between the two
 *   versions, each with the worker SIGKILLed a drawn time after it started (printed: `UPGRADE_SEED=<n>` replays
 *   the draws, not Swarm's or Vault's timing).
 *
 * Printed for each: per node how long it was down (no running, unsealed task), the step-downs, the canary's
 * failed operations and its longest stretch without a success. Asserted: the end state, the versions, and never
 * two nodes down at once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { upgradeWorkflowIds } from '../../src/shared/workflow-ids';
import type { VaultNodeClient } from '../../src/vault/gateway';
import type { UpgradeVault } from '../../src/workflows';
import { testbedTemporalClient } from '../support/history';
import { bedNode, MultiNodeRun, NODE_NAMES, sampleDownNodes, threeNodeBedUp } from '../support/multinode';
import type { DownTimes } from '../support/multinode';
import { breakGlassFiles } from '../support/testbed';
import { sleep } from '../support/wait';
import { expectWorkerKilledAt } from './fault-control';
import { mulberry32 } from './soak-plan';
import { count, summaryAfterAll } from './summary';

const QUIET_HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
const REACH_MS = 600_000;

describe('UpgradeVault on three nodes, a KV canary every 100 ms', () => {
  const run = new MultiNodeRun();
  // Break glass as production sets it up: the canary's root token comes from `root-token`.
  const glass = breakGlassFiles(run.dir);
  const HEALTH = {
    ...QUIET_HEALTH,
    // The stack deployed on the version before (the bed's default is the current one).
    VAULT_IMAGE: run.bed.env.VAULT_PREVIOUS_IMAGE ?? '',
    VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: glass.pins,
    VAULT_BOOTSTRAP_BREAK_GLASS_KEY: glass.key,
  };
  const temporal = testbedTemporalClient();
  const seed = Number(process.env.UPGRADE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const oldImage = run.bed.env.VAULT_PREVIOUS_IMAGE ?? '';
  const newImage = run.bed.env.VAULT_IMAGE ?? '';
  const brokenImage = `${oldImage}-broken`;
  const versionOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);
  let root = '';

  before(async () => {
    await threeNodeBedUp();
    assert.ok(
      oldImage && newImage && oldImage !== newImage,
      'the bed has two OpenBao versions (testbed up --nodes 3)',
    );
    for (const node of NODE_NAMES) {
      // Same repository, a tag of its own; its tasks fail at once: the stack's entrypoint `vault` is not on PATH.
      const built = spawnSync(
        'docker',
        ['-H', bedNode(node, run.bed).dockerHost, 'build', '-q', '-t', brokenImage, '-'],
        {
          input: `FROM ${oldImage}\nENV PATH=/nonexistent\nLABEL io.iklimco.vault-bootstrap.test-build=broken\n`,
          env: { ...process.env, DOCKER_BUILDKIT: '0' },
          encoding: 'utf8',
        },
      );
      assert.equal(built.status, 0, `building ${brokenImage} on ${node}: ${built.stderr}`);
    }
    for (const node of NODE_NAMES) run.startWorker(node, undefined, HEALTH);
    const boot = await run.client(['bootstrap', '--wait', '--timeout', '15m'], HEALTH);
    assert.equal(boot.code, 0, boot.out);
    const issued = await run.client(['root-token', '--ttl', '2h'], HEALTH);
    assert.equal(issued.code, 0, issued.out);
    root = issued.stdout.trim();
    const v = await clientOf(1);
    assert.ok(v, 'vault-1 answers');
    await v.mountKv(root, 'canary');
  });

  /** The samplers still going: a test that failed half-way leaves its own, stopped here (else the file never exits). */
  const going = new Set<() => void>();

  after(async () => {
    for (const halt of going) halt();
    await run.client(['root-token', 'revoke'], HEALTH).catch(() => undefined);
    await run.cleanup();
    const left = await run.leftovers();
    count('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
    for (const node of NODE_NAMES)
      spawnSync('docker', ['-H', bedNode(node, run.bed).dockerHost, 'image', 'rm', brokenImage]);
  });
  summaryAfterAll('rolling upgrade (three-node bed)');

  /** A client of the slot's current task; undefined when none runs. */
  async function clientOf(slot: number): Promise<VaultNodeClient | undefined> {
    return run.vaultClientOf(slot, (await run.tasks()).get(slot));
  }

  /**
   * Every 100 ms: a write of `canary/k` and a read of it back, through the first node that answers both (a
   * standby forwards to the active node). Counts operations, failures (no node managed it) and the longest
   * stretch without a success.
   */
  function canary(): { stop: () => Promise<{ ops: number; failed: number; longestGapMs: number }> } {
    let on = true;
    const halt = () => void (on = false);
    going.add(halt);
    let ops = 0;
    let failed = 0;
    let lastOk = Date.now();
    let longestGapMs = 0;
    const clients = new Map<number, VaultNodeClient | undefined>();
    const loop = (async () => {
      for (let i = 0; on; i++) {
        const started = Date.now();
        ops++;
        let ok = false;
        for (const slot of [1, 2, 3]) {
          try {
            const c = clients.get(slot) ?? (await clientOf(slot));
            clients.set(slot, c);
            if (!c) continue;
            await c.writeKv(root, 'canary/k', { n: String(i) });
            if ((await c.readKv(root, 'canary/k'))?.n !== String(i))
              throw new Error('read back another value');
            ok = true;
            break;
          } catch {
            clients.delete(slot); // its task may have moved: look it up again next time
          }
        }
        const now = Date.now();
        if (ok) {
          longestGapMs = Math.max(longestGapMs, now - lastOk);
          lastOk = now;
        } else failed++;
        await sleep(Math.max(0, 100 - (now - started)));
      }
    })();
    return {
      stop: async () => {
        halt();
        going.delete(halt);
        await loop;
        return { ops, failed, longestGapMs: Math.max(longestGapMs, Date.now() - lastOk) };
      },
    };
  }

  /** `sampleDownNodes`, stopped in `after` should the test fail half-way. */
  function downTimes(): { stop: () => Promise<DownTimes> } {
    const sampler = sampleDownNodes(run.stack);
    going.add(sampler.halt);
    return {
      stop: () => {
        going.delete(sampler.halt);
        return sampler.stop();
      },
    };
  }

  async function imagesOfTasks(): Promise<string[]> {
    return [...(await run.tasks()).values()].map((t) => t.image ?? '');
  }

  /** The version each node's Vault reports (`sys/seal-status`), by slot. */
  async function versions(): Promise<string[]> {
    const out: string[] = [];
    for (const slot of [1, 2, 3]) out.push((await (await clientOf(slot))?.sealStatus())?.version ?? 'down');
    return out;
  }

  /** The canary's line, and the down times when `d` covers the same stretch (else they come with a later line). */
  function report(label: string, c: { ops: number; failed: number; longestGapMs: number }, d?: DownTimes) {
    const per = Object.entries(d?.perSlot ?? {})
      .map(([n, s]) => `${n} ${s.toFixed(1)} s`)
      .join(', ');
    console.log(
      `${label}: canary ${c.failed}/${c.ops} operations failed, longest stretch without a success ` +
        `${(c.longestGapMs / 1000).toFixed(1)} s; ` +
        (d
          ? `down per node (1 s samples): ${per}; at most ${d.worst} down at once`
          : 'down times: sampled on through the next stretch, reported with it'),
    );
  }

  /** That every node reports `image`'s version (its tag) in `sys/seal-status`. */
  async function assertVersions(image: string, label = ''): Promise<string[]> {
    const now = await versions();
    for (const v of now)
      assert.match(v, new RegExp(`^v?${versionOf(image).replace(/\./g, '\\.')}\\b`), label);
    return now;
  }

  /**
   * Starts `upgrade args` without waiting, has `kill` end the worker, starts a new one and follows that run to its
   * end, the canary and the sampler of nodes down running throughout. Prints the steps and what the canary saw.
   */
  async function upgradeThroughCrash(args: string[], kill: () => Promise<void>, label: string) {
    const c = canary();
    const d = downTimes();
    const t0 = Date.now();
    const started = await run.client(['upgrade', ...args], HEALTH);
    assert.equal(started.code, 0, started.out);
    await kill();
    const diedAt = (Date.now() - t0) / 1000;
    run.startWorker('n1', 'full', HEALTH);
    const result = await temporal()
      .workflow.getHandle<typeof UpgradeVault>(upgradeWorkflowIds(run.stack).upgrade)
      .result();
    const secs = (Date.now() - t0) / 1000;
    const [cs, ds] = [await c.stop(), await d.stop()];
    console.log(
      `${label}: to ${result.to} in ${secs.toFixed(1)} s, the worker SIGKILLed ${diedAt.toFixed(1)} s in:\n` +
        result.steps.map((s) => `  ${s.step}: ${s.summary}`).join('\n'),
    );
    report(label, cs, ds);
    assert.ok(ds.worst <= 1, `${label}: never two nodes down at once (saw ${ds.worst})`);
    return result;
  }

  it('the upgrade, the worker left alone: one task at a time, every task on the new version', async () => {
    assert.deepEqual(await imagesOfTasks(), [oldImage, oldImage, oldImage]);
    const before = await assertVersions(oldImage);
    const c = canary();
    const d = downTimes();
    const t0 = Date.now();
    const done = await run.client(['upgrade', '--image', newImage, '--wait', '--timeout', '30m'], HEALTH);
    const secs = (Date.now() - t0) / 1000;
    const [cs, ds] = [await c.stop(), await d.stop()];
    assert.equal(done.code, 0, done.out);
    console.log(`upgrade to ${newImage} in ${secs.toFixed(1)} s:\n${done.out}`);
    report('upgrade', cs, ds);
    assert.deepEqual(await imagesOfTasks(), [newImage, newImage, newImage]);
    const after = await assertVersions(newImage);
    console.log(`versions before: ${before.join(', ')}; after: ${after.join(', ')}`);
    assert.ok(ds.worst <= 1, `never two nodes down at once (saw ${ds.worst})`);
  });

  it('--rollback with the worker SIGKILLed after a task was asked for: finished after a restart', async () => {
    await run.stopWorker('n1');
    const doomed = run.startWorker('n1', 'full', {
      ...HEALTH,
      VAULT_BOOTSTRAP_FAILPOINTS: 'rollImage:after-advance',
    });
    const result = await upgradeThroughCrash(
      ['--rollback'],
      () => expectWorkerKilledAt(doomed, 'rollImage:after-advance', REACH_MS),
      'rollback, worker killed',
    );
    assert.equal(result.to, oldImage);
    assert.deepEqual(await imagesOfTasks(), [oldImage, oldImage, oldImage]);
    await assertVersions(oldImage);
  });

  it('an image whose task cannot start: UpgradeNodeUnhealthy, the others serving; --rollback brings it back', async () => {
    const c = canary();
    const d = downTimes();
    const t0 = Date.now();
    const failed = await run.client(
      ['upgrade', '--image', brokenImage, '--node-timeout', '60s', '--wait', '--timeout', '20m'],
      HEALTH,
    );
    const failedAfter = (Date.now() - t0) / 1000;
    assert.notEqual(failed.code, 0, failed.out);
    assert.match(failed.out, /UpgradeNodeUnhealthy/);
    assert.match(failed.out, /vault-\d did not serve on .*-broken within 60s of its replacement/);
    console.log(`the upgrade to ${brokenImage} stopped after ${failedAfter.toFixed(1)} s:\n${failed.out}`);
    // The named node has no running task of the image before (a failed task of the broken one, or none between
    // Swarm's restarts); the two others were left alone.
    const slot = Number(/vault-(\d) did not serve/.exec(failed.out)?.[1]);
    const tasks = await run.tasks();
    assert.notEqual(tasks.get(slot)?.image, oldImage, `vault-${slot} is not back on the image before`);
    const others = [1, 2, 3].filter((s) => s !== slot).map((s) => tasks.get(s)?.image);
    assert.deepEqual(others, [oldImage, oldImage], 'the two others left alone');
    // The cluster serves on the two: a write and a read go through.
    await sleep(3000);
    const mid = await c.stop();
    report('broken image (until the failure)', mid);

    const c2 = canary();
    const t1 = Date.now();
    const back = await run.client(['upgrade', '--rollback', '--wait', '--timeout', '20m'], HEALTH);
    const backSecs = (Date.now() - t1) / 1000;
    const [cs, ds] = [await c2.stop(), await d.stop()];
    assert.equal(back.code, 0, back.out);
    console.log(`rollback from the broken image in ${backSecs.toFixed(1)} s:\n${back.out}`);
    report('broken image, then rollback', cs, ds);
    assert.match(back.out, /checkCluster: vault-\d, vault-\d serve as Raft voters; vault-\d does not serve/);
    assert.deepEqual(await imagesOfTasks(), [oldImage, oldImage, oldImage]);
    assert.ok(ds.worst <= 1, `never two nodes down at once (saw ${ds.worst})`);
    assert.ok(mid.ops > 0 && mid.failed < mid.ops, 'the canary went on while one node was down');
  });

  const drawn = Number(process.env.UPGRADE_DRAWN ?? 1);
  it(`${drawn} upgrade(s) back and forth with the worker SIGKILLed at a drawn moment (UPGRADE_SEED=${seed})`, async () => {
    const random = mulberry32(seed);
    for (let i = 1; i <= drawn; i++) {
      const from = (await imagesOfTasks())[0]!;
      const to = from === oldImage ? newImage : oldImage;
      const afterMs = Math.floor(random() * 80_000);
      const label = `drawn ${i}/${drawn}: ${versionOf(from)} → ${versionOf(to)}, the worker killed ${afterMs} ms in`;
      console.log(`UPGRADE_SEED=${seed} ${label}`);
      const result = await upgradeThroughCrash(
        ['--image', to],
        async () => {
          await sleep(afterMs);
          await run.killWorker('n1');
        },
        label,
      );
      assert.equal(result.to, to);
      assert.deepEqual(await imagesOfTasks(), [to, to, to], `${label}: every task on ${to}`);
      await assertVersions(to, label);
    }
  });
});
