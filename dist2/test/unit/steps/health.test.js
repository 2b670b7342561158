"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The health activities in memory: checkVaultHealth's findings and verdicts, remediateVaultHealth's safe
 * fixes (unseal, re-join, certificate reload), and the events watcher's wait for a task start.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const fakes_1 = require("../../support/fakes");
const certs_1 = require("../../support/certs");
const failures_1 = require("../../support/failures");
/** A certificate folder made with openssl (60 days), and the fingerprint of its server certificate. */
let certDir = '';
let diskFingerprint = '';
(0, node_test_1.before)(async () => {
    const certs = new certs_1.TestCertificates((0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-health-')));
    await certs.createCa();
    await certs.issueServer(1);
    certDir = certs.dir;
    diskFingerprint = new node_crypto_1.X509Certificate((0, node_fs_1.readFileSync)((0, node_path_1.join)(certDir, 'fullchain.pem'))).fingerprint256;
});
/** A bootstrapped cluster whose nodes serve the certificate on disk. */
async function healthy() {
    const w = (0, fakes_1.fakeWorld)({ certDir });
    w.vault.diskFingerprint = diskFingerprint;
    await w.bootstrapThrough('verifyCluster');
    return w;
}
/** As `healthy`, with a clock that moves only when the test says so. */
async function healthyOnManualClock() {
    const w = await healthy();
    w.clock.mode = 'manual';
    return w;
}
const codes = (r) => r.findings.map((f) => `${f.code}${f.node ? ` ${f.node}` : ''}`);
/** SIGHUP to the container `report` names for node `name`, by the node-local activity (run on `w`'s node). */
function sighup(w, report, name) {
    const row = report.nodes.find((n) => n.name === name);
    return w.run(w.acts.signalVaultContainer, {
        stack: w.stack,
        node: name,
        containerId: row?.containerId ?? '',
        signal: 'SIGHUP',
    });
}
(0, node_test_1.describe)('checkVaultHealth', () => {
    const input = { stack: 's1', settleSeconds: 5 };
    (0, node_test_1.it)('a healthy cluster: Healthy, no findings, the full picture', async () => {
        const w = await healthy();
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.equal(r.verdict, 'Healthy');
        strict_1.default.deepEqual(r.findings, []);
        strict_1.default.deepEqual(r.service, { desired: 3, running: 3 });
        strict_1.default.deepEqual(r.nodes.map((n) => [
            n.name,
            n.reachable,
            n.initialized,
            n.sealed,
            n.servedFingerprint === diskFingerprint,
        ]), [
            ['vault-1', true, true, false, true],
            ['vault-2', true, true, false, true],
            ['vault-3', true, true, false, true],
        ]);
        strict_1.default.deepEqual(r.raft.servers.filter((s) => s.leader).map((s) => s.nodeId), ['vault-1']);
        strict_1.default.equal(r.raft.autopilotHealthy, true);
        strict_1.default.equal(r.certificate.diskFingerprint, diskFingerprint);
        strict_1.default.ok(r.certificate.daysLeft >= 58 && r.certificate.daysLeft <= 60, String(r.certificate.daysLeft));
    });
    (0, node_test_1.it)('a certificate expiring within the warning: CertificateExpiring, Degraded', async () => {
        const w = await healthy();
        const r = await w.run(w.acts.checkVaultHealth, { ...input, certExpiryWarnDays: 90 });
        strict_1.default.deepEqual(codes(r), ['CertificateExpiring']);
        strict_1.default.equal(r.verdict, 'Degraded');
    });
    (0, node_test_1.it)('no service: ServiceMissing, Failed', async () => {
        const w = (0, fakes_1.fakeWorld)({ certDir });
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['ServiceMissing']);
        strict_1.default.equal(r.verdict, 'Failed');
    });
    (0, node_test_1.it)('one node sealed: NodeSealed, Degraded (the quorum holds)', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 3);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['NodeSealed vault-3']);
        strict_1.default.equal(r.verdict, 'Degraded');
    });
    (0, node_test_1.it)('two nodes sealed: no active node, RaftNoLeader, Failed', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        w.swarm.replaceTask(w.service, 3);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['NodeSealed vault-2', 'NodeSealed vault-3', 'RaftNoLeader']);
        strict_1.default.equal(r.verdict, 'Failed');
    });
    (0, node_test_1.it)('a node that lost its Raft state: NodeUninitialized and RaftMemberMissing', async () => {
        const w = await healthy();
        w.vault.wipe(2);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['NodeUninitialized vault-2', 'RaftMemberMissing vault-2']);
    });
    (0, node_test_1.it)('a sealed, initialized node not in the Raft configuration: NodeNotMember (not RaftMemberMissing)', async () => {
        const w = await healthy();
        w.vault.node(3).member = false; // a removed peer, or another cluster's data on its volume
        w.swarm.replaceTask(w.service, 3);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['NodeSealed vault-3', 'NodeNotMember vault-3']);
        strict_1.default.equal(r.verdict, 'Degraded');
    });
    (0, node_test_1.it)('a task missing after the settle time: TasksNotRunning, reported without it', async () => {
        const w = await healthy();
        w.swarm.dropTask(w.service, 3);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['TasksNotRunning']);
        strict_1.default.deepEqual(r.service, { desired: 3, running: 2 });
        strict_1.default.equal(r.nodes[2]?.reachable, false);
    });
    (0, node_test_1.it)('a task on a lost node, which Swarm cannot place elsewhere, does not hold the settle wait', async () => {
        const waited = async (arrange) => {
            const w = await healthy();
            arrange(w);
            const t0 = w.clock.now();
            const r = await w.run(w.acts.checkVaultHealth, input);
            return { ms: w.clock.now() - t0, r };
        };
        // A task that is just missing may come back: the check waits the whole settle time for it.
        const missing = await waited((w) => w.swarm.dropTask(w.service, 3));
        strict_1.default.ok(missing.ms >= 5000, `waited ${missing.ms} ms`);
        // Its node down, the replacement pending with Swarm's error: nothing to wait for.
        const lost = await waited((w) => {
            w.swarm.nodes[2].state = 'down';
            w.swarm.setTaskState(w.service, 3, 'pending', 'no suitable node (max replicas per node limit exceed)');
        });
        strict_1.default.ok(lost.ms < 5000, `waited ${lost.ms} ms`);
        strict_1.default.deepEqual(codes(lost.r), ['TasksNotRunning']);
        strict_1.default.equal(lost.r.nodes[2]?.reachable, false);
    });
    (0, node_test_1.it)('a node serving an older certificate: CertificateStale', async () => {
        const w = await healthy();
        w.vault.node(2).servedFingerprint = 'OLD:FI:NG:ER';
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['CertificateStale vault-2']);
    });
    (0, node_test_1.it)('autopilot unhealthy: AutopilotUnhealthy', async () => {
        const w = await healthy();
        w.vault.autopilotHealthy = false;
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['AutopilotUnhealthy']);
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable (the Raft configuration needs its token)', async () => {
        const w = await healthy();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.checkVaultHealth, input), (0, failures_1.namedFailure)('UnsealKeyUnavailable', /so the Raft configuration cannot be read/));
    });
});
(0, node_test_1.describe)('remediation, node by node (what VerifyVaultHealth routes)', () => {
    const input = { stack: 's1', settleSeconds: 5 };
    async function fixNode(w, name) {
        const report = await w.run(w.acts.checkVaultHealth, input);
        const actions = await w.run(w.acts.remediateNode, input, report, name);
        return { actions, after: await w.run(w.acts.checkVaultHealth, input) };
    }
    (0, node_test_1.it)('a sealed node: unsealed with the custody key', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        const { actions, after } = await fixNode(w, 'vault-2');
        strict_1.default.deepEqual(actions, ['unsealed vault-2']);
        strict_1.default.equal(after.verdict, 'Healthy');
    });
    (0, node_test_1.it)('a node that lost its Raft state: joined again to the leader, then unsealed (never initialized)', async () => {
        const w = await healthy();
        w.vault.wipe(3);
        const { actions, after } = await fixNode(w, 'vault-3');
        strict_1.default.deepEqual(actions, ['re-joined vault-3 to the Raft cluster of vault-1', 'unsealed vault-3']);
        strict_1.default.equal(w.vault.calls.init, 1);
        strict_1.default.equal(after.verdict, 'Healthy');
    });
    (0, node_test_1.it)('a sealed node not in our Raft configuration: reported, never unsealed with our key or joined', async () => {
        const w = await healthy();
        w.vault.node(3).member = false; // a removed peer, or another cluster's data on its volume
        w.swarm.replaceTask(w.service, 3);
        const before = { unseal: w.vault.calls.unseal.length, join: w.vault.calls.join.length };
        const report = await w.run(w.acts.checkVaultHealth, input);
        w.custody.lose(w.stack); // not even custody is read for it
        strict_1.default.deepEqual(await w.run(w.acts.remediateNode, input, report, 'vault-3'), []);
        strict_1.default.deepEqual(w.vault.calls.unseal.slice(before.unseal), [], 'our key was not sent to it');
        strict_1.default.deepEqual(w.vault.calls.join.slice(before.join), []);
        strict_1.default.equal(w.vault.node(3).sealed, true);
    });
    (0, node_test_1.it)('the same node in a report from before NodeNotMember (RaftMemberMissing): still never unsealed', async () => {
        const w = await healthy();
        w.vault.node(3).member = false;
        w.swarm.replaceTask(w.service, 3);
        const report = await w.run(w.acts.checkVaultHealth, input);
        // What a check by an older worker reported for it, in a run still open when this worker took over.
        const old = {
            ...report,
            findings: report.findings.map((f) => f.code === 'NodeNotMember' ? { ...f, code: 'RaftMemberMissing' } : f),
        };
        const before = w.vault.calls.unseal.length;
        strict_1.default.deepEqual(await w.run(w.acts.remediateNode, input, old, 'vault-3'), []);
        strict_1.default.deepEqual(await w.run(w.acts.remediateVaultHealth, input, old), []);
        strict_1.default.deepEqual(w.vault.calls.unseal.slice(before), []);
    });
    (0, node_test_1.it)('a wiped node re-joined by an attempt that then failed: the retry, same report, unseals it', async () => {
        const w = await healthy();
        w.vault.wipe(3);
        const report = await w.run(w.acts.checkVaultHealth, input);
        // The first attempt joined vault-3 (now initialized, sealed, not yet in the Raft configuration) and died.
        Object.assign(w.vault.node(3), { initialized: true, joinPending: true });
        const actions = await w.run(w.acts.remediateNode, input, report, 'vault-3');
        strict_1.default.deepEqual(actions, ['unsealed vault-3']);
        strict_1.default.equal((await w.run(w.acts.checkVaultHealth, input)).verdict, 'Healthy');
    });
    (0, node_test_1.it)('a restarted task before its first healthcheck (Swarm: starting) is checked and unsealed at once', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        w.swarm.awaitHealthcheck(w.service, 2);
        const report = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(report.findings.map((f) => `${f.code} ${f.node}`), ['NodeSealed vault-2']);
        strict_1.default.deepEqual(await w.run(w.acts.remediateNode, input, report, 'vault-2'), ['unsealed vault-2']);
    });
    (0, node_test_1.it)('only the named node: another sealed node is left for its own call', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        w.swarm.replaceTask(w.service, 3);
        const { actions, after } = await fixNode(w, 'vault-3');
        strict_1.default.deepEqual(actions, ['unsealed vault-3']);
        strict_1.default.deepEqual(after.findings.map((f) => `${f.code} ${f.node}`), ['NodeSealed vault-2']);
    });
    (0, node_test_1.it)('findings it may not act on: does nothing, reads no custody', async () => {
        const w = await healthy();
        w.vault.autopilotHealthy = false;
        const report = await w.run(w.acts.checkVaultHealth, input);
        w.custody.lose(w.stack);
        for (const name of ['vault-1', 'vault-2', 'vault-3'])
            strict_1.default.deepEqual(await w.run(w.acts.remediateNode, input, report, name), []);
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable, nothing touched', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        const report = await w.run(w.acts.checkVaultHealth, input);
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.remediateNode, input, report, 'vault-2'), (0, failures_1.namedFailure)('UnsealKeyUnavailable'));
        strict_1.default.equal(w.vault.node(2).sealed, true);
    });
    (0, node_test_1.it)('a stale certificate: SIGHUP on the node that runs the task, then the new one is served', async () => {
        const w = await healthy();
        w.vault.node(2).servedFingerprint = 'OLD:FI:NG:ER';
        const report = await w.run(w.acts.checkVaultHealth, input);
        const row = report.nodes.find((n) => n.name === 'vault-2');
        strict_1.default.equal(row?.swarmNodeId, 'node-2', 'the report says which node runs the task');
        w.swarm.localNode = 'node-2'; // the worker (or node agent) of that node
        strict_1.default.deepEqual(await sighup(w, report, 'vault-2'), { nodeId: 'node-2' });
        const served = await w.run(w.acts.waitForServedCertificate, input, 'vault-2');
        strict_1.default.equal(served, report.certificate.diskFingerprint);
        strict_1.default.equal((await w.run(w.acts.checkVaultHealth, input)).verdict, 'Healthy');
    });
    (0, node_test_1.it)('a container on another node: ContainerNotOnNode, nothing signalled (signals are node-local)', async () => {
        const w = await healthy();
        const report = await w.run(w.acts.checkVaultHealth, input);
        await strict_1.default.rejects(sighup(w, report, 'vault-3'), (0, failures_1.namedFailure)('ContainerNotOnNode', /vault-3 .* is not on swarm node node-1; nothing was signalled/));
        strict_1.default.deepEqual(w.swarm.signals, []);
    });
    (0, node_test_1.it)('remediateVaultHealth (runs started before node routing): every node, SIGHUP through its own Engine', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        w.vault.node(1).servedFingerprint = 'OLD:FI:NG:ER';
        const report = await w.run(w.acts.checkVaultHealth, input);
        const actions = await w.run(w.acts.remediateVaultHealth, input, report);
        strict_1.default.equal(actions.length, 2);
        strict_1.default.match(actions[0] ?? '', /^reloaded the certificate of vault-1 \(SIGHUP\); it now serves /);
        strict_1.default.equal(actions[1], 'unsealed vault-2');
        strict_1.default.equal((await w.run(w.acts.checkVaultHealth, input)).verdict, 'Healthy');
    });
});
(0, node_test_1.describe)('waitForVaultTaskStart', () => {
    (0, node_test_1.it)('a Vault task starts: returns at once with its container', async () => {
        const w = await healthyOnManualClock();
        const started = w.run(w.acts.waitForVaultTaskStart, { stack: 's1', maxWaitSeconds: 3600 });
        await (0, failures_1.tick)();
        const task = w.swarm.replaceTask(w.service, 2);
        strict_1.default.deepEqual(await started, {
            started: true,
            container: task.containerId?.slice(0, 12),
            nodeId: 'node-1',
        });
    });
    (0, node_test_1.it)('nothing starts within the wait: returns not started', async () => {
        const w = await healthyOnManualClock();
        const started = w.run(w.acts.waitForVaultTaskStart, { stack: 's1', maxWaitSeconds: 3600 });
        await (0, failures_1.tick)();
        w.clock.advance(3_600_000);
        strict_1.default.deepEqual(await started, { started: false, nodeId: 'node-1' });
    });
    (0, node_test_1.it)('cancelled: ends with a CancelledFailure', async () => {
        const w = await healthyOnManualClock();
        const env = (0, fakes_1.activityEnv)();
        const started = w.runIn(env, w.acts.waitForVaultTaskStart, { stack: 's1', maxWaitSeconds: 3600 });
        await (0, failures_1.tick)();
        env.cancel();
        await strict_1.default.rejects(started, (err) => err instanceof common_1.CancelledFailure);
    });
});
(0, node_test_1.describe)('an operator hold, and what the activities report and count', () => {
    const input = { stack: 's1', settleSeconds: 5 };
    const HOLD = { reason: 'disk swap on node 2', since: '2026-11-30T12:00:00.000Z', by: 'ana' };
    (0, node_test_1.it)('held: a sealed node is SealedWhileHeld (not remediable), the report carries the hold', async () => {
        const w = await healthy();
        w.holds.held.set('s1', HOLD);
        w.swarm.replaceTask(w.service, 2);
        const r = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(r), ['SealedWhileHeld vault-2']);
        strict_1.default.match(r.findings[0]?.detail ?? '', /left sealed/);
        strict_1.default.deepEqual(r.hold, HOLD);
        strict_1.default.equal(r.verdict, 'Degraded');
        w.holds.held.delete('s1');
        const after = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.deepEqual(codes(after), ['NodeSealed vault-2']);
        strict_1.default.equal(after.hold, undefined);
    });
    (0, node_test_1.it)('a hold put on after the check: remediateNode and the SIGHUP refuse with StackHeld, nothing done', async () => {
        const w = await healthy();
        w.swarm.replaceTask(w.service, 2);
        w.vault.node(3).servedFingerprint = 'OLD:FI:NG:ER';
        const report = await w.run(w.acts.checkVaultHealth, input);
        w.holds.held.set('s1', HOLD);
        await strict_1.default.rejects(w.run(w.acts.remediateNode, input, report, 'vault-2'), (0, failures_1.namedFailure)('StackHeld', /held since .* by ana \(disk swap on node 2\): vault-2 was not unsealed/));
        strict_1.default.equal(w.vault.node(2).sealed, true);
        w.swarm.localNode = 'node-3';
        await strict_1.default.rejects(sighup(w, report, 'vault-3'), (0, failures_1.namedFailure)('StackHeld'));
        strict_1.default.deepEqual(w.swarm.signals, []);
        strict_1.default.deepEqual(w.metrics.actions, []);
        strict_1.default.deepEqual(await w.run(w.acts.readStackHold, { stack: 's1' }), HOLD);
    });
    (0, node_test_1.it)('every check is recorded for the metrics, with the failure tolerance; every automatic action is counted', async () => {
        const w = await healthy();
        const first = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.equal(first.raft.failureTolerance, 1);
        w.swarm.replaceTask(w.service, 2);
        w.vault.node(3).servedFingerprint = 'OLD:FI:NG:ER';
        const report = await w.run(w.acts.checkVaultHealth, input);
        strict_1.default.equal(report.raft.failureTolerance, 0, 'two of three voters unsealed');
        strict_1.default.deepEqual(w.metrics.reports, [first, report]);
        await w.run(w.acts.remediateNode, input, report, 'vault-2');
        w.swarm.localNode = 'node-3';
        await sighup(w, report, 'vault-3');
        strict_1.default.deepEqual(w.metrics.actions, [
            { stack: 's1', action: 'unseal' },
            { stack: 's1', action: 'sighup' },
        ]);
    });
});
//# sourceMappingURL=health.test.js.map