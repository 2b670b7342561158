/**
 * Step 7, unsealPeers, in memory: each peer is unsealed until the Raft configuration lists both as voters;
 * a peer whose task was replaced since its join (the join forgotten) is joined again first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

function joined(): Promise<World> {
  return worldAfter('joinPeers');
}

describe('unsealPeers', () => {
  it('joined peers: unseals both at once; both become voters', async () => {
    const w = await joined();
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.deepEqual(out, {
      changed: true,
      summary: 'unsealed vault-2, vault-3; autopilot stabilization back to 10s',
    });
    // Both peers at once: the second call goes out before the first one's answer is back.
    assert.deepEqual(w.failpoints.hits, [
      'unsealPeers:before-unseal:vault-2',
      'unsealPeers:before-unseal:vault-3',
      'unsealPeers:after-unseal:vault-2',
      'unsealPeers:after-unseal:vault-3',
    ]);
    assert.ok(w.vault.node(2).member && w.vault.node(3).member);
  });

  it('peers already unsealed voters: changes nothing', async () => {
    const w = await joined();
    await w.run(w.acts.unsealPeers, w.input);
    w.failpoints.clear();
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.deepEqual(out, { changed: false, summary: 'peers already unsealed' });
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('a joining peer still answering the Raft challenge: waits until it reports unsealed', async () => {
    const w = await joined();
    w.vault.challengeReads = 2;
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.equal(out.summary, 'unsealed vault-2, vault-3; autopilot stabilization back to 10s');
    assert.ok(w.clock.sleeps.length >= 2);
  });

  it('a peer task replaced since its join: joined again, then unsealed', async () => {
    const w = await joined();
    w.swarm.replaceTask(w.service, 2);
    assert.equal(w.vault.node(2).initialized, false, 'the pending join is forgotten');
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.equal(out.summary, 'unsealed vault-2, vault-3; autopilot stabilization back to 10s');
    // vault-3 is unsealed meanwhile (both peers at once): vault-2's own calls are in order.
    assert.deepEqual(
      w.failpoints.hits.filter((h) => h.endsWith(':vault-2')),
      [
        'unsealPeers:before-join:vault-2',
        'unsealPeers:after-join:vault-2',
        'unsealPeers:before-unseal:vault-2',
        'unsealPeers:after-unseal:vault-2',
      ],
    );
  });

  it('a wiped peer still listed in the Raft configuration: joined again and unsealed, not retried as "not initialized"', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.wipe(2, { stillListed: true });
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.equal(out.summary, 'unsealed vault-2');
    assert.deepEqual(w.failpoints.hits.slice(0, 2), [
      'unsealPeers:before-join:vault-2',
      'unsealPeers:after-join:vault-2',
    ]);
    assert.deepEqual(w.vault.node(2), { ...w.vault.node(2), initialized: true, sealed: false, member: true });
  });

  it('vault-1 a standby, vault-2 active: a wiped peer is joined again to vault-2 and unsealed', async () => {
    const w = await worldAfter('verifyCluster');
    w.swarm.replaceTask(w.service, 1);
    assert.equal(w.vault.activeSlot(), 2, 'vault-2 took over');
    w.vault.node(1).sealed = false; // unsealed again, as unsealLeader does: vault-2 stays active
    w.vault.wipe(3, { stillListed: true });
    assert.equal(w.vault.activeSlot(), 2);
    const out = await w.run(w.acts.unsealPeers, w.input);
    assert.equal(out.summary, 'unsealed vault-3');
    assert.deepEqual(w.vault.node(3), { ...w.vault.node(3), initialized: true, sealed: false, member: true });
  });

  it('no active node (a quorum sealed again): times out saying so, retryable', async () => {
    const w = await joined();
    w.swarm.replaceTask(w.service, 1);
    await assert.rejects(
      w.run(w.acts.unsealPeers, w.input),
      retryableError(
        /timed out after 300s waiting for peers of s1_vault to be unsealed Raft voters \(last: no active Vault node in s1_vault \(vault-1 sealed; vault-2 sealed; vault-3 sealed\)/,
      ),
    );
  });

  it('a peer that never comes back: times out naming the voters it has', async () => {
    const w = await joined();
    w.swarm.dropTask(w.service, 3);
    await assert.rejects(
      w.run(w.acts.unsealPeers, w.input),
      retryableError(
        /timed out after 300s waiting for peers of s1_vault to be unsealed Raft voters \(last: timed out after 180s waiting for Vault API of vault-1, vault-2, vault-3/,
      ),
    );
  });

  it('a key the peers reject: UnsealKeyRejected', async () => {
    const w = await joined();
    w.vault.unsealKey = 'c29tZXRoaW5nLWVsc2U=';
    await assert.rejects(
      w.run(w.acts.unsealPeers, w.input),
      namedFailure('UnsealKeyRejected', /vault-2 rejected the key/),
    );
  });

  it('a joining peer not ready for a key (`invalid key size 0`) is retried, not a rejection of the key', async () => {
    const w = await joined();
    w.vault.unsealNotReadyOnce.add('vault-2');
    await w.run(w.acts.unsealPeers, w.input);
    assert.equal(w.vault.node(2).sealed, false);
    assert.equal(w.vault.unsealNotReadyOnce.size, 0, 'the refusal happened');
  });

  it('no key in custody: UnsealKeyUnavailable', async () => {
    const w = await joined();
    w.custody.lose(w.stack);
    await assert.rejects(w.run(w.acts.unsealPeers, w.input), namedFailure('UnsealKeyUnavailable'));
  });
});
