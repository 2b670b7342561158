/**
 * Step 3, initLeader, in memory: only an uninitialized leader is initialized, once, with custody proven
 * writable first and the key persisted the moment Vault answers; every other state fails by name and
 * touches nothing. The end-to-end proof (real Vault, SIGKILLs) is the crash matrix in test/faults (its subset runs in npm test as test/e2e/05-faults-subset).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATE_POLL_MS } from '../../../src/activities/deps';
import { activityEnv, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError, tick } from '../../support/failures';

/** A deployed stack on the placeholder: three fresh Vault nodes, empty custody. */
function deployed(): Promise<World> {
  return worldAfter('deployStack');
}

describe('initLeader', () => {
  it('an uninitialized leader: initializes it once and persists the answer before anything else', async () => {
    const w = await deployed();
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.equal(w.vault.calls.init, 1);
    const held = await w.custody.read(w.stack);
    assert.equal(out.keyId, held.keyId);
    assert.equal(held.unsealKey, w.vault.unsealKey, 'custody holds the key Vault answered with');
    assert.ok(
      w.vault.rootTokens().some((t) => t.token === held.rootToken),
      'custody holds the root token',
    );
    assert.deepEqual(w.failpoints.hits, [
      'initLeader:before-init',
      'initLeader:after-init-before-persist',
      'initLeader:after-persist',
    ]);
    assert.match(
      out.summary,
      /^initialized vault-1 \(sys\/init answered in \d+ ms, key on disk \d+ ms later\); key stored as key-1$/,
    );
    assert.ok(!out.summary.includes(held.unsealKey) && !out.summary.includes(held.rootToken!));
    assert.equal(w.vault.node(2).initialized, false, 'peers are not initialized');
  });

  it('an initialized leader with its key in custody: no init, reports the record', async () => {
    const w = await deployed();
    await w.run(w.acts.initLeader, w.input);
    const again = await w.run(w.acts.initLeader, w.input);
    assert.equal(again.changed, false);
    assert.equal(again.keyId, 'key-1');
    assert.equal(again.summary, 'vault-1 already initialized; key key-1 in custody');
    assert.equal(w.vault.calls.init, 1);
  });

  it('an initialized leader and no key in custody: UnsealKeyUnavailable, nothing touched', async () => {
    const w = await deployed();
    await w.run(w.acts.initLeader, w.input);
    w.custody.lose(w.stack);
    const hits = w.failpoints.hits.length;
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure(
        'UnsealKeyUnavailable',
        /vault-1 of s1_vault is already initialized, but custody holds no key .* Nothing was changed/,
      ),
    );
    assert.equal(w.vault.calls.init, 1);
    assert.equal(w.failpoints.hits.length, hits);
  });

  it('a record in custody but an uninitialized leader: StaleCustodyRecord, no init over it', async () => {
    const w = await deployed();
    w.custody.put(w.stack, { unsealKey: 'b2xk', rootToken: 'old' });
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure('StaleCustodyRecord', /custody already holds key key-1 .* Refusing to initialize over it/),
    );
    assert.equal(w.vault.calls.init, 0);
  });

  it('a peer initialized while the leader is not: ForeignClusterDetected, no init', async () => {
    const w = await deployed();
    w.vault.node(3).initialized = true;
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure(
        'ForeignClusterDetected',
        /vault-3 is initialized while the designated leader vault-1 is not/,
      ),
    );
    assert.equal(w.vault.calls.init, 0);
  });

  it('custody that cannot be written: CustodyNotWritable before sys/init', async () => {
    const w = await deployed();
    w.custody.writable = false;
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('CustodyNotWritable'));
    assert.equal(w.vault.calls.init, 0);
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('a record custody cannot read: its custody type (CustodyCorrupt), no init', async () => {
    const w = await deployed();
    w.custody.broken = 'CustodyCorrupt';
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('CustodyCorrupt'));
    assert.equal(w.vault.calls.init, 0);
  });

  it('a failing disk right after sys/init: quick in-process writes (200, 400 ms apart) keep the key', async () => {
    const w = await deployed();
    w.custody.failingStores = 2;
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.equal(w.custody.stores, 3);
    assert.deepEqual(w.clock.sleeps.slice(-2), [200, 400]);
  });

  it('a disk that keeps failing: gives up after five writes with a retryable error; the retry names the loss', async () => {
    const w = await deployed();
    w.custody.failingStores = 5;
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      retryableError(/gave up after 5 tries waiting for the key of s1 to reach custody \(last: EIO/),
    );
    assert.deepEqual(w.clock.sleeps.slice(-4), [200, 400, 600, 800]);
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('UnsealKeyUnavailable'));
    assert.equal(w.vault.calls.init, 1);
  });

  it('waits (heartbeating) for all three nodes to answer before it looks at the leader', async () => {
    const w = await deployed();
    w.swarm.delayTask(w.service, 2, 3);
    const env = activityEnv();
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const out = await w.runIn(env, w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.equal(heartbeats, 3, 'one heartbeat per unsuccessful poll');
    assert.deepEqual(w.clock.sleeps, [STATE_POLL_MS, STATE_POLL_MS, STATE_POLL_MS]);
  });

  it('a retry overlapping this worker’s pending sys/init waits for its answer: one init, the stored key', async () => {
    const w = await deployed();
    let release: () => void = () => undefined;
    w.vault.initGate = new Promise<void>((r) => (release = r));
    let reached: () => void = () => undefined;
    const initStarted = new Promise<void>((r) => (reached = r));
    w.failpoints.at.set('initLeader:before-init', () => reached());
    const first = w.run(w.acts.initLeader, w.input);
    await initStarted;
    await tick();
    assert.equal(w.vault.calls.init, 1, 'the first attempt is inside sys/init');
    // The first attempt waits for Vault's answer (Vault already initialized); a retry starts now.
    const retry = w.run(w.acts.initLeader, w.input);
    await tick();
    release();
    const [a, b] = await Promise.all([first, retry]);
    assert.equal(a.changed, true);
    assert.equal(b.changed, false);
    assert.equal(b.keyId, a.keyId);
    assert.equal(w.vault.calls.init, 1, 'sys/init was called once');
  });
});
