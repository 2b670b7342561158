"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Scheduled health verification that heals, on the test bed: a Vault task killed with `docker kill`
 * comes back sealed and is unsealed without any manual step (Docker events -> VerifyVaultHealth); a
 * re-issued certificate is noticed, reloaded with SIGHUP and served; the schedule is idempotent, a
 * paused schedule runs nothing, trigger runs once, and a health run's history stays small.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const file_custody_1 = require("../../src/custody/file-custody");
const gateway_1 = require("../../src/docker/gateway");
const gateway_2 = require("../../src/vault/gateway");
const health_1 = require("../../src/shared/health");
const certs_1 = require("../support/certs");
const bootstrapped_1 = require("../support/bootstrapped");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}
(0, node_test_1.describe)('scheduled health verification that heals', () => {
    const run = new testbed_1.TestRun();
    const certs = new certs_1.TestCertificates(run.dir);
    // A long interval: the schedule fires only when a test says so.
    const extra = { VAULT_CERT_DIR: certs.dir, VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let client;
    let connection;
    (0, node_test_1.before)(async () => {
        ({ client, connection } = await (0, bootstrapped_1.bootstrapWithOwnCa)(run, certs, extra));
        const created = await run.client(['schedule', 'create'], extra);
        strict_1.default.equal(created.code, 0, created.out);
    });
    (0, node_test_1.after)(async () => {
        await run.client(['schedule', 'delete'], extra);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
        await connection.close();
    });
    /** A client for the node in `slot` as currently scheduled, or undefined while it has no running task. */
    async function nodeClient(slot) {
        const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(slot);
        if (!task || task.state !== 'running' || !task.address)
            return undefined;
        const ca = (0, node_fs_1.readFileSync)((0, node_path_1.join)(certs.dir, 'ca.pem'));
        const c = new gateway_2.VaultNodeClient(`vault-${slot}`, { host: task.address, port: 8200, serverName: `vault-${slot}` }, { mode: 'tunnel', host: '127.0.0.1', port: 18200 }, ca, { requestMs: 3000, initMs: 3000 });
        return { client: c, taskId: task.id };
    }
    (0, node_test_1.it)('unseals a killed and replaced Vault task without a manual step', async () => {
        const { workerToken: token } = await new file_custody_1.FileKeyCustody({
            dir: (0, node_path_1.join)(run.dir, 'custody'),
            keyFile: (0, node_path_1.join)(run.dir, 'custody.key'),
        }).read(run.stack);
        const killToUnsealed = [];
        const apiToUnsealed = [];
        for (const slot of [2, 3, 1]) {
            const before = await nodeClient(slot);
            strict_1.default.ok(before, `vault-${slot} runs`);
            const ctr = (await (0, testbed_1.dockerCli)(['ps', '-q', '-f', `name=${run.stack}_vault.${slot}.`])).trim();
            const killedAt = Date.now();
            await (0, testbed_1.dockerCli)(['kill', ctr]);
            let apiAt;
            let unsealedAt;
            const deadline = Date.now() + 240_000;
            while (!unsealedAt && Date.now() < deadline) {
                const now = await nodeClient(slot);
                if (now && now.taskId !== before.taskId) {
                    const s = await now.client.sealStatus().catch(() => undefined);
                    if (s && apiAt === undefined)
                        apiAt = Date.now();
                    if (s && !s.sealed)
                        unsealedAt = Date.now();
                }
                if (!unsealedAt)
                    await (0, wait_1.sleep)(200);
            }
            strict_1.default.ok(unsealedAt && apiAt, `vault-${slot} was unsealed by the health machinery`);
            killToUnsealed.push((unsealedAt - killedAt) / 1000);
            apiToUnsealed.push((unsealedAt - apiAt) / 1000);
            console.log(`vault-${slot}: kill -> sealed:false ${((unsealedAt - killedAt) / 1000).toFixed(1)}s, API first answering -> sealed:false ${((unsealedAt - apiAt) / 1000).toFixed(1)}s`);
            // Back in the Raft configuration as a voter, before the next kill.
            const leaderView = await nodeClient(slot);
            const servers = await leaderView.client.raftConfiguration(token);
            strict_1.default.ok(servers.some((s) => s.nodeId === `vault-${slot}` && s.voter), `vault-${slot} is a Raft voter again`);
            // Autopilot counts a restarted server healthy only after it has been stable a while: wait for it.
            const until = Date.now() + 120_000;
            while (!(await leaderView.client.autopilotState(token).catch(() => ({ healthy: false }))).healthy) {
                strict_1.default.ok(Date.now() < until, 'autopilot reports the cluster healthy again');
                await (0, wait_1.sleep)(1000);
            }
        }
        console.log(`medians over ${killToUnsealed.length} kills: kill -> sealed:false ${median(killToUnsealed).toFixed(1)}s, API -> sealed:false ${median(apiToUnsealed).toFixed(1)}s`);
    });
    (0, node_test_1.it)('re-joins a node that lost its Raft state, and never initializes it', async () => {
        const { workerToken: token } = await new file_custody_1.FileKeyCustody({
            dir: (0, node_path_1.join)(run.dir, 'custody'),
            keyFile: (0, node_path_1.join)(run.dir, 'custody.key'),
        }).read(run.stack);
        const before = await nodeClient(3);
        strict_1.default.ok(before);
        const ctr = (await (0, testbed_1.dockerCli)(['ps', '-q', '-f', `name=${run.stack}_vault.3.`])).trim();
        await (0, testbed_1.dockerCli)(['stop', '-t', '1', ctr]);
        const dataDir = (0, node_path_1.join)(run.bed.TESTBED_STACK_ROOT ?? '', run.stack, 'vault-3', 'data');
        (0, node_fs_1.rmSync)(dataDir, { recursive: true, force: true });
        (0, node_fs_1.mkdirSync)(dataDir);
        const until = Date.now() + 240_000;
        for (;;) {
            const now = await nodeClient(3);
            const s = now && now.taskId !== before.taskId
                ? await now.client.sealStatus().catch(() => undefined)
                : undefined;
            if (s && !s.sealed) {
                const servers = await now.client.raftConfiguration(token);
                if (servers.some((m) => m.nodeId === 'vault-3' && m.voter))
                    break;
            }
            strict_1.default.ok(Date.now() < until, 'vault-3 is back as an unsealed Raft voter');
            await (0, wait_1.sleep)(500);
        }
        const event = client.workflow.list({
            query: `WorkflowType='VerifyVaultHealth' AND WorkflowId STARTS_WITH 'vault-health-event-${run.stack}'`,
        });
        const actions = [];
        for await (const wf of event)
            actions.push(...(await client.workflow.getHandle(wf.workflowId, wf.runId).result())
                .actions);
        strict_1.default.ok(actions.some((a) => /^re-joined vault-3 to the Raft cluster of vault-\d$/.test(a)), actions.join('; '));
        strict_1.default.ok(!actions.some((a) => /initiali[sz]ed/.test(a)), 'no action initializes a node');
        // Let autopilot settle before the next test.
        const settle = Date.now() + 120_000;
        const leader = await nodeClient(1);
        while (!(await leader.client.autopilotState(token).catch(() => ({ healthy: false }))).healthy) {
            strict_1.default.ok(Date.now() < settle, 'autopilot healthy again');
            await (0, wait_1.sleep)(1000);
        }
    });
    (0, node_test_1.it)('notices a re-issued certificate, reloads it with SIGHUP and serves it', async () => {
        await certs.issueServer(2);
        const res = await run.client(['verify', '--json'], extra);
        strict_1.default.equal(res.code, 0, res.out);
        const report = JSON.parse(res.out.slice(res.out.indexOf('{')));
        const stale = (report.findingsBefore ?? [])
            .filter((f) => f.code === 'CertificateStale')
            .map((f) => f.node)
            .sort();
        strict_1.default.deepEqual(stale, ['vault-1', 'vault-2', 'vault-3']);
        strict_1.default.equal(report.actions.filter((a) => a.startsWith('reloaded the certificate')).length, 3, report.actions.join('\n'));
        strict_1.default.equal(report.verdict, 'Healthy');
        for (const n of report.nodes)
            strict_1.default.equal(n.servedFingerprint, report.certificate.diskFingerprint, `${n.name} serves the new certificate`);
    });
    (0, node_test_1.it)('keeps one schedule, runs nothing while paused, runs once on trigger, and each run stays small', async () => {
        const again = await run.client(['schedule', 'create'], extra);
        strict_1.default.equal(again.code, 0, again.out);
        strict_1.default.match(again.out, /updated/);
        const ids = [];
        for await (const s of client.schedule.list())
            if (s.scheduleId === (0, health_1.healthWorkflowIds)(run.stack).schedule)
                ids.push(s.scheduleId);
        strict_1.default.equal(ids.length, 1, 'create twice leaves one schedule');
        const handle = client.schedule.getHandle((0, health_1.healthWorkflowIds)(run.stack).schedule);
        strict_1.default.equal((await run.client(['schedule', 'pause'], extra)).code, 0);
        // A 2-second interval while paused: nothing may run.
        strict_1.default.equal((await run.client(['schedule', 'create'], { ...extra, VAULT_HEALTH_INTERVAL: '2s' })).code, 0);
        const taken = (await handle.describe()).info.numActionsTaken;
        await (0, wait_1.sleep)(7000);
        strict_1.default.equal((await handle.describe()).info.numActionsTaken, taken, 'a paused schedule runs nothing');
        strict_1.default.equal((await run.client(['schedule', 'trigger'], extra)).code, 0);
        let d = await handle.describe();
        for (let i = 0; i < 50 && d.info.numActionsTaken === taken; i++) {
            await (0, wait_1.sleep)(200);
            d = await handle.describe();
        }
        strict_1.default.equal(d.info.numActionsTaken, taken + 1, 'trigger runs exactly once');
        // Unpaused at 2 s: several runs; each run's history has the same small number of events.
        strict_1.default.equal((await run.client(['schedule', 'unpause'], extra)).code, 0);
        await (0, wait_1.sleep)(12_000);
        strict_1.default.equal((await run.client(['schedule', 'pause'], extra)).code, 0);
        d = await handle.describe();
        const counts = [];
        for (const a of d.info.recentActions) {
            const wf = client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId);
            const r = await wf.result();
            strict_1.default.equal(r.verdict, 'Healthy');
            counts.push((await (0, history_1.historyOf)(client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId)).length);
        }
        console.log(`health runs: ${counts.length}, history events per run: ${counts.join(', ')}`);
        strict_1.default.ok(counts.length >= 2, 'the schedule ran more than once when unpaused');
        strict_1.default.equal(Math.max(...counts), Math.min(...counts), 'no run grows with the age of the schedule');
    });
});
//# sourceMappingURL=06-health.test.js.map