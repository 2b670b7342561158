/**
 * ReplicatedKeyCustody over real file custody folders (two "nodes" sharing one key file, as the worker stack's
 * workers share the key secret) and an in-memory replica store standing in for the swarm's configs.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { ReplicatedKeyCustody } from '../../src/custody/replicated-custody';
import type { CustodyReplica, CustodyReplicaStore } from '../../src/ports';
import { CustodyError } from '../../src/shared/errors';
import { testDir } from '../support/tmp';

const secrets = { unsealKey: 'dW5zZWFsLWtleS1mb3ItdGVzdHMtb25seQ==', rootToken: 's.test-root-token-value' };
const STACK = 'iklimco';

class MemoryReplicas implements CustodyReplicaStore {
  readonly copies = new Map<string, CustodyReplica & { stack: string }>();
  private next = 0;
  failPuts = false;
  list(stack: string): Promise<CustodyReplica[]> {
    return Promise.resolve([...this.copies.values()].filter((c) => c.stack === stack));
  }
  put(stack: string, keyId: string, seq: number, text: string): Promise<void> {
    if (this.failPuts) return Promise.reject(new Error('the swarm has no leader'));
    const id = `c${this.next++}`;
    this.copies.set(id, { id, stack, keyId, seq, text });
    return Promise.resolve();
  }
  remove(id: string): Promise<void> {
    this.copies.delete(id);
    return Promise.resolve();
  }
}

/** Two nodes' custody folders, one shared key file, one replica store. */
function cluster() {
  const base = testDir('vbt-replicated-');
  const keyFile = join(base, 'custody.key');
  const replicas = new MemoryReplicas();
  const node = (name: string) => {
    const dir = join(base, name, 'custody');
    const file = new FileKeyCustody({ dir, keyFile });
    return { dir, file, custody: new ReplicatedKeyCustody(file, replicas) };
  };
  return { base, keyFile, replicas, a: node('a'), b: node('b') };
}

describe('replicated key custody', () => {
  it('a record stored on one node is read on another whose folder is empty (the writer node lost)', async () => {
    const { a, b, replicas } = cluster();
    const info = await a.custody.store(STACK, secrets);
    assert.equal(replicas.copies.size, 1);
    const copy = [...replicas.copies.values()][0]!;
    assert.equal(copy.keyId, info.keyId);
    assert.ok(
      !copy.text.includes(secrets.unsealKey) && !copy.text.includes(secrets.rootToken),
      'copy is encrypted',
    );
    rmSync(a.dir, { recursive: true }); // node a and its volume are gone
    const held = await b.custody.read(STACK);
    assert.equal(held.unsealKey, secrets.unsealKey);
    assert.equal(held.keyId, info.keyId);
    assert.equal((await b.file.read(STACK)).unsealKey, secrets.unsealKey, 'now on b as well');
  });

  it('setTokens on one node reaches the other, and only the newest copy is kept', async () => {
    const { a, b, replicas } = cluster();
    const { keyId } = await a.custody.store(STACK, secrets);
    await b.custody.read(STACK); // b holds revision 0
    await a.custody.setTokens(STACK, keyId, { rootToken: undefined, workerToken: 's.worker' });
    assert.deepEqual(
      [...replicas.copies.values()].map((c) => c.seq),
      [1],
    );
    const held = await b.custody.read(STACK);
    assert.equal(held.workerToken, 's.worker');
    assert.equal(held.rootToken, undefined);
    assert.equal(held.unsealKey, secrets.unsealKey);
    await b.custody.setBreakGlassToken(STACK, keyId, 'acc-1', 's.glass');
    assert.deepEqual((await a.custody.read(STACK)).breakGlassTokens, { 'acc-1': 's.glass' }, 'and back to a');
  });

  it('root generation progress written on one node is read on the other (a retry on another worker)', async () => {
    const { a, b, replicas } = cluster();
    const { keyId } = await a.custody.store(STACK, secrets);
    const entry = { updatedAt: 't', nonces: ['n1'], keyGivenAt: ['t'], accessors: ['acc-1'] };
    await a.custody.setRootGeneration(STACK, keyId, 'wf/1', entry);
    assert.deepEqual(
      [...replicas.copies.values()].map((c) => c.seq),
      [1],
    );
    assert.ok(![...replicas.copies.values()][0]!.text.includes('acc-1'), 'the copy is encrypted');
    assert.deepEqual((await b.custody.read(STACK)).rootGenerations, { 'wf/1': entry });
    await b.custody.setRootGeneration(STACK, keyId, 'wf/1', undefined);
    assert.equal((await a.custody.read(STACK)).rootGenerations, undefined, 'cleared on b, seen on a');
    assert.deepEqual(
      [...replicas.copies.values()].map((c) => c.seq),
      [2],
    );
  });

  it('a local write whose copy failed is copied by the next call (a crash between the two)', async () => {
    const { a, b, replicas } = cluster();
    replicas.failPuts = true;
    await assert.rejects(a.custody.store(STACK, secrets), /no leader/);
    assert.equal((await a.file.read(STACK)).unsealKey, secrets.unsealKey, 'the key is on disk regardless');
    replicas.failPuts = false;
    await a.custody.describe(STACK);
    assert.equal(replicas.copies.size, 1);
    assert.equal((await b.custody.read(STACK)).unsealKey, secrets.unsealKey);
  });

  it('a retried store of the same secrets neither forks nor duplicates the copy', async () => {
    const { a, replicas } = cluster();
    const first = await a.custody.store(STACK, secrets);
    const again = await a.custody.store(STACK, secrets);
    assert.equal(again.keyId, first.keyId);
    assert.equal(replicas.copies.size, 1);
  });

  it('records of two initializations are refused by name, and neither is overwritten', async () => {
    const { a, b, replicas } = cluster();
    replicas.failPuts = true;
    await assert.rejects(a.custody.store(STACK, secrets));
    replicas.failPuts = false;
    await b.custody.store(STACK, { unsealKey: 'b3RoZXIta2V5' }); // b never saw a's record
    const before = readFileSync(join(a.dir, `${STACK}.json`), 'utf8');
    await assert.rejects(a.custody.read(STACK), (err: unknown) => {
      assert.ok(err instanceof CustodyError);
      assert.equal(err.kind, 'CustodyCorrupt');
      assert.match(err.message, /different initializations/);
      assert.ok(!err.message.includes(secrets.unsealKey));
      return true;
    });
    assert.equal(readFileSync(join(a.dir, `${STACK}.json`), 'utf8'), before);
  });

  it('a copy that does not decrypt with this custody key is refused and not written', async () => {
    const { a, b, keyFile } = cluster();
    await a.custody.store(STACK, secrets);
    writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 }); // another key
    await assert.rejects(b.custody.read(STACK), (err: unknown) => {
      assert.ok(err instanceof CustodyError);
      assert.equal(err.kind, 'CustodyCorrupt');
      assert.match(err.message, /custody replica does not decrypt/);
      return true;
    });
    assert.equal(await b.file.describe(STACK), undefined);
  });

  it('no record anywhere is UnsealKeyUnavailable, as for the file custody', async () => {
    const { a } = cluster();
    await assert.rejects(
      a.custody.read(STACK),
      (err: unknown) => err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable',
    );
  });
});
