"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Disaster recovery on the test bed (issue 11): a bootstrapped stack with KV entries is backed up, then the
 * stack, its tasks and all its data folders are removed; `restore --snapshot FILE --wait` brings it back from
 * nothing, with every entry and the canary, the seed's verification passing, and the stack's hold released.
 * Refusals come first, by name and with nothing changed: a stack that still exists, and a snapshot whose
 * bytes do not match its manifest. KV entries: `E2E_RESTORE_KV_ENTRIES`, default 200 (the closing notes'
 * measurement uses 10,000).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const gateway_1 = require("../../src/docker/gateway");
const health_1 = require("../../src/shared/health");
const history_1 = require("../support/history");
const seed_verify_1 = require("../support/seed-verify");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
const KV_ENTRIES = Number(process.env.E2E_RESTORE_KV_ENTRIES ?? 200);
(0, node_test_1.describe)('disaster recovery on the test bed', () => {
    const run = new testbed_1.TestRun();
    const backupRoot = (0, node_path_1.join)(run.dir, 'backups');
    const folder = (0, node_path_1.join)(backupRoot, run.stack);
    const extra = { VAULT_BACKUP_DIR: backupRoot };
    const temporal = (0, history_1.testbedTemporalClient)();
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let snapshot = '';
    /** A client of vault-1 and a root token from break glass (the custody key, on the stack as it is now). */
    async function rootSession() {
        const issued = await run.client(['root-token', '--ttl', '10m'], extra);
        strict_1.default.equal(issued.code, 0, issued.out);
        const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
        strict_1.default.ok(task?.address, 'vault-1 runs');
        return { vault: run.vaultClient('vault-1', task.address), root: issued.stdout.trim() };
    }
    (0, node_test_1.before)(async () => {
        (0, node_fs_1.mkdirSync)(folder, { recursive: true });
        run.startWorker(extra);
        const boot = await run.client(['bootstrap', '--wait'], extra);
        strict_1.default.equal(boot.code, 0, boot.out);
        const { vault, root } = await rootSession();
        await vault.mountKv(root, 'e2e');
        for (let i = 0; i < KV_ENTRIES; i += 20)
            await Promise.all(Array.from({ length: Math.min(20, KV_ENTRIES - i) }, (_, j) => vault.writeKv(root, `e2e/entry-${i + j}`, { n: String(i + j) })));
        const backup = await run.client(['backup', 'now', '--wait'], extra);
        strict_1.default.equal(backup.code, 0, backup.out);
        snapshot = (0, node_fs_1.readdirSync)(folder).find((f) => f.endsWith('.snap'));
        console.log(`${KV_ENTRIES} entries written; ${backup.out.split('\n')[0]}`);
    });
    (0, node_test_1.after)(async () => {
        await temporal()
            .workflow.getHandle((0, health_1.holdWorkflowId)(run.stack))
            .terminate('test over')
            .catch(() => undefined);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('refuses a stack that still exists (StackNotEmpty), changing nothing', async () => {
        const res = await run.client(['restore', '--snapshot', snapshot, '--wait'], extra);
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /StackNotEmpty: service \S+_vault exists/);
        strict_1.default.match(res.out, /Nothing was changed\./);
    });
    (0, node_test_1.it)('refuses a snapshot whose bytes do not match its manifest (SnapshotCorrupt), changing nothing', async () => {
        // A copy under another name with its manifest, one byte changed: same size, another sha256.
        const copy = snapshot.replace(/-\d{8}T\d{6}Z\.snap$/, '-20000101T000000Z.snap');
        const bytes = (0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, snapshot));
        bytes[100] = (bytes[100] ?? 0) ^ 0xff;
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(folder, copy), bytes);
        const manifest = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(folder, `${snapshot}.manifest.json`), 'utf8'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(folder, `${copy}.manifest.json`), JSON.stringify({ ...manifest, file: copy }));
        const res = await run.client(['restore', '--snapshot', copy, '--wait'], extra);
        (0, node_fs_1.rmSync)((0, node_path_1.join)(folder, copy));
        (0, node_fs_1.rmSync)((0, node_path_1.join)(folder, `${copy}.manifest.json`));
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /SnapshotCorrupt: snapshot \S+ does not have the sha256 its manifest says/);
    });
    (0, node_test_1.it)('restore brings the stack back from nothing: every entry and the canary, seed verification, hold released', async () => {
        // The disaster: the stack, its tasks, and every data folder gone (the swarm and custody survive).
        await (0, testbed_1.dockerCli)(['stack', 'rm', run.stack]);
        await (0, wait_1.eventually)('the stack gone', 120_000, async () => (await run.docker.listContainers({
            all: true,
            filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
        })).length === 0
            ? true
            : undefined);
        (0, node_fs_1.rmSync)(run.stackDir, { recursive: true, force: true });
        const started = Date.now();
        const res = await run.client(['restore', '--snapshot', snapshot, '--wait'], extra);
        const seconds = (Date.now() - started) / 1000;
        strict_1.default.equal(res.code, 0, res.out);
        console.log(`restore of ${KV_ENTRIES} entries: ${seconds.toFixed(1)} s wall (client round trip)\n${res.out}`);
        strict_1.default.match(res.out, /restoreLeader: .*restored \S+ into vault-1/);
        strict_1.default.match(res.out, /checkRestored: vault-bootstrap\/canary = \S+: the data of \S+ is back/);
        const v = await (0, seed_verify_1.seedVerification)(run.stack, run.custodyDir, run.custodyKeyFile);
        strict_1.default.equal(v.runningTasks, 3, v.servicePs);
        strict_1.default.ok(v.sealedFalse, v.vaultStatus);
        strict_1.default.equal(v.leaders, 1, v.listPeers);
        strict_1.default.equal(v.followers, 2, v.listPeers);
        const { vault, root } = await rootSession();
        const read = Date.now();
        let missing = 0;
        for (let i = 0; i < KV_ENTRIES; i += 50) {
            const got = await Promise.all(Array.from({ length: Math.min(50, KV_ENTRIES - i) }, (_, j) => vault.readKv(root, `e2e/entry-${i + j}`)));
            got.forEach((g, j) => {
                if (g?.n !== String(i + j))
                    missing++;
            });
        }
        strict_1.default.equal(missing, 0, `${missing} of ${KV_ENTRIES} entries not back`);
        console.log(`all ${KV_ENTRIES} entries read back in ${((Date.now() - read) / 1000).toFixed(1)} s`);
        // The restore's hold was released, and the check that release ran found the stack healthy.
        const outcome = (await temporal().workflow.getHandle((0, health_1.holdWorkflowId)(run.stack)).result());
        strict_1.default.equal(outcome.health.verdict, 'Healthy', JSON.stringify(outcome.health.findings));
    });
});
//# sourceMappingURL=16-restore.test.js.map