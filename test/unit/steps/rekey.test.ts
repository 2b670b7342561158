/**
 * The rotation of the unseal key (`RekeyVault`'s activities) in memory, on a bootstrapped three-node cluster:
 * `rekeyUnsealKey` stores the new key before Vault takes it and carries on from a crash at each of its fault
 * points; `rollUnsealKeySecret` replaces one task at a time; `retireFormerUnsealKey` removes the old secret.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rekeyKeyName } from '../../../src/custody/init-key';
import type { FailpointName } from '../../../src/ports';
import { LABEL_KEY_GENERATION } from '../../../src/shared/constants';
import { worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure } from '../../support/failures';

/** A bootstrapped cluster: three unsealed voters, the worker's token in custody, no root token. */
function bootstrapped(): Promise<World> {
  return worldAfter('revokeRootToken');
}

/** Makes `point` fail once, like a worker killed there (the activity's retry runs next). */
function crashOnceAt(w: World, point: FailpointName): void {
  w.failpoints.at.set(point, () => {
    w.failpoints.at.delete(point);
    throw new Error(`killed at ${point}`);
  });
}

describe('rekeyUnsealKey', () => {
  it('rotates: custody names generation 1 the key, keeps generation 0, Vault takes only the new key', async () => {
    const w = await bootstrapped();
    const old = (await w.custody.read(w.stack)).unsealKey;
    const out = await w.run(w.acts.rekeyUnsealKey, w.input);
    assert.equal(out.generation, 1);
    assert.match(out.summary, /^rotated: key generation 1 is the key/);
    const held = await w.custody.read(w.stack);
    assert.equal(held.keyGeneration, 1);
    assert.equal(held.nextUnsealKey, undefined);
    assert.deepEqual(held.formerUnsealKeys, { '0': old });
    assert.equal(held.unsealKey, w.vault.unsealKey, 'custody holds the key Vault takes now');
    assert.notEqual(held.unsealKey, old);
    assert.equal(w.vault.rekeyBackup, undefined, 'Vault’s backup of the new key is deleted');
    assert.deepEqual(w.failpoints.hits, [
      'rekeyUnsealKey:after-start',
      'rekeyUnsealKey:after-update',
      'rekeyUnsealKey:after-store-next',
      'rekeyUnsealKey:after-verify',
    ]);
  });

  it('run again before the rollout: no second rotation', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.rekeyUnsealKey, w.input);
    const key = w.vault.unsealKey;
    const again = await w.run(w.acts.rekeyUnsealKey, w.input);
    assert.equal(again.changed, false);
    assert.equal(again.generation, 1);
    assert.match(again.summary, /its rollout is next/);
    assert.equal(w.vault.unsealKey, key);
  });

  for (const point of [
    'rekeyUnsealKey:after-start',
    'rekeyUnsealKey:after-update',
    'rekeyUnsealKey:after-store-next',
    'rekeyUnsealKey:after-verify',
  ] as const) {
    it(`a crash at ${point}: the retry ends at generation 1 with the key Vault takes`, async () => {
      const w = await bootstrapped();
      crashOnceAt(w, point);
      await assert.rejects(w.run(w.acts.rekeyUnsealKey, w.input), /killed at/);
      const out = await w.run(w.acts.rekeyUnsealKey, w.input);
      assert.equal(out.generation, 1);
      const held = await w.custody.read(w.stack);
      assert.equal(held.keyGeneration, 1);
      assert.equal(held.unsealKey, w.vault.unsealKey, 'custody holds the key Vault takes');
      assert.equal(held.nextUnsealKey, undefined);
      assert.equal(w.vault.rekey, undefined, 'no rotation left in progress');
    });
  }

  it('the answer lost after the update: the retry opens the new key from Vault’s backup', async () => {
    const w = await bootstrapped();
    crashOnceAt(w, 'rekeyUnsealKey:after-update');
    await assert.rejects(w.run(w.acts.rekeyUnsealKey, w.input));
    const out = await w.run(w.acts.rekeyUnsealKey, w.input);
    assert.match(out.summary, /^recovered the new key from Vault’s backup/);
  });

  it('verified before the crash: the old key refused, custody promotes the next key', async () => {
    const w = await bootstrapped();
    crashOnceAt(w, 'rekeyUnsealKey:after-verify');
    await assert.rejects(w.run(w.acts.rekeyUnsealKey, w.input));
    assert.ok((await w.custody.read(w.stack)).nextUnsealKey, 'the next key is in custody');
    const out = await w.run(w.acts.rekeyUnsealKey, w.input);
    assert.match(out.summary, /verified before a crash; custody now names it the key/);
  });

  it('a rotation lost to a restart of the active node: the old key still the key, a new rotation', async () => {
    const w = await bootstrapped();
    w.failpoints.at.set('rekeyUnsealKey:after-store-next', () => {
      w.failpoints.at.delete('rekeyUnsealKey:after-store-next');
      w.vault.rekey = undefined; // the active node's memory: a restart or a new leader loses it
      throw new Error('killed at after-store-next');
    });
    await assert.rejects(w.run(w.acts.rekeyUnsealKey, w.input));
    const lost = (await w.custody.read(w.stack)).nextUnsealKey;
    assert.ok(lost);
    const out = await w.run(w.acts.rekeyUnsealKey, w.input);
    assert.equal(out.generation, 1);
    const held = await w.custody.read(w.stack);
    assert.notEqual(held.unsealKey, lost.unsealKey, 'the lost rotation’s key never became the key');
    assert.equal(held.unsealKey, w.vault.unsealKey);
  });

  it('a rotation this tool did not start: RekeyInProgress, nothing changed', async () => {
    const w = await bootstrapped();
    w.vault.rekey = {
      nonce: 'someone-else',
      pgpPublicKey: '',
      fingerprint: '00ff',
      backup: false,
      requireVerification: false,
    };
    const key = w.vault.unsealKey;
    await assert.rejects(
      w.run(w.acts.rekeyUnsealKey, w.input),
      namedFailure(
        'RekeyInProgress',
        /did not start \(nonce someone-else\).*left alone and nothing was changed/,
      ),
    );
    assert.equal(w.vault.unsealKey, key);
    assert.equal((await w.custody.read(w.stack)).keyGeneration, undefined);
  });
});

