"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseMetaFromTarHead = parseMetaFromTarHead;
exports.snapshotMetaTap = snapshotMetaTap;
/**
 * The Raft index and term a snapshot was taken at, read from the `meta.json` at the head of the gzipped tar
 * archive Vault (and OpenBao) stream from `sys/storage/raft/snapshot`, while the snapshot passes: nothing is
 * read twice and nothing big is held. A snapshot in another format leaves them unknown; it never fails a
 * backup.
 */
const node_zlib_1 = require("node:zlib");
const BLOCK = 512;
/** `meta.json` is a few hundred bytes; more than this at the archive's head means it is not there. */
const HEAD_LIMIT = 64 * 1024;
/** Parses the tar archive's head: the first entry, when it is `meta.json` and complete. */
function parseMetaFromTarHead(head) {
    if (head.length < BLOCK)
        return 'incomplete';
    const name = head.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (name !== 'meta.json')
        return undefined;
    const size = parseInt(head.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
    if (!Number.isFinite(size) || size > HEAD_LIMIT)
        return undefined;
    if (head.length < BLOCK + size)
        return 'incomplete';
    try {
        const meta = JSON.parse(head.subarray(BLOCK, BLOCK + size).toString('utf8'));
        return typeof meta.Index === 'number' && typeof meta.Term === 'number'
            ? { index: meta.Index, term: meta.Term }
            : undefined;
    }
    catch {
        return undefined;
    }
}
/**
 * A tap on a snapshot stream: `observe` each chunk as it passes, then `result()` says what `meta.json` held
 * (undefined when the stream was not such an archive). Stops decompressing once it knows.
 */
function snapshotMetaTap() {
    const gunzip = (0, node_zlib_1.createGunzip)();
    const head = [];
    let headBytes = 0;
    let settled = 'pending';
    let resolveResult = () => undefined;
    const done = new Promise((r) => (resolveResult = r));
    const settle = (m) => {
        if (settled !== 'pending')
            return;
        settled = m;
        resolveResult(m);
        gunzip.removeAllListeners('data');
        gunzip.on('error', () => undefined);
        gunzip.destroy();
    };
    gunzip.on('data', (c) => {
        head.push(c);
        headBytes += c.length;
        const parsed = parseMetaFromTarHead(Buffer.concat(head));
        if (parsed !== 'incomplete')
            settle(parsed);
        else if (headBytes > HEAD_LIMIT + BLOCK)
            settle(undefined);
    });
    gunzip.on('error', () => settle(undefined));
    gunzip.on('end', () => settle(undefined));
    return {
        observe(chunk) {
            if (settled === 'pending')
                gunzip.write(chunk);
        },
        result() {
            if (settled === 'pending')
                gunzip.end();
            return done;
        },
    };
}
//# sourceMappingURL=snapshot-meta.js.map