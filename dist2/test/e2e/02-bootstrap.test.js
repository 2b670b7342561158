"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * BootstrapVault end to end on the test bed: real Docker Swarm, real OpenBao, the real Temporal dev
 * server, the worker as its own process and the `vault-bootstrap` client as operators run it.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const testing_1 = require("@temporalio/testing");
const common_1 = require("@temporalio/common");
const activities_1 = require("../../src/activities");
const config_1 = require("../../src/config");
const file_custody_1 = require("../../src/custody/file-custody");
const constants_1 = require("../../src/shared/constants");
const wiring_1 = require("../../src/wiring");
const history_1 = require("../support/history");
const seed_verify_1 = require("../support/seed-verify");
const snapshot_1 = require("../support/snapshot");
const testbed_1 = require("../support/testbed");
function stepDurations(events) {
    return (0, history_1.activitiesOf)(events)
        .filter((a) => a.completedAt !== undefined)
        .map((a) => `${a.type}=${(((a.completedAt ?? 0) - a.scheduledAt) / 1000).toFixed(1)}s`)
        .join(' ');
}
(0, node_test_1.describe)('BootstrapVault end to end', () => {
    const run = new testbed_1.TestRun();
    const custodyDir = (0, node_path_1.join)(run.dir, 'custody');
    const keyFile = (0, node_path_1.join)(run.dir, 'custody.key');
    const workflowId = (0, constants_1.bootstrapWorkflowId)(run.stack);
    let client;
    let connection;
    const runIds = [];
    (0, node_test_1.before)(async () => {
        ({ client, connection } = await (0, history_1.temporalClient)(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
        run.startWorker();
    });
    (0, node_test_1.after)(async () => {
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), [], 'the stack leaves nothing behind');
        await connection.close();
    });
    (0, node_test_1.it)('bootstraps from an empty swarm, and the seed verification holds', async () => {
        const started = Date.now();
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 0, res.out);
        console.log(`cold bootstrap through the client: ${((Date.now() - started) / 1000).toFixed(1)}s`);
        strict_1.default.match(res.out, /is bootstrapped and verified/);
        const v = await (0, seed_verify_1.seedVerification)(run.stack, custodyDir, keyFile);
        strict_1.default.equal(v.runningTasks, 3, v.servicePs);
        strict_1.default.ok(v.sealedFalse, v.vaultStatus);
        strict_1.default.equal(v.leaders, 1, v.listPeers);
        strict_1.default.equal(v.followers, 2, v.listPeers);
        const desc = await client.workflow.getHandle(workflowId).describe();
        runIds.push(desc.runId);
        const events = await (0, history_1.historyOf)(client, workflowId, desc.runId);
        console.log(`step durations (history): ${stepDurations(events)}`);
        for (const [type, c] of (0, history_1.activityCounts)(events))
            strict_1.default.deepEqual(c, { scheduled: 1, completed: 1 }, type);
        strict_1.default.equal(desc.searchAttributes.VaultBootstrapStep?.[0], 'done');
        // One node and no peer joined at the rotation: every task restarted at once, then the stack's update_config
        // (one at a time, stop-first) came back, with no label of the bootstrap's left on the service.
        const rotate = (0, history_1.activitiesOf)(events).find((a) => a.type === 'rotateUnsealKeySecret');
        strict_1.default.match(JSON.stringify(rotate?.result), /all tasks at once \(one node, no peer joined yet\)/);
        const spec = JSON.parse(await (0, testbed_1.dockerCli)(['service', 'inspect', '--format', '{{json .Spec}}', `${run.stack}_vault`]));
        strict_1.default.deepEqual({ parallelism: spec.UpdateConfig?.Parallelism, order: spec.UpdateConfig?.Order }, { parallelism: 1, order: 'stop-first' });
        strict_1.default.deepEqual(Object.keys(spec.Labels ?? {}).filter((k) => k.startsWith('io.iklimco.vault-bootstrap.')), []);
    });
    (0, node_test_1.it)('runs again on the bootstrapped cluster and changes nothing', async () => {
        const before = await (0, snapshot_1.snapshot)(run, custodyDir);
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 0, res.out);
        const desc = await client.workflow.getHandle(workflowId).describe();
        strict_1.default.notEqual(desc.runId, runIds[0], 'a new run of the same workflow id');
        runIds.push(desc.runId);
        const result = (await client.workflow.getHandle(workflowId, desc.runId).result());
        const summary = Object.fromEntries(result.steps.map((s) => [s.step, s.summary]));
        strict_1.default.match(summary.initLeader ?? '', /already initialized/);
        strict_1.default.match(summary.rotateUnsealKeySecret ?? '', /already on .*_v1$/);
        strict_1.default.match(summary.unsealPeers ?? '', /already unsealed/);
        strict_1.default.deepEqual(await (0, snapshot_1.snapshot)(run, custodyDir), before, 'no new secret version, no init, no task restart');
    });
    (0, node_test_1.it)('keeps the unseal key and root token out of every history and the worker log', async () => {
        const held = await new file_custody_1.FileKeyCustody({ dir: custodyDir, keyFile }).read(run.stack);
        // The bootstrap's last step revoked the root token and dropped it from custody: the worker's token is there.
        strict_1.default.equal(held.rootToken, undefined, 'no root token left in custody');
        strict_1.default.ok(held.workerToken, 'custody holds the worker token');
        const log = (0, node_fs_1.readFileSync)(run.workerLog, 'utf8');
        strict_1.default.ok(log.length > 0);
        for (const runId of runIds) {
            const text = (0, history_1.historyText)(await (0, history_1.historyOf)(client, workflowId, runId));
            for (const secret of [held.unsealKey, held.workerToken]) {
                for (const form of (0, history_1.secretForms)(secret)) {
                    strict_1.default.ok(!text.includes(form), `history of run ${runId} holds key material`);
                    strict_1.default.ok(!log.includes(form), 'worker log holds key material');
                }
            }
        }
    });
    (0, node_test_1.it)('refuses by name, touching nothing, when Vault is initialized and custody has no key', async () => {
        await run.stopWorkers();
        const emptyCustody = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-empty-custody-'));
        run.startWorker({
            VAULT_BOOTSTRAP_CUSTODY_DIR: (0, node_path_1.join)(emptyCustody, 'c'),
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: (0, node_path_1.join)(emptyCustody, 'k'),
        });
        const before = await (0, snapshot_1.snapshot)(run, custodyDir);
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /UnsealKeyUnavailable: vault-1 of .* is already initialized, but custody holds no key .* Nothing was changed/);
        strict_1.default.deepEqual(await (0, snapshot_1.snapshot)(run, custodyDir), before);
        await run.stopWorkers();
    });
    (0, node_test_1.it)('refuses by name, touching nothing, when custody holds another key', async () => {
        const otherBase = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-other-custody-'));
        const other = { dir: (0, node_path_1.join)(otherBase, 'c'), keyFile: (0, node_path_1.join)(otherBase, 'k') };
        await new file_custody_1.FileKeyCustody(other).store(run.stack, {
            unsealKey: Buffer.alloc(32, 1).toString('base64'),
            rootToken: 's.not-the-token',
        });
        run.startWorker({
            VAULT_BOOTSTRAP_CUSTODY_DIR: other.dir,
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: other.keyFile,
        });
        const before = await (0, snapshot_1.snapshot)(run, custodyDir);
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, /CustodyKeyMismatch: .* Nothing was changed/);
        strict_1.default.deepEqual(await (0, snapshot_1.snapshot)(run, custodyDir), before);
        await run.stopWorkers();
        // The same wrong key against a sealed leader: Vault itself rejects it, and the leader stays sealed.
        const ctr = (await (0, testbed_1.dockerCli)(['ps', '-q', '-f', `name=${run.stack}_vault.1.`])).trim();
        await (0, testbed_1.dockerCli)(['kill', ctr]);
        const acts = (0, activities_1.createActivities)((0, wiring_1.buildActivityDeps)((0, config_1.loadWorkerConfig)(run.env({
            VAULT_BOOTSTRAP_CUSTODY_DIR: other.dir,
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: other.keyFile,
        }))));
        const mock = new testing_1.MockActivityEnvironment();
        await strict_1.default.rejects(mock.run(acts.unsealLeader, { stack: run.stack }), (err) => {
            strict_1.default.ok(err instanceof common_1.ApplicationFailure, String(err));
            strict_1.default.equal(err.type, 'UnsealKeyRejected');
            strict_1.default.equal(err.nonRetryable, true);
            return true;
        });
        // With the right custody the same workflow heals the restarted, sealed leader.
        run.startWorker();
        const healed = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(healed.code, 0, healed.out);
        strict_1.default.match(healed.out, /unsealLeader\s+done\s+unsealed vault-1/);
    });
});
//# sourceMappingURL=02-bootstrap.test.js.map