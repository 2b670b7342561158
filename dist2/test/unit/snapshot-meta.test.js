"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** The Raft index and term read from a snapshot archive's head while it streams (src/backup/snapshot-meta.ts). */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const node_zlib_1 = require("node:zlib");
const snapshot_meta_1 = require("../../src/backup/snapshot-meta");
/** A tar entry: a 512-byte header (name, octal size) and the content padded to 512 bytes. */
function tarEntry(name, content) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'utf8');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'utf8');
    const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    content.copy(padded);
    return Buffer.concat([header, padded]);
}
/** An archive shaped like Vault's: meta.json first, then state.bin (big, to show the tap stops early). */
function archive(meta, first = 'meta.json') {
    return (0, node_zlib_1.gzipSync)(Buffer.concat([
        tarEntry(first, Buffer.from(JSON.stringify(meta))),
        tarEntry('state.bin', Buffer.alloc(300_000, 7)),
        Buffer.alloc(1024),
    ]));
}
async function tapAll(bytes, chunk) {
    const tap = (0, snapshot_meta_1.snapshotMetaTap)();
    for (let i = 0; i < bytes.length; i += chunk)
        tap.observe(bytes.subarray(i, i + chunk));
    return tap.result();
}
(0, node_test_1.describe)('snapshot meta tap', () => {
    (0, node_test_1.it)('reads Index and Term from meta.json, in whatever chunks the stream comes', async () => {
        const bytes = archive({ Version: 1, ID: 'bolt-snapshot', Index: 31, Term: 3 });
        for (const chunk of [1, 7, 512, 65536, bytes.length])
            strict_1.default.deepEqual(await tapAll(bytes, chunk), { index: 31, term: 3 }, `chunks of ${chunk}`);
    });
    (0, node_test_1.it)('says nothing for an archive whose first entry is not meta.json, or without the numbers', async () => {
        strict_1.default.equal(await tapAll(archive({ Index: 1, Term: 1 }, 'state.bin'), 4096), undefined);
        strict_1.default.equal(await tapAll(archive({ Index: '31', Term: 3 }), 4096), undefined);
    });
    (0, node_test_1.it)('says nothing, and throws nothing, for a stream that is not gzip or is cut short', async () => {
        strict_1.default.equal(await tapAll(Buffer.from('fake-raft-snapshot:vault-1'), 4), undefined);
        strict_1.default.equal(await tapAll(archive({ Index: 5, Term: 2 }).subarray(0, 20), 4), undefined);
        strict_1.default.equal(await (0, snapshot_meta_1.snapshotMetaTap)().result(), undefined);
    });
});
//# sourceMappingURL=snapshot-meta.test.js.map