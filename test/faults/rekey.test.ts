/**
 * The rotation of the unseal key (`RekeyVault`, issue 29) on the three-node bed, with the worker SIGKILLed in
 * it: a full worker on n1 (custody, the backup folder), node agents on n2 and n3. One bootstrap, then one
 * rotation per crash, each on the key the last one made:
 *
 * - at chosen moments: Vault answered the new key and custody does not hold it (`rekeyUnsealKey:after-update`:
 *   the retry takes it from Vault's backup); Vault verified it and custody still names the old key
 *   (`rekeyUnsealKey:after-verify`: the old key refused, the next one promoted); mid-rollout, one task replaced
 *   and the next asked for (`rollUnsealKeySecret:after-advance`);
 * - at moments the test does not choose: `REKEY_DRAWN` rotations (default 1), each with the worker SIGKILLed a
 *   drawn time after it started and, in half of them, a drawn Vault task killed at another drawn time
 *   (printed: `REKEY_SEED=<n>` replays the draws, not Swarm's or Vault's timing).
 *
 * Each ends with: the rotation done after a worker restart, custody at the next generation holding the one
 * before among its former keys, the service on the new secret and the old one removed, never two Vault tasks
 * down at once during it (sampled every second), and a restarted node that refuses the old key and opens with
 * the new one. Times per rotation and per node sealed are printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { VaultRequestError } from '../../src/shared/errors';
import { rekeyWorkflowIds } from '../../src/shared/workflow-ids';
import type { RekeyVault } from '../../src/workflows';
import {
  MultiNodeRun,
  nodeDocker,
  NODE_NAMES,
  sampleDownNodes,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
} from '../support/multinode';
import { testbedTemporalClient } from '../support/history';
import { eventually, sleep } from '../support/wait';
import { expectWorkerKilledAt } from './fault-control';
import { answeringSealed } from './soak-beds';
import { mulberry32 } from './soak-plan';
import { count, summaryAfterAll } from './summary';

const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };

/** How long a crash point may take to be reached, and a rotation to finish after the restart. */
const REACH_MS = 600_000;

