"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The backup activities in memory: a snapshot read from the active node into the stack's folder with a
 * manifest naming its key, and retention applied to the folder as it is.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const snapshot_store_1 = require("../../../src/backup/snapshot-store");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
async function bootstrapped() {
    const w = (0, fakes_1.fakeWorld)();
    await w.bootstrapThrough('revokeRootToken');
    return w;
}
/** Bootstrapped, and ready for backups as `BackupVault`'s first step leaves it. */
async function backupReady() {
    const w = await bootstrapped();
    await w.run(w.acts.ensureBackupAccess, w.input);
    return w;
}
const folder = (w) => (0, node_path_1.join)(w.deps.config.backup.dir, w.stack);
(0, node_test_1.describe)('takeSnapshot', () => {
    (0, node_test_1.it)('streams the active node’s snapshot into the stack’s folder; the manifest names the key it needs', async () => {
        const w = await backupReady();
        const m = await w.run(w.acts.takeSnapshot, w.input);
        strict_1.default.equal(m.stack, 's1');
        strict_1.default.match(m.file, /^s1-\d{8}T\d{6}Z\.snap$/);
        strict_1.default.equal(m.unsealKey.custodyKeyId, (await w.custody.read('s1')).keyId);
        strict_1.default.equal(m.unsealKey.secretName, 's1_vault_unseal_key_v1');
        strict_1.default.equal(m.unsealKey.secretVersion, 1);
        strict_1.default.deepEqual(m.canary, { path: 'vault-bootstrap/canary', value: m.file });
        strict_1.default.deepEqual(w.vault.kv.get('vault-bootstrap/canary'), {
            snapshot: m.file,
            takenAt: m.takenAt,
            stack: 's1',
        });
        const store = new snapshot_store_1.SnapshotStore(folder(w));
        const [listed] = await store.list();
        strict_1.default.deepEqual(listed, { manifest: m, good: true });
        strict_1.default.equal(await store.verify(m), true);
    });
    (0, node_test_1.it)('every node sealed: retried (no node answers unsealed), nothing written', async () => {
        const w = await backupReady();
        for (const slot of [1, 2, 3])
            w.swarm.replaceTask(w.service, slot);
        await strict_1.default.rejects(w.run(w.acts.takeSnapshot, w.input), /no unsealed node of s1_vault answers/);
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(folder(w)), []);
    });
    (0, node_test_1.it)('no custody record: UnsealKeyUnavailable, nothing read or written', async () => {
        const w = await backupReady();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.takeSnapshot, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable'));
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(folder(w)), []);
    });
});
(0, node_test_1.describe)('pruneSnapshots', () => {
    (0, node_test_1.it)('keeps what retention keeps and removes the rest, from the folder as it is', async () => {
        const w = await backupReady();
        w.deps.config.backup.keep = { hourly: 2, daily: 0, weekly: 0 };
        w.clock.mode = 'manual';
        const taken = [];
        for (let i = 0; i < 4; i++) {
            taken.push((await w.run(w.acts.takeSnapshot, w.input)).file);
            w.clock.advance(3_600_000);
        }
        const result = await w.run(w.acts.pruneSnapshots, w.input);
        strict_1.default.deepEqual(result.kept.map((k) => k.file), [taken[3], taken[2]]);
        strict_1.default.deepEqual(result.pruned, [taken[1], taken[0]]);
        strict_1.default.equal((0, node_fs_1.readdirSync)(folder(w)).length, 4, 'two snapshots, each with its manifest');
    });
});
(0, node_test_1.describe)('ensureBackupAccess', () => {
    (0, node_test_1.it)('a new cluster: mounts the canary once (a root token made and revoked); then nothing to do', async () => {
        const w = await bootstrapped();
        const roots = w.vault.rootTokens().length;
        const first = await w.run(w.acts.ensureBackupAccess, w.input);
        strict_1.default.deepEqual(first, {
            changed: true,
            summary: 'mounted a KV engine at vault-bootstrap/ for the backup canary',
        });
        strict_1.default.equal(w.vault.rootTokens().length, roots, 'the generated root token is revoked');
        strict_1.default.equal((await w.run(w.acts.ensureBackupAccess, w.input)).changed, false, 'once is enough');
    });
    (0, node_test_1.it)('a cluster bootstrapped before backups: its policy is rewritten and the canary mounted, then snapshots work', async () => {
        const w = await bootstrapped();
        // The policy as the previous version wrote it: nothing for backups.
        const current = w.vault.policies.get('vault-bootstrap-worker') ?? '';
        w.vault.policies.set('vault-bootstrap-worker', current.replace(/^path "(sys\/storage\/raft\/snapshot|sys\/capabilities-self|sys\/mounts\/vault-bootstrap|vault-bootstrap\/canary)".*\n/gm, ''));
        await strict_1.default.rejects(w.run(w.acts.takeSnapshot, w.input), /HTTP 403/);
        const roots = w.vault.rootTokens().length;
        const outcome = await w.run(w.acts.ensureBackupAccess, w.input);
        strict_1.default.equal(outcome.summary, "rewrote the worker's policy (snapshots, vault-bootstrap/canary); mounted a KV engine at vault-bootstrap/ for the backup canary");
        strict_1.default.equal(w.vault.rootTokens().length, roots, 'the generated root token is revoked');
        strict_1.default.equal((await w.run(w.acts.takeSnapshot, w.input)).stack, 's1');
        strict_1.default.equal((await w.run(w.acts.ensureBackupAccess, w.input)).changed, false);
    });
});
//# sourceMappingURL=backup.test.js.map