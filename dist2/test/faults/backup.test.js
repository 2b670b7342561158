"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Backup faults on the test bed (issue 11), each with its named outcome and nothing lost:
 *
 * - the snapshot folder missing (the storage box not mounted), full (a small tmpfs: ENOSPC) and read-only
 *   (the tmpfs remounted `ro`): `BackupTargetMissing`, `BackupTargetFull`, `BackupTargetNotWritable`, the
 *   earlier snapshot intact and no partial file left;
 * - the worker killed mid-stream (paused after the first chunk, SIGKILL): the next worker's retry writes a
 *   whole snapshot, and the dead writer's partial file is removed by retention once it is abandoned;
 * - the active node killed between choosing it and reading the snapshot: the retry reads from the new one.
 *
 * The drill's faults (no snapshot, a corrupt one, a truncated one) are in e2e 15. Run with
 * `npm run test:faults` (or this file alone); it mounts tmpfs, so it needs root, as the bed does.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const node_util_1 = require("node:util");
const gateway_1 = require("../../src/docker/gateway");
const workflows_1 = require("../../src/workflows");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const fault_control_1 = require("./fault-control");
const exec = (0, node_util_1.promisify)(node_child_process_1.execFile);
(0, node_test_1.describe)('backup faults on the test bed', () => {
    const run = new testbed_1.TestRun();
    const backupRoot = (0, node_path_1.join)(run.dir, 'backups');
    const folder = (0, node_path_1.join)(backupRoot, run.stack);
    const extra = { VAULT_BACKUP_DIR: backupRoot };
    const temporal = (0, history_1.testbedTemporalClient)();
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let worker;
    let mounted = false;
    const entries = () => (0, node_fs_1.readdirSync)(folder).sort();
    const snapshots = () => entries().filter((f) => f.endsWith('.snap'));
    const partials = () => entries().filter((f) => f.includes('.partial-'));
    /** Every snapshot in the folder matches its manifest, byte for byte. */
    const assertIntact = () => {
        for (const snap of snapshots()) {
            const m = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, `${snap}.manifest.json`), 'utf8'));
            const bytes = (0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, snap));
            strict_1.default.equal(bytes.length, m.size, `${snap}: size`);
            strict_1.default.equal((0, node_crypto_1.createHash)('sha256').update(bytes).digest('hex'), m.sha256, `${snap}: sha256`);
        }
    };
    const backupNow = () => run.client(['backup', 'now', '--wait'], extra);
    /** Starts one BackupVault directly (its handle is what a pause point needs). */
    const startBackup = (name) => temporal().workflow.start(workflows_1.BackupVault, {
        taskQueue: run.taskQueue,
        workflowId: `${run.stack}-${name}`,
        args: [{ stack: run.stack }],
    });
    /** Replaces the worker: SIGKILL when `kill`, else a clean stop; the new one gets `env`. */
    const restartWorker = async (env, kill = false) => {
        if (kill) {
            worker.kill('SIGKILL');
            await new Promise((r) => worker.exitCode !== null || worker.signalCode !== null ? r(0) : worker.once('exit', r));
        }
        else
            await run.stopWorkers();
        worker = run.startWorker({ ...extra, ...env });
    };
    (0, node_test_1.before)(async () => {
        (0, node_fs_1.mkdirSync)(backupRoot, { recursive: true });
        worker = run.startWorker(extra);
        const boot = await run.client(['bootstrap', '--wait'], extra);
        strict_1.default.equal(boot.code, 0, boot.out);
    });
    (0, node_test_1.after)(async () => {
        if (mounted)
            await exec('umount', [folder]).catch(() => undefined);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('the folder missing: BackupTargetMissing, and the folder is not created', async () => {
        const res = await backupNow();
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /BackupTargetMissing: /);
        strict_1.default.equal((0, node_fs_1.existsSync)(folder), false, 'a missing storage mount is never filled in');
    });
    (0, node_test_1.it)('the folder full (ENOSPC): BackupTargetFull, the earlier snapshot intact, no partial file', async () => {
        (0, node_fs_1.mkdirSync)(folder);
        // Room for one snapshot of this small cluster (about 21 KB) and its manifest, not for two.
        await exec('mount', ['-t', 'tmpfs', '-o', 'size=40k,mode=0700', 'tmpfs', folder]);
        mounted = true;
        const first = await backupNow();
        strict_1.default.equal(first.code, 0, first.out);
        const before = entries();
        strict_1.default.equal(snapshots().length, 1, before.join(', '));
        const full = await backupNow();
        strict_1.default.equal(full.code, 1, full.out);
        strict_1.default.match(full.out, /BackupTargetFull: /);
        strict_1.default.deepEqual(entries(), before, 'the folder as it was: the earlier snapshot, no partial file');
        assertIntact();
    });
    (0, node_test_1.it)('the folder read-only: BackupTargetNotWritable, the earlier snapshot intact', async () => {
        const before = entries();
        await exec('mount', ['-o', 'remount,ro', folder]);
        const res = await backupNow();
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /BackupTargetNotWritable: /);
        strict_1.default.deepEqual(entries(), before);
        assertIntact();
        await exec('umount', [folder]);
        mounted = false;
    });
    (0, node_test_1.it)('the worker killed mid-stream: the retry writes a whole snapshot; the partial goes once abandoned', async () => {
        const pause = new fault_control_1.PausePoint(run, 'takeSnapshot:after-first-chunk');
        await restartWorker(pause.env);
        const handle = await startBackup('killed-mid-stream');
        await pause.reached(worker, handle);
        strict_1.default.equal(partials().length, 1, `the first chunk is in a partial file: ${entries().join(', ')}`);
        const [dead] = partials();
        await restartWorker({}, true);
        // The retry comes once the dead attempt's heartbeat times out (1 minute).
        const result = await handle.result();
        strict_1.default.ok(snapshots().includes(result.manifest.file), entries().join(', '));
        assertIntact();
        strict_1.default.deepEqual(partials(), [dead], 'the dead writer left its partial file, and only that');
        // Abandoned (untouched for over 10 minutes): the next backup's retention removes it.
        const old = new Date(Date.now() - 11 * 60_000);
        (0, node_fs_1.utimesSync)((0, node_path_1.join)(folder, dead), old, old);
        const next = await backupNow();
        strict_1.default.equal(next.code, 0, next.out);
        strict_1.default.deepEqual(partials(), []);
        assertIntact();
    });
    (0, node_test_1.it)('the active node killed before the snapshot is read: the retry reads it from the new active node', async () => {
        const pause = new fault_control_1.PausePoint(run, 'takeSnapshot:before-read');
        await restartWorker(pause.env);
        const handle = await startBackup('leader-killed');
        await pause.reached(worker, handle);
        const tasks = await gateway.currentTasks(`${run.stack}_vault`);
        let leader;
        for (const t of tasks.values()) {
            if (!t.address || !t.containerId)
                continue;
            const self = await run
                .vaultClient(`vault-${t.slot}`, t.address, `vault-${t.slot}`)
                .leader()
                .then((l) => l.isSelf)
                .catch(() => false);
            if (self)
                leader = { slot: t.slot, containerId: t.containerId };
        }
        strict_1.default.ok(leader, 'a node leads');
        await (0, testbed_1.dockerCli)(['kill', leader.containerId]);
        pause.release();
        const result = await handle.result();
        strict_1.default.ok(snapshots().includes(result.manifest.file), entries().join(', '));
        assertIntact();
        strict_1.default.deepEqual(partials(), []);
        console.log(`vault-${leader.slot} (the active node) killed before the read; ${result.manifest.file} written`);
    });
});
//# sourceMappingURL=backup.test.js.map