/**
 * Backups on the test bed (issue 11, first part): `backup now --wait` on a bootstrapped stack writes a real
 * Raft snapshot of the active node into the stack's folder, with a manifest whose size and sha256 match the
 * file and which names the custody record the snapshot needs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { SnapshotManifest } from '../../src/backup/snapshot-store';
import { TestRun } from '../support/testbed';

describe('backups on the test bed', () => {
  const run = new TestRun();
  const backupRoot = join(run.dir, 'backups');
  const extra = { VAULT_BACKUP_DIR: backupRoot };

  before(async () => {
    mkdirSync(join(backupRoot, run.stack), { recursive: true });
    run.startWorker(extra);
    const boot = await run.client(['bootstrap', '--wait'], extra);
    assert.equal(boot.code, 0, boot.out);
  });
  after(async () => {
    await run.cleanup();
    assert.deepEqual(await run.leftovers(), []);
  });

  it('backup now --wait: a real snapshot of the active node, its manifest matching the file', async () => {
    const started = Date.now();
    const res = await run.client(['backup', 'now', '--wait'], extra);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(res.code, 0, res.out);
    const folder = join(backupRoot, run.stack);
    const files = readdirSync(folder).sort();
    assert.equal(files.length, 2, files.join(', '));
    const [snap, manifestFile] = files as [string, string];
    const manifest = JSON.parse(readFileSync(join(folder, manifestFile), 'utf8')) as SnapshotManifest;
    const bytes = readFileSync(join(folder, snap));
    assert.equal(manifest.file, snap);
    assert.equal(manifest.size, bytes.length);
    assert.equal(manifest.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.match(manifest.vaultVersion, /^\d+\.\d+\.\d+/);
    assert.equal(manifest.unsealKey.secretName, `${run.secretBase}_v1`);
    // OpenBao's snapshot is a gzipped tar archive (meta.json, state.bin, SHA256SUMS).
    const tar = gunzipSync(bytes);
    assert.ok(tar.includes(Buffer.from('meta.json')), 'the archive holds meta.json');
    assert.ok(tar.includes(Buffer.from('state.bin')), 'the archive holds state.bin');
    console.log(`backup: ${manifest.size} bytes in ${seconds.toFixed(1)} s (client round trip)\n${res.out}`);
  });
});
