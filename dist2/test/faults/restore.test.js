"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Disaster recovery with the worker killed mid-restore (issue 11): the stack is removed with its data
 * folders, `RestoreVault` starts, and the worker is SIGKILLed once the leader holds the throwaway init (its
 * scratch custody record written: the moment a lost key would cost the most). A new worker resumes the same
 * run; the restore completes with one init of the leader, every entry and the canary back, and the hold
 * released. Run with `npm run test:faults` (or this file alone).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const backup_1 = require("../../src/shared/backup");
const health_1 = require("../../src/shared/health");
const gateway_1 = require("../../src/docker/gateway");
const history_1 = require("../support/history");
const seed_verify_1 = require("../support/seed-verify");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
const ENTRIES = 100;
(0, node_test_1.describe)('disaster recovery with the worker killed mid-restore', () => {
    const run = new testbed_1.TestRun();
    const backupRoot = (0, node_path_1.join)(run.dir, 'backups');
    const folder = (0, node_path_1.join)(backupRoot, run.stack);
    const extra = { VAULT_BACKUP_DIR: backupRoot };
    const temporal = (0, history_1.testbedTemporalClient)();
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let worker;
    let snapshot = '';
    async function rootVault() {
        const issued = await run.client(['root-token', '--ttl', '10m'], extra);
        strict_1.default.equal(issued.code, 0, issued.out);
        const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
        strict_1.default.ok(task?.address, 'vault-1 runs');
        return { vault: run.vaultClient('vault-1', task.address), root: issued.stdout.trim() };
    }
    (0, node_test_1.before)(async () => {
        (0, node_fs_1.mkdirSync)(folder, { recursive: true });
        worker = run.startWorker(extra);
        const boot = await run.client(['bootstrap', '--wait'], extra);
        strict_1.default.equal(boot.code, 0, boot.out);
        const { vault, root } = await rootVault();
        await vault.mountKv(root, 'e2e');
        for (let i = 0; i < ENTRIES; i++)
            await vault.writeKv(root, `e2e/entry-${i}`, { n: String(i) });
        const backup = await run.client(['backup', 'now', '--wait'], extra);
        strict_1.default.equal(backup.code, 0, backup.out);
        snapshot = (0, node_fs_1.readdirSync)(folder).find((f) => f.endsWith('.snap'));
    });
    (0, node_test_1.after)(async () => {
        await temporal()
            .workflow.getHandle((0, health_1.holdWorkflowId)(run.stack))
            .terminate('test over')
            .catch(() => undefined);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('SIGKILL once the throwaway init is in custody: a new worker resumes, one init, everything back', async () => {
        await (0, testbed_1.dockerCli)(['stack', 'rm', run.stack]);
        await (0, wait_1.eventually)('the stack gone', 120_000, async () => (await run.docker.listContainers({
            all: true,
            filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
        })).length === 0
            ? true
            : undefined);
        (0, node_fs_1.rmSync)(run.stackDir, { recursive: true, force: true });
        const started = await run.client(['restore', '--snapshot', snapshot], extra);
        strict_1.default.equal(started.code, 0, started.out);
        // The scratch record: `<stack>.restore-<run>.json` in the custody folder.
        const scratch = () => (0, node_fs_1.readdirSync)(run.custodyDir).find((f) => f.startsWith(`${run.stack}.restore-`));
        await (0, wait_1.eventually)('the throwaway init in custody', 180_000, () => Promise.resolve(scratch()));
        worker.kill('SIGKILL');
        const killedAt = Date.now();
        await new Promise((r) => worker.exitCode !== null || worker.signalCode !== null ? r(0) : worker.once('exit', r));
        worker = run.startWorker(extra);
        const res = await run.client(['restore', '--snapshot', snapshot, '--wait'], extra);
        strict_1.default.equal(res.code, 0, res.out);
        console.log(`killed with ${scratch()} in custody; restored ${((Date.now() - killedAt) / 1000).toFixed(1)} s later\n${res.out}`);
        strict_1.default.ok((0, node_fs_1.existsSync)((0, node_path_1.join)(run.custodyDir, `${run.stack}.json`)), 'the stack custody record is still there');
        // One throwaway init: one scratch record, and no second answer kept beside it as a conflict.
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(run.custodyDir).filter((f) => f.includes('.restore-') || f.includes('.conflict-')), [scratch()]);
        // One run, every activity completed once (the killed attempt's retry aside), one throwaway init.
        const handle = temporal().workflow.getHandle((0, backup_1.restoreWorkflowId)(run.stack));
        const desc = await handle.describe();
        const events = await (0, history_1.historyOf)(temporal(), (0, backup_1.restoreWorkflowId)(run.stack), desc.runId);
        for (const [type, c] of (0, history_1.activityCounts)(events))
            strict_1.default.equal(c.completed, 1, `${type}: ${JSON.stringify(c)}`);
        strict_1.default.match(res.out, /restoreLeader: /);
        const v = await (0, seed_verify_1.seedVerification)(run.stack, run.custodyDir, run.custodyKeyFile);
        strict_1.default.ok(v.sealedFalse, v.vaultStatus);
        strict_1.default.equal(v.leaders, 1, v.listPeers);
        strict_1.default.equal(v.followers, 2, v.listPeers);
        const { vault, root } = await rootVault();
        for (let i = 0; i < ENTRIES; i++)
            strict_1.default.equal((await vault.readKv(root, `e2e/entry-${i}`))?.n, String(i), `entry ${i}`);
    });
});
//# sourceMappingURL=restore.test.js.map