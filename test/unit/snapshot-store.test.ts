/** The snapshot folder: streamed, counted, renamed into place with its manifest; failures named, nothing lost. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { SnapshotStore } from '../../src/backup/snapshot-store';
import type { SnapshotManifest } from '../../src/backup/snapshot-store';

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

function store(): SnapshotStore {
  return new SnapshotStore(mkdtempSync(join(tmpdir(), 'vbt-snapshots-')));
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

  it('the folder missing (storage not mounted): BackupTargetMissing, for writing and for listing', async () => {
    const s = new SnapshotStore(join(tmpdir(), 'vbt-no-such-folder', 's1'));
    await assert.rejects(s.write(chunks('x'), meta('2026-11-30T12:00:00.000Z')), {
      type: 'BackupTargetMissing',
    });
    await assert.rejects(s.list(), { type: 'BackupTargetMissing' });
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