describe('rollUnsealKeySecret and retireFormerUnsealKey', () => {
  it('one task at a time, each unsealed with the new key before the next; then the old secret goes', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.rekeyUnsealKey, w.input);
    w.failpoints.clear();
    w.swarm.stepwiseOrder = [3, 1, 2];
    const out = await w.run(w.acts.rollUnsealKeySecret, w.input);
    const v2 = `${w.secretBase}_v2`;
    assert.equal(out.secret.name, v2);
    assert.match(
      out.summary,
      new RegExp(`^${v2} \\(key generation 1\\) on every node, one at a time: vault-3, vault-1, vault-2$`),
    );
    assert.deepEqual(w.swarm.stepwiseReplaced, [3, 1, 2]);
    assert.deepEqual(
      w.swarm.advances.map((a) => a.step),
      [2, 3],
      'the next task asked for only after the one before',
    );
    assert.equal(w.swarm.secretLabels(v2)?.[LABEL_KEY_GENERATION], '1');
    assert.equal(w.swarm.secretValue(v2), w.vault.unsealKey);
    for (const slot of [1, 2, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} unsealed`);
    assert.equal((await w.swarm.inspectService(w.service))?.rolloutStep, undefined, 'update_config put back');

    const retired = await w.run(w.acts.retireFormerUnsealKey, w.input);
    assert.match(
      retired.summary,
      new RegExp(`^removed ${w.secretBase}_v1; custody keeps key generation\\(s\\) 0`),
    );
    assert.deepEqual(w.swarm.secretNames(), [v2]);
    assert.equal(await w.custody.describe(rekeyKeyName(w.stack)), undefined, 'the rotation key is gone');
    const verified = await w.run(w.acts.verifyCluster, w.input);
    assert.equal(verified.cluster.unsealSecret, v2);
  });

  it('a node whose Raft data predates the rotation (restarted before it replicated) opens with the key before', async () => {
    const w = await bootstrapped();
    const old = (await w.custody.read(w.stack)).unsealKey;
    await w.run(w.acts.rekeyUnsealKey, w.input);
    w.vault.node(2).staleUnsealKey = old; // what the bed saw: vault-2 replaced a second after the verification
    await w.run(w.acts.rollUnsealKeySecret, w.input);
    for (const slot of [1, 2, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} unsealed`);
    assert.equal(w.vault.node(2).staleUnsealKey, undefined, 'unsealed, it caught up with the new keyring');
  });

  it('a crash after an advance: the retry asks for no task twice and finishes', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.rekeyUnsealKey, w.input);
    crashOnceAt(w, 'rollUnsealKeySecret:after-advance');
    await assert.rejects(w.run(w.acts.rollUnsealKeySecret, w.input), /killed at/);
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2]);
    await w.run(w.acts.rollUnsealKeySecret, w.input);
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2, 3]);
    assert.deepEqual(
      w.swarm.advances.map((a) => a.step),
      [2, 3],
    );
  });

  it('verifyCluster before the rollout: the secret is a generation behind custody, UnsealSecretOutdated', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.rekeyUnsealKey, w.input);
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      namedFailure('UnsealSecretOutdated', /of key generation 0, but custody's key is generation 1/),
    );
    const checked = await w.run(w.acts.checkRekeyable, w.input);
    assert.equal(checked.cluster.runningTasks, 3, 'RekeyVault’s own check lets a new run finish the rollout');
  });
});
