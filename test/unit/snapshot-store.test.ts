/** The snapshot folder: streamed, counted, renamed into place with its manifest; failures named, nothing lost. */
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { planRetention, retentionEntries } from '../../src/backup/retention';
import { SnapshotStore } from '../../src/backup/snapshot-store';
import type { SnapshotTrust } from '../../src/backup/snapshot-store';
import type { SnapshotManifest } from '../../src/backup/snapshot-store';
import { CustodyManifestSeal } from '../../src/custody/manifest-seal';
import type { HeldKeys } from '../../src/ports';
import { CustodyError } from '../../src/shared/errors';
import { testDir } from '../support/tmp';

const META = {
  stack: 's1',
  vaultVersion: '2.7.2',
  unsealKey: { custodyKeyId: 'key-0001', secretName: 's1_vault_unseal_key_v1', secretVersion: 1 },
};

function* chunks(...parts: string[]): Iterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

function* failingAfter(part: string, code: string): Iterable<Uint8Array> {
  yield Buffer.from(part);
  throw Object.assign(new Error(`${code}: simulated`), { code });
}

/** Custody as the seal reads it: the stack's record (`key-0001`, as the manifests name), or none. */
class Records {
  held: Record<string, HeldKeys> = {
    s1: { keyId: 'key-0001', stack: 's1', createdAt: '2026-11-01T00:00:00.000Z', unsealKey: 'dW5zZWFs' },
    s2: { keyId: 'key-0002', stack: 's2', createdAt: '2026-11-01T00:00:00.000Z', unsealKey: 'b3RoZXI=' },
  };
  read(stack: string): Promise<HeldKeys> {
    const r = this.held[stack];
    return r
      ? Promise.resolve(r)
      : Promise.reject(
          new CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`),
        );
  }
}

function trust(records = new Records(), more: Partial<SnapshotTrust> = {}): SnapshotTrust {
  return { stack: 's1', seal: new CustodyManifestSeal(records), ...more };
}

function store(t: SnapshotTrust = trust()): SnapshotStore {
  return new SnapshotStore(testDir('vbt-snapshots-'), t);
}

function meta(at: string): Omit<SnapshotManifest, 'format' | 'size' | 'sha256'> {
  return { ...META, file: SnapshotStore.fileName('s1', new Date(at)), takenAt: at };
}

describe('SnapshotStore', () => {
  it('writes a snapshot and its manifest (size, sha256), lists it good, verifies it and removes both', async () => {
    const s = store();
    const m = await s.write(chunks('raft-', 'snapshot'), meta('2026-11-30T12:00:00.000Z'));
    assert.equal(m.file, 's1-20261130T120000Z.snap');
    assert.equal(m.size, 'raft-snapshot'.length);
    assert.equal(m.sha256, createHash('sha256').update('raft-snapshot').digest('hex'));
    assert.deepEqual(readdirSync(s.dir).sort(), [
      's1-20261130T120000Z.snap',
      's1-20261130T120000Z.snap.manifest.json',
    ]);
    const [listed] = await s.list();
    assert.deepEqual(listed, { manifest: m, good: true });
    assert.equal(await s.verify(m), true);
    await s.remove(m.file);
    assert.deepEqual(readdirSync(s.dir), []);
  });

  it('a truncated or altered file is not good (size) or fails verify (sha256)', async () => {
    const s = store();
    const m = await s.write(chunks('raft-snapshot'), meta('2026-11-30T12:00:00.000Z'));
    writeFileSync(join(s.dir, m.file), 'raft-snap');
    assert.equal((await s.list())[0]?.good, false);
    writeFileSync(join(s.dir, m.file), 'RAFT-SNAPSHOT');
    assert.equal((await s.list())[0]?.good, true, 'same size');
    assert.equal(await s.verify(m), false);
  });

  it('a snapshot file without its manifest (a crash between the two) is listed, never good', async () => {
    const s = store();
    writeFileSync(join(s.dir, 's1-20261130T110000Z.snap'), 'orphan');
    const [orphan] = await s.list();
    assert.equal(orphan?.good, false);
    assert.equal(orphan?.manifest.takenAt, '2026-11-30T11:00:00.000Z');
  });

  it('the folder full mid-stream: BackupTargetFull, the partial file removed, the earlier snapshot intact', async () => {
    const s = store();
    const first = await s.write(chunks('first'), meta('2026-11-30T11:00:00.000Z'));
    await assert.rejects(
      s.write(failingAfter('sec', 'ENOSPC'), meta('2026-11-30T12:00:00.000Z')),
      (err: Error) => {
        assert.equal((err as { type?: string }).type, 'BackupTargetFull');
        assert.match(
          err.message,
          /is full \(ENOSPC\).*partial file was removed; earlier snapshots are untouched/,
        );
        return true;
      },
    );
    assert.deepEqual(readdirSync(s.dir).sort(), [first.file, `${first.file}.manifest.json`]);
    assert.equal(await s.verify(first), true);
  });

  it('the backup root missing (storage not mounted): BackupTargetMissing naming the root, for writing and listing; nothing created', async () => {
    const root = join(tmpdir(), `vbt-no-such-root-${process.pid}`);
    const s = new SnapshotStore(join(root, 's1'), trust());
    await assert.rejects(s.write(chunks('x'), meta('2026-11-30T12:00:00.000Z')), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'BackupTargetMissing');
      assert.match(
        err.message,
        new RegExp(`^the backup root ${root} does not exist \\(is the storage mounted\\?\\)`),
      );
      return true;
    });
    await assert.rejects(s.list(), { type: 'BackupTargetMissing' });
    assert.equal(existsSync(root), false, 'never made on the node’s own disk');
    assert.deepEqual(await s.check(), {
      usable: false,
      error: 'BackupTargetMissing',
      detail: `the backup root ${root} does not exist (is the storage mounted?): no backup of the stack can be written`,
    });
  });

  // Issue 27, item 1: the per-stack folder used to be the operator's to make, so a mounted root alone gave
  // BackupTargetMissing on every backup. The first write makes it, owner only.
  it('the stack’s folder not made yet under a root that is: usable, and the first write creates it (0700)', async () => {
    const root = testDir('vbt-root-');
    const s = new SnapshotStore(join(root, 's1'), trust());
    assert.deepEqual(await s.check(), { usable: true, created: false });
    const written = await s.write(chunks('first'), meta('2026-11-30T12:00:00.000Z'));
    assert.equal(statSync(s.dir).mode & 0o777, 0o700);
    assert.deepEqual(await s.check(), { usable: true, created: true });
    assert.equal((await s.list())[0]?.manifest.file, written.file);
  });

  // Run as root, as the suites are: a folder of another uid is still refused (root's own, or the worker's, only).
  it('a folder another user owns, or a symbolic link to a folder: BackupTargetInsecure, nothing written', async () => {
    const owned = store();
    chownSync(owned.dir, 4242, 4242);
    await assert.rejects(owned.write(chunks('x'), meta('2026-11-30T12:00:00.000Z')), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'BackupTargetInsecure');
      assert.match(err.message, /is owned by uid 4242, not by this process's uid \d+ \(or root\)/);
      return true;
    });
    assert.deepEqual(readdirSync(owned.dir), []);
    const real = store();
    const link = join(testDir('vbt-link-'), 's1');
    symlinkSync(real.dir, link);
    const linked = new SnapshotStore(link, trust());
    await assert.rejects(linked.list(), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'BackupTargetInsecure');
      assert.match(err.message, /is not a folder \(symbolic links are not followed\)/);
      return true;
    });
    assert.equal((await linked.check()).usable, false);
  });

  it('check: a folder others can write is not usable, by name (what a backup would fail with)', async () => {
    const s = store();
    chmodSync(s.dir, 0o777);
    const open = await s.check();
    assert.equal(open.usable, false);
    assert.equal(!open.usable && open.error, 'BackupTargetInsecure');
    assert.match(!open.usable ? open.detail : '', /has mode 777: others can write it/);
  });

  it('removes the partial files a dead writer left once untouched long enough, never a snapshot or a fresh one', async () => {
    const s = store();
    await s.write(chunks('kept'), meta('2026-11-30T12:00:00.000Z'));
    const dead = '.s1-20261130T110000Z.snap.partial-0b1f3c2e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';
    const live = '.s1-20261130T130000Z.snap.partial-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    writeFileSync(join(s.dir, dead), 'half');
    utimesSync(join(s.dir, dead), new Date('2026-11-30T11:00:00Z'), new Date('2026-11-30T11:00:00Z'));
    writeFileSync(join(s.dir, live), 'growing');
    const removed = await s.removePartialsOlderThan(Date.now() - 10 * 60_000);
    assert.deepEqual(removed, [dead]);
    assert.deepEqual(readdirSync(s.dir).sort(), [
      live,
      's1-20261130T120000Z.snap',
      's1-20261130T120000Z.snap.manifest.json',
    ]);
  });
});

describe('SnapshotStore, what it cannot trust (issue 27)', () => {
  it('two backups of the same second: one is written, the other fails cleanly; nothing is overwritten', async () => {
    const s = store();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    async function* held(part: string): AsyncIterable<Uint8Array> {
      yield Buffer.from(part);
      await gate;
    }
    const at = '2026-11-30T12:00:00.000Z';
    const both = Promise.allSettled([s.write(held('first'), meta(at)), s.write(held('second!'), meta(at))]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const results = await both;
    const written = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(written.length, 1, 'exactly one of the two is written');
    const [listed] = await s.list();
    assert.deepEqual(listed?.manifest, written[0]);
    assert.equal(await s.verify(written[0]!), true, 'the file on disk is the one its manifest describes');
    assert.deepEqual(readdirSync(s.dir).sort(), [written[0]!.file, `${written[0]!.file}.manifest.json`]);
  });

  it('a manifest with a bad takenAt or bad JSON is skipped, not fatal: the others list and prune', async () => {
    const s = store();
    const good = await s.write(chunks('good'), meta('2026-11-30T10:00:00.000Z'));
    const older = await s.write(chunks('older'), meta('2026-11-29T10:00:00.000Z'));
    const bad = await s.write(chunks('bad'), meta('2026-11-30T11:00:00.000Z'));
    const manifestPath = join(s.dir, `${bad.file}.manifest.json`);
    writeFileSync(manifestPath, JSON.stringify({ ...bad, takenAt: 'yesterday' }));
    const broken = await s.write(chunks('broken'), meta('2026-11-30T09:00:00.000Z'));
    writeFileSync(join(s.dir, `${broken.file}.manifest.json`), '{"format": "vault-bootstrap-snapshot/v1", ');
    const listed = await s.list();
    assert.deepEqual(
      listed.map((x) => x.manifest.file),
      [good.file, older.file],
    );
    assert.deepEqual((await s.scan()).skipped, [
      {
        file: broken.file,
        reason: 'unreadable',
        detail: 'its manifest cannot be read: it is not valid JSON',
      },
      {
        file: bad.file,
        reason: 'unreadable',
        detail: 'its manifest cannot be read: its takenAt ("yesterday") is not a time',
      },
    ]);
    assert.equal(await s.readManifest(bad.file), undefined, 'chosen by name: no readable manifest');
    const plan = planRetention(retentionEntries(listed), { hourly: 0, daily: 0, weekly: 0 });
    assert.deepEqual(
      plan.prune.map((e) => e.name),
      [older.file],
    );
  });

  it('a folder others can write: BackupTargetInsecure, with the fix in the message, for writing and listing', async () => {
    const s = store();
    chmodSync(s.dir, 0o777);
    await assert.rejects(s.write(chunks('x'), meta('2026-11-30T12:00:00.000Z')), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'BackupTargetInsecure');
      assert.match(err.message, /has mode 777: others can write.*chmod go-w/);
      return true;
    });
    await assert.rejects(s.list(), { type: 'BackupTargetInsecure' });
    assert.deepEqual(readdirSync(s.dir), [], 'nothing written');
  });
});

describe('SnapshotStore, manifests you can trust (issue 27)', () => {
  const manifestPath = (s: SnapshotStore, file: string) => join(s.dir, `${file}.manifest.json`);
  const rewrite = (s: SnapshotStore, m: SnapshotManifest) =>
    writeFileSync(manifestPath(s, m.file), JSON.stringify(m, null, 2));

  it('every manifest is sealed; one whose takenAt (or any field) was changed is skipped and named, and refused by name', async () => {
    const s = store();
    const real = await s.write(chunks('newest'), meta('2026-11-30T12:00:00.000Z'));
    const old = await s.write(chunks('old'), meta('2026-11-01T12:00:00.000Z'));
    assert.match(real.mac ?? '', /^[0-9a-f]{64}$/);
    // Whoever can write the folder makes the old snapshot look newest.
    rewrite(s, { ...old, takenAt: '2026-12-31T12:00:00.000Z' });
    const { snapshots, skipped } = await s.scan();
    assert.deepEqual(
      snapshots.map((x) => x.manifest.file),
      [real.file],
    );
    assert.deepEqual(skipped, [
      {
        file: old.file,
        reason: 'forged',
        detail:
          'its manifest MAC does not verify: the manifest was changed, or written without custody’s key',
      },
    ]);
    await assert.rejects(s.readManifest(old.file), (err: Error) => {
      assert.equal((err as { type?: string }).type, 'SnapshotManifestUntrusted');
      assert.match(err.message, /is not trusted: its manifest MAC does not verify.*Nothing was changed/);
      return true;
    });
    for (const change of [
      { size: 3 },
      { canary: { path: 'x', value: 'y' } },
      { raftIndex: 7 },
      { mac: 'ab'.repeat(32) },
    ]) {
      rewrite(s, { ...real, ...change });
      assert.deepEqual((await s.scan()).skipped.find((x) => x.file === real.file)?.reason, 'forged');
    }
  });

  it('a manifest sealed with another deployment’s key is forged; one of another stack or custody record is another cluster', async () => {
    const records = new Records();
    const s = store(trust(records));
    const other = new Records();
    other.held.s1 = { ...other.held.s1!, unsealKey: 'YW5vdGhlcg==' };
    const planted = new SnapshotStore(s.dir, trust(other));
    const fake = await planted.write(chunks('planted'), meta('2026-11-30T13:00:00.000Z'));
    const s2 = new SnapshotStore(s.dir, trust(records, { stack: 's2' }));
    const of2 = await s2.write(chunks('of s2'), {
      ...meta('2026-11-30T14:00:00.000Z'),
      stack: 's2',
      file: SnapshotStore.fileName('s2', new Date('2026-11-30T14:00:00.000Z')),
      unsealKey: { custodyKeyId: 'key-0002', secretName: 's2_vault_unseal_key_v1', secretVersion: 1 },
    });
    const ours = await s.write(chunks('ours'), meta('2026-11-30T12:00:00.000Z'));
    const scan = await s.scan();
    assert.deepEqual(
      scan.snapshots.map((x) => x.manifest.file),
      [ours.file],
    );
    assert.deepEqual(
      scan.skipped.map((x) => [x.file, x.reason, x.detail]),
      [
        [
          fake.file,
          'forged',
          'its manifest MAC does not verify: the manifest was changed, or written without custody’s key',
        ],
        [of2.file, 'other-cluster', 'it is of another cluster: its manifest names stack s2, not s1'],
      ],
    );
    // Custody holds a new record for s1 (a new cluster): the snapshots of the old one are another cluster's.
    records.held.s1 = { ...records.held.s1!, keyId: 'key-0009' };
    assert.deepEqual(
      (await s.scan()).skipped.find((x) => x.file === ours.file)?.detail,
      'it is of another cluster: it needs custody record key-0001; custody holds key-0009 for s1',
    );
    // Chosen by name, another cluster's manifest is given back for the restore to refuse by stack or record.
    assert.equal((await s.readManifest(of2.file))?.stack, 's2');
  });

  it('a manifest written before issue 27 (no MAC): skipped unless the operator trusts the folder up to a time after it', async () => {
    const records = new Records();
    const s = store(trust(records));
    const legacy = await s.write(chunks('legacy'), meta('2026-11-20T12:00:00.000Z'));
    const unsigned: SnapshotManifest = { ...legacy };
    delete unsigned.mac;
    rewrite(s, unsigned);
    assert.deepEqual(await s.list(), []);
    assert.match(
      (await s.scan()).skipped[0]?.detail ?? '',
      /has no MAC.*set VAULT_BACKUP_TRUST_UNSIGNED_BEFORE/,
    );
    await assert.rejects(s.readManifest(legacy.file), { type: 'SnapshotManifestUntrusted' });

    const vouched = new SnapshotStore(
      s.dir,
      trust(records, { trustUnsignedBefore: new Date('2026-12-01T00:00:00Z') }),
    );
    assert.deepEqual(
      (await vouched.list()).map((x) => x.manifest.file),
      [legacy.file],
    );
    assert.equal((await vouched.readManifest(legacy.file))?.file, legacy.file);
    // Its takenAt moved away from the time in its name: not accepted, even so.
    rewrite(s, { ...unsigned, takenAt: '2026-11-30T12:00:00.000Z' });
    assert.match((await vouched.scan()).skipped[0]?.detail ?? '', /takenAt .* is not the time in its name/);
    const late = new SnapshotStore(
      s.dir,
      trust(records, { trustUnsignedBefore: new Date('2026-11-25T00:00:00Z') }),
    );
    rewrite(s, { ...unsigned, takenAt: '2026-11-20T12:00:00.000Z' });
    assert.deepEqual((await late.list()).length, 1);
  });
});
