import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { CustodyError } from '../../src/shared/errors';
import { testDir } from '../support/tmp';

const secrets = { unsealKey: 'dW5zZWFsLWtleS1mb3ItdGVzdHMtb25seQ==', rootToken: 's.test-root-token-value' };

function fresh(): { custody: FileKeyCustody; dir: string; keyFile: string } {
  const base = testDir('vbt-custody-');
  const dir = join(base, 'custody');
  const keyFile = join(base, 'custody.key');
  return { custody: new FileKeyCustody({ dir, keyFile }), dir, keyFile };
}

function custodyError(kind: string) {
  return (err: unknown) => {
    assert.ok(err instanceof CustodyError, String(err));
    assert.equal(err.kind, kind);
    assert.ok(!err.message.includes(secrets.unsealKey) && !err.message.includes(secrets.rootToken));
    return true;
  };
}

describe('file key custody', () => {
  it('round-trips, encrypted at rest, owner-only', async () => {
    const { custody, dir, keyFile } = fresh();
    assert.equal(await custody.describe('s1'), undefined);
    await assert.rejects(custody.read('s1'), custodyError('UnsealKeyUnavailable'));
    await custody.assertWritable('s1');
    const info = await custody.store('s1', secrets);
    const back = await custody.read('s1');
    assert.equal(back.unsealKey, secrets.unsealKey);
    assert.equal(back.rootToken, secrets.rootToken);
    assert.equal(back.keyId, info.keyId);
    const raw = readFileSync(join(dir, 's1.json'), 'utf8');
    assert.ok(
      !raw.includes(secrets.unsealKey) && !raw.includes(secrets.rootToken) && !raw.includes('test-root'),
    );
    assert.deepEqual(readdirSync(dir), ['s1.json'], 'no probe or temp files left behind');
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(dir, 's1.json')).mode & 0o777, 0o600);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('setTokens changes the tokens it names of the same record only: the id, the key and the rest stay', async () => {
    const { custody, dir } = fresh();
    const info = await custody.store('s1', secrets);
    await custody.setTokens('s1', info.keyId, { rootToken: secrets.rootToken, workerToken: 's.worker' });
    let back = await custody.read('s1');
    assert.deepEqual(
      { ...back },
      { ...secrets, workerToken: 's.worker', ...info },
      'both tokens, same id and key',
    );
    await custody.setTokens('s1', info.keyId, { snapshotToken: 's.snap' });
    back = await custody.read('s1');
    assert.equal(back.rootToken, secrets.rootToken, 'a token not named stays');
    assert.equal(back.snapshotToken, 's.snap');
    await custody.setTokens('s1', info.keyId, { rootToken: undefined });
    back = await custody.read('s1');
    assert.equal(back.rootToken, undefined, 'the root token is gone from the record');
    assert.equal(back.workerToken, 's.worker');
    assert.equal(back.unsealKey, secrets.unsealKey);
    assert.ok(!readFileSync(join(dir, 's1.json'), 'utf8').includes('s.worker'), 'encrypted');
    assert.deepEqual(readdirSync(dir), ['s1.json'], 'no temp file left behind');
    await assert.rejects(
      custody.setTokens('s1', 'another-id', { workerToken: 'x' }),
      custodyError('CustodyCorrupt'),
    );
    await assert.rejects(
      custody.setTokens('s2', info.keyId, { workerToken: 'x' }),
      custodyError('CustodyCorrupt'),
    );
    assert.equal((await custody.read('s1')).workerToken, 's.worker', 'a refused rewrite changes nothing');
  });

  it('keeps break-glass tokens by accessor, encrypted, until each is removed', async () => {
    const { custody, dir } = fresh();
    const info = await custody.store('s1', secrets);
    await custody.setBreakGlassToken('s1', info.keyId, 'acc-1', 's.glass-1');
    await custody.setBreakGlassToken('s1', info.keyId, 'acc-2', 's.glass-2');
    await custody.setTokens('s1', info.keyId, { workerToken: 's.worker' });
    assert.ok(!readFileSync(join(dir, 's1.json'), 'utf8').includes('s.glass'), 'encrypted');
    assert.deepEqual((await custody.read('s1')).breakGlassTokens, {
      'acc-1': 's.glass-1',
      'acc-2': 's.glass-2',
    });
    await custody.setBreakGlassToken('s1', info.keyId, 'acc-1', undefined);
    assert.deepEqual((await custody.read('s1')).breakGlassTokens, { 'acc-2': 's.glass-2' });
    await custody.setBreakGlassToken('s1', info.keyId, 'acc-2', undefined);
    const back = await custody.read('s1');
    assert.equal(back.breakGlassTokens, undefined, 'the field is gone with its last entry');
    assert.equal(back.workerToken, 's.worker');
    await assert.rejects(
      custody.setBreakGlassToken('s1', 'another-id', 'acc-3', 'x'),
      custodyError('CustodyCorrupt'),
    );
  });

  describe('root generation progress (issue 25)', () => {
    const progress = (accessor: string) => ({
      updatedAt: '2026-01-01T00:00:00.000Z',
      nonces: ['nonce-1'],
      keyGivenAt: ['2026-01-01T00:00:00.000Z'],
      accessors: [accessor],
    });

    it('is kept per owner, encrypted, beside the tokens; setTokens keeps it; removed when cleared', async () => {
      const { custody, dir } = fresh();
      const info = await custody.store('s1', secrets);
      await custody.setRootGeneration('s1', info.keyId, 'wf-a/1', progress('acc-a'));
      await custody.setRootGeneration('s1', info.keyId, 'wf-b/1', { ...progress('acc-b'), startingAt: 'x' });
      const raw = readFileSync(join(dir, 's1.json'), 'utf8');
      assert.ok(!raw.includes('acc-a') && !raw.includes('nonce-1'), 'encrypted with the rest');
      assert.equal((JSON.parse(raw) as { seq: number }).seq, 2, 'each write is a revision');
      await custody.setTokens('s1', info.keyId, { rootToken: undefined, workerToken: 's.worker' });
      let back = await custody.read('s1');
      assert.deepEqual(back.rootGenerations, {
        'wf-a/1': progress('acc-a'),
        'wf-b/1': { ...progress('acc-b'), startingAt: 'x' },
      });
      assert.equal(back.workerToken, 's.worker');
      assert.equal(back.rootToken, undefined);
      assert.equal(back.unsealKey, secrets.unsealKey);
      await custody.setRootGeneration('s1', info.keyId, 'wf-a/1', undefined);
      assert.deepEqual(Object.keys((await custody.read('s1')).rootGenerations ?? {}), ['wf-b/1']);
      await custody.setRootGeneration('s1', info.keyId, 'wf-b/1', undefined);
      back = await custody.read('s1');
      assert.equal(back.rootGenerations, undefined, 'the field is gone once the last entry is');
      assert.equal(back.workerToken, 's.worker', 'the tokens stay');
      assert.deepEqual(readdirSync(dir), ['s1.json'], 'no temp file left behind');
    });

    it('refuses another record id, and loses no write of two at once', async () => {
      const { custody } = fresh();
      const info = await custody.store('s1', secrets);
      await assert.rejects(
        custody.setRootGeneration('s1', 'another-id', 'wf/1', progress('a')),
        custodyError('CustodyCorrupt'),
      );
      await Promise.all([
        ...['a', 'b', 'c', 'd'].map((o) =>
          custody.setRootGeneration('s1', info.keyId, `wf-${o}/1`, progress(o)),
        ),
        custody.setTokens('s1', info.keyId, { workerToken: 's.worker' }),
      ]);
      const back = await custody.read('s1');
      assert.deepEqual(Object.keys(back.rootGenerations ?? {}).sort(), [
        'wf-a/1',
        'wf-b/1',
        'wf-c/1',
        'wf-d/1',
      ]);
      assert.equal(back.workerToken, 's.worker');
    });

    it('a malformed entry is CustodyCorrupt, not a crash later', async () => {
      const { custody } = fresh();
      const info = await custody.store('s1', secrets);
      await custody.setRootGeneration('s1', info.keyId, 'wf/1', {
        ...progress('a'),
        accessors: [1 as unknown as string],
      });
      await assert.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
    });
  });

  it('never overwrites a record; the new secrets are kept beside it', async () => {
    const { custody, dir } = fresh();
    const first = await custody.store('s1', secrets);
    await assert.rejects(
      custody.store('s1', { unsealKey: 'other', rootToken: 'other' }),
      custodyError('CustodyCorrupt'),
    );
    assert.equal((await custody.read('s1')).keyId, first.keyId);
    assert.equal(readdirSync(dir).filter((f) => f.includes('.conflict-')).length, 1);
  });

  it('refuses a record readable by others', async () => {
    const { custody, dir } = fresh();
    await custody.store('s1', secrets);
    chmodSync(join(dir, 's1.json'), 0o644);
    await assert.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
  });

  it('names a corrupt record and a wrong key file', async () => {
    const { custody, dir, keyFile } = fresh();
    await custody.store('s1', secrets);
    writeFileSync(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    await assert.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
    writeFileSync(join(dir, 's1.json'), '{not json', { mode: 0o600 });
    await assert.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
  });

  it('does not decrypt a record moved to another stack name', async () => {
    const { custody, dir } = fresh();
    await custody.store('s1', secrets);
    const rec = JSON.parse(readFileSync(join(dir, 's1.json'), 'utf8')) as Record<string, string>;
    writeFileSync(join(dir, 's2.json'), JSON.stringify({ ...rec, stack: 's2' }), { mode: 0o600 });
    await assert.rejects(custody.read('s2'), custodyError('CustodyCorrupt'));
  });

  it('reports an unwritable folder by name', async () => {
    // A folder below a regular file can never be created (ENOTDIR), even for root.
    const base = testDir('vbt-custody-');
    writeFileSync(join(base, 'file'), '');
    const custody = new FileKeyCustody({
      dir: join(base, 'file', 'custody'),
      keyFile: join(base, 'custody.key'),
    });
    await assert.rejects(
      custody.assertWritable('s1'),
      (err: unknown) =>
        err instanceof CustodyError &&
        err.kind === 'CustodyNotWritable' &&
        /not writable: ENOTDIR/.test(err.message),
    );
  });

  it('importRecord without the key file: CustodyKeyFileMissing, and no key file is made', async () => {
    const source = fresh();
    await source.custody.store('s1', secrets);
    const exported = await source.custody.exportRecord('s1');
    assert.ok(exported);
    const target = fresh();
    await assert.rejects(
      target.custody.importRecord('s1', exported.text),
      custodyError('CustodyKeyFileMissing'),
    );
    assert.equal(existsSync(target.keyFile), false, 'a fresh key would never open the replica');
    assert.equal(existsSync(join(target.dir, 's1.json')), false);
  });

  describe('lifecycle (issue 10, item 7)', () => {
    it('a lost key file is not regenerated while records exist: CustodyKeyFileMissing', async () => {
      const { custody, keyFile } = fresh();
      await custody.store('s1', secrets);
      rmSync(keyFile);
      await assert.rejects(custody.assertWritable('s2'), custodyError('CustodyKeyFileMissing'));
      await assert.rejects(custody.store('s2', secrets), custodyError('CustodyKeyFileMissing'));
      await assert.rejects(custody.read('s1'), custodyError('CustodyKeyFileMissing'));
      assert.equal(existsSync(keyFile), false, 'no new key was made');
    });

    it('two processes creating the key at once: one key, both records readable', async () => {
      const { dir, keyFile } = fresh();
      const a = new FileKeyCustody({ dir, keyFile });
      const b = new FileKeyCustody({ dir, keyFile });
      await Promise.all([a.store('s1', secrets), b.store('s2', secrets)]);
      const c = new FileKeyCustody({ dir, keyFile });
      assert.equal((await c.read('s1')).unsealKey, secrets.unsealKey);
      assert.equal((await c.read('s2')).unsealKey, secrets.unsealKey);
    });

    it('two stores of different secrets at once: exactly one record, the other refused', async () => {
      const { dir, keyFile } = fresh();
      const a = new FileKeyCustody({ dir, keyFile });
      await a.assertWritable('s1'); // the key exists: only the record races
      const b = new FileKeyCustody({ dir, keyFile });
      const results = await Promise.allSettled([
        a.store('s1', secrets),
        b.store('s1', { unsealKey: 'b3RoZXI=', rootToken: 's.other' }),
      ]);
      const stored = results.filter((r) => r.status === 'fulfilled');
      assert.equal(stored.length, 1, 'never two records for one stack');
      assert.equal((await a.read('s1')).keyId, stored[0]?.value.keyId);
    });

    it('the same secrets stored again (a retry after a failed folder fsync): the existing record, no conflict', async () => {
      const { custody, dir } = fresh();
      const first = await custody.store('s1', secrets);
      assert.deepEqual(await custody.store('s1', secrets), first);
      assert.deepEqual(readdirSync(dir), ['s1.json']);
    });

    it('symbolic links are not followed: record, key file and folder', async () => {
      const { custody, dir, keyFile } = fresh();
      await custody.store('s1', secrets);
      const elsewhere = testDir('vbt-elsewhere-');
      renameSync(join(dir, 's1.json'), join(elsewhere, 's1.json'));
      symlinkSync(join(elsewhere, 's1.json'), join(dir, 's1.json'));
      await assert.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
      rmSync(join(dir, 's1.json'));
      renameSync(join(elsewhere, 's1.json'), join(dir, 's1.json'));
      renameSync(keyFile, join(elsewhere, 'custody.key'));
      symlinkSync(join(elsewhere, 'custody.key'), keyFile);
      await assert.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
      const link = join(testDir('vbt-link-'), 'custody');
      const linkedDir = new FileKeyCustody({ dir: link, keyFile: join(elsewhere, 'k') });
      symlinkSync(dir, link);
      await assert.rejects(linkedDir.describe('s1'), custodyError('CustodyPermissionsTooOpen'));
    });

    it(
      'a record owned by another user is refused',
      { skip: process.getuid?.() !== 0 && 'needs root to chown' },
      async () => {
        const { custody, dir } = fresh();
        await custody.store('s1', secrets);
        chownSync(join(dir, 's1.json'), 4242, 4242);
        await assert.rejects(custody.read('s1'), (err: unknown) => {
          custodyError('CustodyPermissionsTooOpen')(err);
          assert.match((err as Error).message, /owned by uid 4242/);
          return true;
        });
      },
    );

    it('the GCM tag length is pinned to 16 bytes: a truncated tag does not decrypt', async () => {
      const { custody, dir } = fresh();
      await custody.store('s1', secrets);
      const path = join(dir, 's1.json');
      const rec = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
      const short = Buffer.from(rec.tag ?? '', 'base64')
        .subarray(0, 4)
        .toString('base64');
      writeFileSync(path, JSON.stringify({ ...rec, tag: short }), { mode: 0o600 });
      await assert.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
    });
  });
});
