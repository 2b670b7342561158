/** The Raft index and term read from a snapshot archive's head while it streams (src/backup/snapshot-meta.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { snapshotMetaTap } from '../../src/backup/snapshot-meta';

/** A tar entry: a 512-byte header (name, octal size) and the content padded to 512 bytes. */
function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'utf8');
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded]);
}

/** An archive shaped like Vault's: meta.json first, then state.bin (big, to show the tap stops early). */
function archive(meta: object, first = 'meta.json'): Buffer {
  return gzipSync(
    Buffer.concat([
      tarEntry(first, Buffer.from(JSON.stringify(meta))),
      tarEntry('state.bin', Buffer.alloc(300_000, 7)),
      Buffer.alloc(1024),
    ]),
  );
}

async function tapAll(bytes: Buffer, chunk: number) {
  const tap = snapshotMetaTap();
  for (let i = 0; i < bytes.length; i += chunk) tap.observe(bytes.subarray(i, i + chunk));
  return tap.result();
}

describe('snapshot meta tap', () => {
  it('reads Index and Term from meta.json, in whatever chunks the stream comes', async () => {
    const bytes = archive({ Version: 1, ID: 'bolt-snapshot', Index: 31, Term: 3 });
    for (const chunk of [1, 7, 512, 65536, bytes.length])
      assert.deepEqual(await tapAll(bytes, chunk), { index: 31, term: 3 }, `chunks of ${chunk}`);
  });

  it('says nothing for an archive whose first entry is not meta.json, or without the numbers', async () => {
    assert.equal(await tapAll(archive({ Index: 1, Term: 1 }, 'state.bin'), 4096), undefined);
    assert.equal(await tapAll(archive({ Index: '31', Term: 3 }), 4096), undefined);
  });

  it('says nothing, and throws nothing, for a stream that is not gzip or is cut short', async () => {
    assert.equal(await tapAll(Buffer.from('fake-raft-snapshot:vault-1'), 4), undefined);
    assert.equal(await tapAll(archive({ Index: 5, Term: 2 }).subarray(0, 20), 4), undefined);
    assert.equal(await snapshotMetaTap().result(), undefined);
  });
});
