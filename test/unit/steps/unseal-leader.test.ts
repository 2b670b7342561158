/**
 * Step 5, unsealLeader, in memory: on a first bootstrap the leader alone; on a formed cluster that came
 * back sealed, the member peers too, until a Raft quorum makes a node active.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VAULT_API_PORT } from '../../../src/shared/constants';
import { fakeWorld, standbyNamingSealedLeader, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

/** First bootstrap: the key secret swapped in, every task restarted sealed, the leader the only member. */
function rotated(): Promise<World> {
  return worldAfter('rotateUnsealKeySecret');
}

/** A bootstrapped cluster whose tasks all restarted (a reboot): three sealed members. */
async function formedAndRestarted(): Promise<World> {
  const w = fakeWorld();
  await w.bootstrapThrough('verifyCluster');
  for (const slot of [1, 2, 3]) w.swarm.replaceTask(w.service, slot);
  w.failpoints.clear();
  return w;
}

describe('unsealLeader', () => {
  it('first bootstrap: unseals the leader only; it becomes active alone', async () => {
    const w = await rotated();
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, { changed: true, summary: 'unsealed vault-1' });
    assert.deepEqual(w.vault.calls.unseal.slice(-1), ['vault-1']);
    assert.deepEqual(w.failpoints.hits, ['unsealLeader:before-unseal', 'unsealLeader:after-unseal']);
    assert.equal(w.vault.activeSlot(), 1);
  });

  it('the leader already unsealed and active: changes nothing', async () => {
    const w = await rotated();
    await w.run(w.acts.unsealLeader, w.input);
    w.failpoints.clear();
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, { changed: false, summary: 'vault-1 already unsealed' });
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('a formed cluster back sealed: unseals the member peers until a quorum is active', async () => {
    const w = await formedAndRestarted();
    assert.equal(w.vault.activeSlot(), undefined);
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, {
      changed: true,
      summary: 'unsealed vault-1 (and vault-2, vault-3 for a Raft quorum)',
    });
    assert.deepEqual(w.failpoints.hits, [
      'unsealLeader:before-unseal',
      'unsealLeader:after-unseal',
      'unsealLeader:before-unseal:vault-2',
      'unsealLeader:after-unseal:vault-2',
      'unsealLeader:before-unseal:vault-3',
      'unsealLeader:after-unseal:vault-3',
    ]);
    assert.notEqual(w.vault.activeSlot(), undefined);
  });

  it('the leader unsealed earlier but no quorum yet: unseals the peers only', async () => {
    const w = await formedAndRestarted();
    w.vault.node(1).sealed = false;
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, {
      changed: true,
      summary: 'vault-1 already unsealed (and vault-2, vault-3 for a Raft quorum)',
    });
  });

  it('vault-1 an unsealed standby naming a sealed leader (issue 26): the peers unsealed, a node active, joinPeers goes on', async () => {
    const w = await standbyNamingSealedLeader();
    const address = (slot: number) => ({ host: w.vault.addressOf(slot)!, port: VAULT_API_PORT });
    const seen = await w.vault.factory('vault-1', { ...address(1), serverName: 'vault-1' }).leader();
    assert.deepEqual(seen, { isSelf: false, leaderAddress: `https://${address(2).host}:${VAULT_API_PORT}` });
    assert.equal(w.vault.node(2).sealed && w.vault.node(3).sealed, true);
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, {
      changed: true,
      summary: 'vault-1 already unsealed (and vault-2, vault-3 for a Raft quorum)',
    });
    assert.deepEqual(w.vault.calls.unseal.slice(-2), ['vault-2', 'vault-3']);
    assert.notEqual(w.vault.activeSlot(), undefined);
    const joined = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(joined, { changed: false, summary: 'peers already joined' });
  });

  it('an active node already, not vault-1 (vault-1 restarted and unsealed again): unseals nothing more', async () => {
    const w = await worldAfter('verifyCluster');
    w.swarm.replaceTask(w.service, 1);
    assert.equal(w.vault.activeSlot(), 2);
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(out, { changed: true, summary: 'unsealed vault-1' });
    assert.deepEqual(w.vault.calls.unseal.slice(-1), ['vault-1']);
    assert.deepEqual(w.failpoints.hits, ['unsealLeader:before-unseal', 'unsealLeader:after-unseal']);
  });

  it('peers that are not members (a first bootstrap) are never unsealed for the quorum', async () => {
    const w = await rotated();
    await w.run(w.acts.unsealLeader, w.input);
    assert.ok(!w.vault.calls.unseal.includes('vault-2') && !w.vault.calls.unseal.includes('vault-3'));
  });

  it('no quorum reachable (the peers are gone): times out, retryable', async () => {
    const w = await formedAndRestarted();
    w.swarm.dropTask(w.service, 2);
    w.swarm.dropTask(w.service, 3);
    await assert.rejects(
      w.run(w.acts.unsealLeader, w.input),
      retryableError(/timed out after 120s waiting for an active Vault node of s1_vault/),
    );
  });

  it('a key the leader rejects: UnsealKeyRejected', async () => {
    const w = await rotated();
    w.vault.unsealKey = 'c29tZXRoaW5nLWVsc2U=';
    await assert.rejects(
      w.run(w.acts.unsealLeader, w.input),
      namedFailure('UnsealKeyRejected', /vault-1 rejected the key in custody \(record key-1\)/),
    );
  });

  it('a leader that lost its data: UnexpectedVaultResponse, nothing unsealed', async () => {
    const w = await rotated();
    w.vault.wipe(1);
    await assert.rejects(
      w.run(w.acts.unsealLeader, w.input),
      namedFailure('UnexpectedVaultResponse', /vault-1 reports it is not initialized although it was/),
    );
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('no key in custody: UnsealKeyUnavailable', async () => {
    const w = await rotated();
    w.custody.lose(w.stack);
    await assert.rejects(
      w.run(w.acts.unsealLeader, w.input),
      namedFailure(
        'UnsealKeyUnavailable',
        /so the initialized cluster of s1_vault cannot be unsealed or inspected/,
      ),
    );
  });
});