describe('RekeyVault on three nodes, the worker killed in it', () => {
  const run = new MultiNodeRun();
  const custody = new FileKeyCustody({ dir: run.custodyDir, keyFile: run.custodyKeyFile });
  const seed = Number(process.env.REKEY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const temporal = testbedTemporalClient();

  before(async () => {
    await threeNodeBedUp();
    for (const node of NODE_NAMES) run.startWorker(node, undefined, HEALTH);
    const boot = await run.client(['bootstrap', '--wait', '--timeout', '15m'], HEALTH);
    assert.equal(boot.code, 0, boot.out);
    // The events watcher, as production runs it: a Vault task the test kills is unsealed again by it.
    const watch = await run.client(['schedule', 'create'], HEALTH);
    assert.equal(watch.code, 0, watch.out);
  });

  /** The samplers still going: a test that failed half-way leaves its own, stopped here (else the file never exits). */
  const going = new Set<() => void>();

  after(async () => {
    for (const halt of going) halt();
    await run.client(['schedule', 'delete', '--yes'], HEALTH);
    await run.cleanup();
    const left = await run.leftovers();
    count('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
  });
  summaryAfterAll('rotation of the unseal key (three-node bed)');

  /** `sampleDownNodes`: the most Vault tasks down at once, the sampler stopped in `after` should the test fail. */
  function sampleDown(): { stop: () => Promise<number> } {
    const sampler = sampleDownNodes(run.stack);
    going.add(sampler.halt);
    return {
      stop: async () => {
        going.delete(sampler.halt);
        return (await sampler.stop()).worst;
      },
    };
  }

  /**
   * Starts a rotation with the full worker set to die as `crash` says, waits for the SIGKILL, restarts the
   * worker and waits for the rotation to finish; checks the outcome. Returns seconds to done.
   */
  async function rotateThroughCrash(
    crash:
      { point: string; expect: RegExp } | { afterMs: number; vaultKill?: { slot: number; afterMs: number } },
    label: string,
  ): Promise<void> {
    const before = await custody.read(run.stack);
    const generation = (before.keyGeneration ?? 0) + 1;
    await run.stopWorker('n1');
    const doomed = run.startWorker(
      'n1',
      'full',
      'point' in crash ? { ...HEALTH, VAULT_BOOTSTRAP_FAILPOINTS: crash.point } : HEALTH,
    );
    const down = sampleDown();
    const t0 = Date.now();
    const started = await run.client(['rekey'], HEALTH);
    assert.equal(started.code, 0, started.out);
    let died: string;
    if ('point' in crash) {
      await expectWorkerKilledAt(doomed, crash.point, REACH_MS);
      died = 'SIGKILL';
    } else {
      const { vaultKill } = crash;
      const killing = vaultKill
        ? sleep(vaultKill.afterMs).then(async () => {
            const on = (await slotNodes(run.stack)).get(vaultKill.slot);
            const v = on && (await vaultOnNode(run.stack, on));
            if (on && v) await nodeDocker(on, ['kill', v.container]);
          })
        : Promise.resolve();
      await sleep(crash.afterMs);
      await run.killWorker('n1');
      died = 'SIGKILL (test)';
      await killing;
    }
    const crashedAt = (Date.now() - t0) / 1000;
    run.startWorker('n1', 'full', HEALTH);
    // The run the first call started, to its end: a new `rekey` after it completed would rotate again.
    const result = await temporal()
      .workflow.getHandle<typeof RekeyVault>(rekeyWorkflowIds(run.stack).rekey)
      .result();
    const secs = (Date.now() - t0) / 1000;
    const worst = await down.stop();
    const said = result.steps.map((s) => `${s.step}: ${s.summary}`).join('\n');
    if ('expect' in crash) assert.match(said, crash.expect, `${label}: the retry took the path named`);
    assert.equal(result.generation, generation, `${label}: the run rotated once`);
    console.log(`${label}:\n${said}`);
    console.log(
      `${label}: worker died (${died}) ${crashedAt.toFixed(1)} s in; rotation to generation ${generation} done ` +
        `${secs.toFixed(1)} s after it started; at most ${worst} of 3 Vault tasks down at once`,
    );
    // A Vault task the test killed is down on its own account: only without one is two down the tool's doing.
    if (!('vaultKill' in crash && crash.vaultKill))
      assert.ok(worst <= 1, `${label}: never two Vault tasks down at once (saw ${worst})`);

    const held = await custody.read(run.stack);
    count(
      'keysLost',
      held.keyGeneration === generation ? 0 : 1,
      `${label}: custody at ${held.keyGeneration}`,
    );
    assert.equal(held.keyGeneration, generation, `${label}: custody names generation ${generation} the key`);
    assert.equal(held.nextUnsealKey, undefined, `${label}: no next key left`);
    assert.equal(
      held.formerUnsealKeys?.[String(generation - 1)],
      before.unsealKey,
      `${label}: the old key kept for older snapshots`,
    );
    assert.notEqual(held.unsealKey, before.unsealKey);
    const secrets = (
      await nodeDocker('n1', ['secret', 'ls', '--format', '{{.Name}}', '-f', `name=${run.secretBase}`])
    )
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(secrets.length, 1, `${label}: one unseal-key secret left (${secrets.join(' ')})`);
    const labels = await nodeDocker('n1', [
      'secret',
      'inspect',
      secrets[0]!,
      '--format',
      '{{index .Spec.Labels "io.iklimco.vault-bootstrap.key-generation"}}',
    ]);
    assert.equal(labels.trim(), String(generation), `${label}: the secret holds generation ${generation}`);
    await oldKeyRefused(before.unsealKey, held.unsealKey, label);
  }

  /** Kills one standby's container; its new task refuses the old key and opens with the new one. */
  async function oldKeyRefused(oldKey: string, newKey: string, label: string): Promise<void> {
    await run.stopWorker('n1'); // nothing else unseals the restarted task meanwhile
    const slot = 2;
    const node = (await slotNodes(run.stack)).get(slot);
    assert.ok(node, `vault-${slot} runs on a node`);
    const was = await vaultOnNode(run.stack, node);
    assert.ok(was, `vault-${slot} runs on ${node}`);
    await nodeDocker(node, ['kill', was.container]);
    const task = await eventually(`the new vault-${slot} task`, 180_000, async () => {
      const t = (await run.tasks()).get(slot);
      if (!t?.address || t.state !== 'running' || t.containerId?.startsWith(was.container)) return undefined;
      return t;
    });
    const vault = await run.vaultClientOf(slot, task);
    assert.ok(vault, `a client of the new vault-${slot} task`);
    const on = (await slotNodes(run.stack)).get(slot) ?? node;
    await answeringSealed(vault, `the new vault-${slot} task on ${on}`);
    const refused = await vault.unseal(oldKey).then(
      (s) => (s.sealed ? 'still sealed' : 'unsealed'),
      (err: unknown) => (err instanceof VaultRequestError ? `refused: ${err.message}` : String(err)),
    );
    assert.match(refused, /^refused/, `${label}: the old key does not unseal vault-${slot}`);
    const opened = await vault.unseal(newKey);
    assert.equal(opened.sealed, false, `${label}: the new key unseals vault-${slot}`);
    run.startWorker('n1', 'full', HEALTH);
  }

  it('SIGKILL after Vault answered the new key, before custody stored it: the retry reads Vault’s backup', async () => {
    await rotateThroughCrash(
      { point: 'rekeyUnsealKey:after-update', expect: /recovered the new key from Vault’s backup/ },
      'after-update',
    );
  });

  it('SIGKILL after the verification, before custody named the new key: the old key refused, the next promoted', async () => {
    await rotateThroughCrash(
      {
        point: 'rekeyUnsealKey:after-verify',
        expect: /verified before a crash; custody now names it the key/,
      },
      'after-verify',
    );
  });

  it('SIGKILL mid-rollout, one task replaced and the next asked for: never two down, the rollout finishes', async () => {
    await rotateThroughCrash(
      { point: 'rollUnsealKeySecret:after-advance', expect: /on every node, one at a time/ },
      'after-advance',
    );
  });

  const drawn = Number(process.env.REKEY_DRAWN ?? 1);
  it(`${drawn} rotation(s) with the worker SIGKILLed at a drawn moment, half of them a Vault task killed too (REKEY_SEED=${seed})`, async () => {
    const random = mulberry32(seed);
    for (let i = 1; i <= drawn; i++) {
      const afterMs = Math.floor(random() * 90_000);
      const vaultKill =
        random() < 0.5
          ? { slot: 1 + Math.floor(random() * 3), afterMs: Math.floor(random() * 90_000) }
          : undefined;
      const what =
        `drawn ${i}/${drawn}: worker ${afterMs} ms` +
        (vaultKill ? `, vault-${vaultKill.slot} ${vaultKill.afterMs} ms` : '');
      console.log(`REKEY_SEED=${seed} ${what}`);
      await rotateThroughCrash({ afterMs, ...(vaultKill ? { vaultKill } : {}) }, what);
    }
  });
});
