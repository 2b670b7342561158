"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Backups on the test bed (issue 11): `backup now --wait` on a bootstrapped stack writes a real Raft snapshot
 * of the active node into the stack's folder, with a manifest whose size and sha256 match the file and which
 * names the custody record the snapshot needs; a restore drill restores it into a throwaway one-node stack,
 * unseals it with the key from custody, reads the canary back, and leaves nothing behind. KV entries are
 * written first (`E2E_BACKUP_KV_ENTRIES`, default 200; the closing notes' measurement uses 10,000).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const node_zlib_1 = require("node:zlib");
const client_1 = require("@temporalio/client");
const gateway_1 = require("../../src/docker/gateway");
const backup_1 = require("../../src/shared/backup");
const search_attributes_1 = require("../../src/shared/search-attributes");
const workflows_1 = require("../../src/workflows");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
const KV_ENTRIES = Number(process.env.E2E_BACKUP_KV_ENTRIES ?? 200);
(0, node_test_1.describe)('backups on the test bed', () => {
    const run = new testbed_1.TestRun();
    const backupRoot = (0, node_path_1.join)(run.dir, 'backups');
    const folder = (0, node_path_1.join)(backupRoot, run.stack);
    const extra = { VAULT_BACKUP_DIR: backupRoot };
    const temporal = (0, history_1.testbedTemporalClient)();
    const drill = (id) => temporal().workflow.execute(workflows_1.RestoreDrill, {
        taskQueue: run.taskQueue,
        workflowId: `${run.stack}-${id}`,
        args: [{ stack: run.stack }],
    });
    /**
     * What the throwaway stack left: its service, or a container. `removeDrillStack` returns once Swarm knows no
     * task of it (the container stopped, its tmpfs gone); Docker deletes the stopped container a moment later.
     */
    const drillLeftovers = async () => {
        const deadline = Date.now() + 60_000;
        let left = await drillObjects();
        while (left.length > 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 500));
            left = await drillObjects();
        }
        return left;
    };
    const drillObjects = async () => [
        ...(await run.docker.listServices({
            filters: { label: [`com.docker.stack.namespace=${(0, backup_1.drillStackName)(run.stack)}`] },
        })).map((s) => `service ${s.Spec?.Name}`),
        ...(await run.docker.listContainers({
            all: true,
            filters: { label: [`com.docker.stack.namespace=${(0, backup_1.drillStackName)(run.stack)}`] },
        })).map((c) => `container ${c.Id}`),
    ];
    /**
     * The newest snapshot in the folder: the one a drill restores. Retention keeps one per hour, so a run that
     * crosses an hour boundary has two (names sort by time).
     */
    const newestSnapshot = () => (0, node_fs_1.readdirSync)(folder)
        .filter((f) => f.endsWith('.snap'))
        .sort()
        .at(-1);
    (0, node_test_1.before)(async () => {
        (0, node_fs_1.mkdirSync)(folder, { recursive: true });
        run.startWorker(extra);
        const boot = await run.client(['bootstrap', '--wait'], extra);
        strict_1.default.equal(boot.code, 0, boot.out);
    });
    (0, node_test_1.after)(async () => {
        // The schedules outlive a test that failed half-way; the dev server outlives the run.
        await run.client(['backup', 'schedule', 'delete'], extra);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('a drill with no snapshot yet fails as NoSnapshot and deploys nothing', async () => {
        const err = await drill('drill-empty').then(() => strict_1.default.fail('the drill passed with no snapshot'), (e) => e);
        strict_1.default.ok(err instanceof client_1.WorkflowFailedError, String(err));
        strict_1.default.equal(err.cause?.cause?.type, 'NoSnapshot');
        strict_1.default.deepEqual(await drillLeftovers(), []);
        // Recorded for the health report all the same.
        const recorded = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, 'drill-last.json'), 'utf8'));
        strict_1.default.equal(recorded.ok, false);
        strict_1.default.match(recorded.error ?? '', /^NoSnapshot: /);
    });
    (0, node_test_1.it)(`backup now --wait after ${KV_ENTRIES} KV writes: a real snapshot of the active node, its manifest matching the file`, async () => {
        const issued = await run.client(['root-token', '--ttl', '10m'], extra);
        strict_1.default.equal(issued.code, 0, issued.out);
        const root = issued.stdout.trim();
        const task = (await new gateway_1.DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).get(1);
        strict_1.default.ok(task?.address, 'vault-1 runs');
        const vault = run.vaultClient('vault-1', task.address);
        await vault.mountKv(root, 'e2e');
        const wrote = Date.now();
        for (let i = 0; i < KV_ENTRIES; i += 20)
            await Promise.all(Array.from({ length: Math.min(20, KV_ENTRIES - i) }, (_, j) => vault.writeKv(root, `e2e/entry-${i + j}`, { n: String(i + j), pad: 'x'.repeat(64) })));
        console.log(`wrote ${KV_ENTRIES} KV entries in ${((Date.now() - wrote) / 1000).toFixed(1)} s`);
        const started = Date.now();
        const res = await run.client(['backup', 'now', '--wait'], extra);
        const seconds = (Date.now() - started) / 1000;
        strict_1.default.equal(res.code, 0, res.out);
        const files = (0, node_fs_1.readdirSync)(folder)
            .filter((f) => f.endsWith('.snap') || f.endsWith('.manifest.json'))
            .sort();
        strict_1.default.equal(files.length, 2, files.join(', '));
        const [snap, manifestFile] = files;
        const manifest = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, manifestFile), 'utf8'));
        const bytes = (0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, snap));
        strict_1.default.equal(manifest.file, snap);
        strict_1.default.equal(manifest.size, bytes.length);
        strict_1.default.equal(manifest.sha256, (0, node_crypto_1.createHash)('sha256').update(bytes).digest('hex'));
        strict_1.default.match(manifest.vaultVersion, /^\d+\.\d+\.\d+/);
        strict_1.default.equal(manifest.unsealKey.secretName, `${run.secretBase}_v1`);
        strict_1.default.deepEqual(manifest.canary, { path: 'vault-bootstrap/canary', value: snap });
        strict_1.default.ok((manifest.raftIndex ?? 0) > KV_ENTRIES, `Raft index ${manifest.raftIndex} counts the writes`);
        strict_1.default.ok((manifest.raftTerm ?? 0) >= 1, `Raft term ${manifest.raftTerm}`);
        // OpenBao's snapshot is a gzipped tar archive (meta.json, state.bin, SHA256SUMS).
        const tar = (0, node_zlib_1.gunzipSync)(bytes);
        strict_1.default.ok(tar.includes(Buffer.from('meta.json')), 'the archive holds meta.json');
        strict_1.default.ok(tar.includes(Buffer.from('state.bin')), 'the archive holds state.bin');
        console.log(`backup: ${manifest.size} bytes in ${seconds.toFixed(1)} s (client round trip)\n${res.out}`);
    });
    (0, node_test_1.it)('backup drill --wait restores the newest snapshot into a throwaway stack, reads the canary back, removes it; verify shows it', async () => {
        const started = Date.now();
        const res = await run.client(['backup', 'drill', '--wait'], extra);
        const wall = (Date.now() - started) / 1000;
        strict_1.default.equal(res.code, 0, res.out);
        const snap = newestSnapshot();
        strict_1.default.match(res.stdout, new RegExp(`${snap} restored into ${(0, backup_1.drillStackName)(run.stack)}`));
        strict_1.default.match(res.stdout, new RegExp(`canary +vault-bootstrap/canary read back "${snap}"`));
        strict_1.default.deepEqual(await drillLeftovers(), []);
        console.log(`drill: ${wall.toFixed(1)} s wall (client round trip)\n${res.out}`);
        // The outcome is in the run's search attribute and in the health report.
        const id = /workflows\/([^\s]+)/.exec(res.stdout)?.[1];
        strict_1.default.ok(id, res.stdout);
        const described = await temporal().workflow.getHandle(decodeURIComponent(id)).describe();
        strict_1.default.deepEqual(described.typedSearchAttributes.get(search_attributes_1.VAULT_RESTORE_DRILL), 'ok');
        const verify = await run.client(['verify'], extra);
        strict_1.default.equal(verify.code, 0, verify.out);
        strict_1.default.match(verify.stdout, new RegExp(`backup +newest ${snap} \\(\\d+ bytes\\), 1 kept`));
        strict_1.default.match(verify.stdout, new RegExp(`drill +restore drill OK at \\S+: ${snap} restored in [\\d.]+ s`));
    });
    (0, node_test_1.it)('backup schedule create, describe, trigger and delete: the schedules take a backup, and go', async () => {
        const snapshots = () => (0, node_fs_1.readdirSync)(folder).filter((f) => f.endsWith('.snap'));
        const before = snapshots();
        const created = await run.client(['backup', 'schedule', 'create'], extra);
        strict_1.default.equal(created.code, 0, created.out);
        const ids = (0, backup_1.backupWorkflowIds)(run.stack);
        strict_1.default.match(created.stdout, new RegExp(`${ids.backupSchedule}: created`));
        strict_1.default.match(created.stdout, new RegExp(`${ids.drillSchedule}: created`));
        const again = await run.client(['backup', 'schedule', 'create'], extra);
        strict_1.default.equal(again.code, 0, again.out);
        strict_1.default.match(again.stdout, new RegExp(`${ids.backupSchedule}: updated`));
        const triggered = await run.client(['backup', 'schedule', 'trigger'], extra);
        strict_1.default.equal(triggered.code, 0, triggered.out);
        // Retention keeps the newest of each hour, so the new snapshot may replace the one before: look for its name.
        const made = await (0, wait_1.eventually)('a snapshot from the triggered schedule', 60_000, () => Promise.resolve(snapshots().find((f) => !before.includes(f))));
        console.log(`the triggered schedule wrote ${made}; the folder holds ${snapshots().join(', ')}`);
        const described = await run.client(['backup', 'schedule', 'describe'], extra);
        strict_1.default.equal(described.code, 0, described.out);
        strict_1.default.match(described.stdout, new RegExp(`schedule ${ids.backupSchedule}: active`));
        strict_1.default.match(described.stdout, /runs so far 1/);
        const deleted = await run.client(['backup', 'schedule', 'delete'], extra);
        strict_1.default.equal(deleted.code, 0, deleted.out);
        const gone = await run.client(['backup', 'schedule', 'describe'], extra);
        strict_1.default.match(gone.stdout, new RegExp(`schedule ${ids.backupSchedule}: not created`));
        strict_1.default.match(gone.stdout, new RegExp(`schedule ${ids.drillSchedule}: not created`));
    });
    (0, node_test_1.it)('a drill of a snapshot whose bytes no longer match its manifest fails as SnapshotCorrupt and deploys nothing', async () => {
        const snap = newestSnapshot();
        const path = (0, node_path_1.join)(folder, snap);
        const bytes = (0, node_fs_1.readFileSync)(path);
        const middle = bytes.length >> 1;
        bytes[middle] = (bytes[middle] ?? 0) ^ 0xff; // same size, other bytes: only the sha256 tells
        (0, node_fs_1.writeFileSync)(path, bytes);
        const err = await drill('drill-corrupt').then(() => strict_1.default.fail('the drill passed on a corrupt snapshot'), (e) => e);
        strict_1.default.ok(err instanceof client_1.WorkflowFailedError, String(err));
        const cause = err.cause?.cause;
        strict_1.default.equal(cause?.type, 'SnapshotCorrupt', cause?.message);
        strict_1.default.match(cause?.message ?? '', /sha256/);
        strict_1.default.deepEqual((0, node_fs_1.readFileSync)(path), bytes, 'the snapshot was left as it was');
        strict_1.default.deepEqual(await drillLeftovers(), []);
    });
    (0, node_test_1.it)('a drill of a truncated snapshot fails as SnapshotCorrupt (its size) and deploys nothing', async () => {
        const snap = newestSnapshot();
        const path = (0, node_path_1.join)(folder, snap);
        const cut = (0, node_fs_1.readFileSync)(path).subarray(0, 1000);
        (0, node_fs_1.writeFileSync)(path, cut);
        const err = await drill('drill-truncated').then(() => strict_1.default.fail('the drill passed on a truncated snapshot'), (e) => e);
        strict_1.default.ok(err instanceof client_1.WorkflowFailedError, String(err));
        const cause = err.cause?.cause;
        strict_1.default.equal(cause?.type, 'SnapshotCorrupt', cause?.message);
        strict_1.default.match(cause?.message ?? '', /its size is not the \d+ bytes its manifest says/);
        strict_1.default.deepEqual((0, node_fs_1.readFileSync)(path), cut, 'the snapshot was left as it was');
        strict_1.default.deepEqual(await drillLeftovers(), []);
    });
});
//# sourceMappingURL=15-backup.test.js.map