"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** The snapshot folder: streamed, counted, renamed into place with its manifest; failures named, nothing lost. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const node_crypto_1 = require("node:crypto");
const snapshot_store_1 = require("../../src/backup/snapshot-store");
const META = {
    stack: 's1',
    vaultVersion: '2.7.2',
    unsealKey: { custodyKeyId: 'key-0001', secretName: 's1_vault_unseal_key_v1', secretVersion: 1 },
};
function* chunks(...parts) {
    for (const p of parts)
        yield Buffer.from(p);
}
function* failingAfter(part, code) {
    yield Buffer.from(part);
    throw Object.assign(new Error(`${code}: simulated`), { code });
}
function store() {
    return new snapshot_store_1.SnapshotStore((0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-snapshots-')));
}
function meta(at) {
    return { ...META, file: snapshot_store_1.SnapshotStore.fileName('s1', new Date(at)), takenAt: at };
}
(0, node_test_1.describe)('SnapshotStore', () => {
    (0, node_test_1.it)('writes a snapshot and its manifest (size, sha256), lists it good, verifies it and removes both', async () => {
        const s = store();
        const m = await s.write(chunks('raft-', 'snapshot'), meta('2026-11-30T12:00:00.000Z'));
        strict_1.default.equal(m.file, 's1-20261130T120000Z.snap');
        strict_1.default.equal(m.size, 'raft-snapshot'.length);
        strict_1.default.equal(m.sha256, (0, node_crypto_1.createHash)('sha256').update('raft-snapshot').digest('hex'));
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(s.dir).sort(), [
            's1-20261130T120000Z.snap',
            's1-20261130T120000Z.snap.manifest.json',
        ]);
        const [listed] = await s.list();
        strict_1.default.deepEqual(listed, { manifest: m, good: true });
        strict_1.default.equal(await s.verify(m), true);
        await s.remove(m.file);
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(s.dir), []);
    });
    (0, node_test_1.it)('a truncated or altered file is not good (size) or fails verify (sha256)', async () => {
        const s = store();
        const m = await s.write(chunks('raft-snapshot'), meta('2026-11-30T12:00:00.000Z'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(s.dir, m.file), 'raft-snap');
        strict_1.default.equal((await s.list())[0]?.good, false);
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(s.dir, m.file), 'RAFT-SNAPSHOT');
        strict_1.default.equal((await s.list())[0]?.good, true, 'same size');
        strict_1.default.equal(await s.verify(m), false);
    });
    (0, node_test_1.it)('a snapshot file without its manifest (a crash between the two) is listed, never good', async () => {
        const s = store();
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(s.dir, 's1-20261130T110000Z.snap'), 'orphan');
        const [orphan] = await s.list();
        strict_1.default.equal(orphan?.good, false);
        strict_1.default.equal(orphan?.manifest.takenAt, '2026-11-30T11:00:00.000Z');
    });
    (0, node_test_1.it)('the folder full mid-stream: BackupTargetFull, the partial file removed, the earlier snapshot intact', async () => {
        const s = store();
        const first = await s.write(chunks('first'), meta('2026-11-30T11:00:00.000Z'));
        await strict_1.default.rejects(s.write(failingAfter('sec', 'ENOSPC'), meta('2026-11-30T12:00:00.000Z')), (err) => {
            strict_1.default.equal(err.type, 'BackupTargetFull');
            strict_1.default.match(err.message, /is full \(ENOSPC\).*partial file was removed; earlier snapshots are untouched/);
            return true;
        });
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(s.dir).sort(), [first.file, `${first.file}.manifest.json`]);
        strict_1.default.equal(await s.verify(first), true);
    });
    (0, node_test_1.it)('the folder missing (storage not mounted): BackupTargetMissing, for writing and for listing', async () => {
        const s = new snapshot_store_1.SnapshotStore((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-no-such-folder', 's1'));
        await strict_1.default.rejects(s.write(chunks('x'), meta('2026-11-30T12:00:00.000Z')), {
            type: 'BackupTargetMissing',
        });
        await strict_1.default.rejects(s.list(), { type: 'BackupTargetMissing' });
    });
    (0, node_test_1.it)('removes the partial files a dead writer left once untouched long enough, never a snapshot or a fresh one', async () => {
        const s = store();
        await s.write(chunks('kept'), meta('2026-11-30T12:00:00.000Z'));
        const dead = '.s1-20261130T110000Z.snap.partial-0b1f3c2e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';
        const live = '.s1-20261130T130000Z.snap.partial-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(s.dir, dead), 'half');
        (0, node_fs_1.utimesSync)((0, node_path_1.join)(s.dir, dead), new Date('2026-11-30T11:00:00Z'), new Date('2026-11-30T11:00:00Z'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(s.dir, live), 'growing');
        const removed = await s.removePartialsOlderThan(Date.now() - 10 * 60_000);
        strict_1.default.deepEqual(removed, [dead]);
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(s.dir).sort(), [
            live,
            's1-20261130T120000Z.snap',
            's1-20261130T120000Z.snap.manifest.json',
        ]);
    });
});
//# sourceMappingURL=backup-store.test.js.map