"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Production's shape on the three-node bed (`npm run testbed -- up --nodes 3`, brought up here if it is
 * not): the production `docker-stack-vault.yml` alone, one Vault task per node, the full worker on n1
 * and a node agent on n2 and n3. The seed's verification holds on every node; a Vault task killed on any
 * node is unsealed within seconds (that node's Docker events, through its agent); a re-issued certificate
 * is reloaded on every node by a SIGHUP on its own node; a node without its agent is reported and the
 * other nodes are still handled.
 *
 * One stack at a time on this bed: production's host names vault-1..3 on iklimco-net would resolve to
 * the tasks of every stack. `VBT_KILLS_PER_NODE` (default 1) repeats the kills for medians.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const certs_1 = require("../support/certs");
const multinode_1 = require("../support/multinode");
const seed_verify_1 = require("../support/seed-verify");
const wait_1 = require("../support/wait");
(0, node_test_1.describe)('three nodes: the production stack file, a worker per node, healing on every node', () => {
    let run;
    let certs;
    let extra;
    let nodeOfSlot = new Map();
    async function report(env = {}) {
        const res = await run.client(['verify', '--json'], { ...extra, ...env });
        strict_1.default.ok(res.code === 0 || res.code === 1, res.out);
        return JSON.parse(res.out.slice(res.out.indexOf('{')));
    }
    /** Reads (never fixes) until the cluster is Healthy: every node unsealed, a voter, autopilot healthy. */
    async function healthyAgain(what) {
        await (0, wait_1.eventually)(`${what}: the cluster Healthy again`, 180_000, async () => (await report({ VAULT_HEALTH_REMEDIATE: 'false' })).verdict === 'Healthy' ? true : undefined);
    }
    (0, node_test_1.before)(async () => {
        await (0, multinode_1.threeNodeBedUp)();
        run = new multinode_1.MultiNodeRun();
        certs = new certs_1.TestCertificates(run.dir);
        await certs.createCa();
        await certs.issueServer(1);
        // A long interval: only the events watcher and the tests' own checks run.
        extra = { VAULT_CERT_DIR: certs.dir, VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
        run.startWorker('n1', 'full', extra);
        run.startWorker('n2', 'node-agent');
        run.startWorker('n3', 'node-agent');
    });
    (0, node_test_1.after)(async () => {
        await run.client(['schedule', 'delete'], extra);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)("bootstraps from docker-stack-vault.yml alone, one task per node; the seed's verification holds on every node", async () => {
        const started = Date.now();
        const boot = await run.client(['bootstrap', '--wait'], extra);
        strict_1.default.equal(boot.code, 0, boot.out);
        console.log(`bootstrap on three nodes: ${((Date.now() - started) / 1000).toFixed(1)}s`);
        nodeOfSlot = await (0, multinode_1.slotNodes)(run.stack);
        strict_1.default.deepEqual([...nodeOfSlot.values()].sort(), [...multinode_1.NODE_NAMES], `one task per node: ${[...nodeOfSlot].join(' ')}`);
        for (const node of run.bed.nodes) {
            const v = await (0, seed_verify_1.seedVerification)(run.stack, run.custodyDir, run.custodyKeyFile, node.dockerHost);
            console.log(`--- the seed's verification, DOCKER_HOST=${node.dockerHost} (${node.hostName})\n` +
                `$ docker service ps ${run.stack}_vault\n${v.servicePs}` +
                `$ docker exec $(docker ps -q -f name=${run.stack}_vault | head -1) vault status\n${v.vaultStatus}` +
                `$ docker exec $(docker ps -q -f name=${run.stack}_vault | head -1) vault operator raft list-peers\n${v.listPeers}`);
            strict_1.default.equal(v.runningTasks, 3, v.servicePs);
            for (const host of run.bed.nodes.map((n) => n.hostName))
                strict_1.default.match(v.servicePs, new RegExp(`\\s${host}\\s`), `a task on ${host}`);
            strict_1.default.ok(v.sealedFalse, `vault status on ${node.name}:\n${v.vaultStatus}`);
            strict_1.default.equal(v.leaders, 1, v.listPeers);
            strict_1.default.equal(v.followers, 2, v.listPeers);
        }
    });
    (0, node_test_1.it)('a Vault task killed on any node is unsealed within seconds, through that node’s events', async () => {
        const created = await run.client(['schedule', 'create'], extra);
        strict_1.default.equal(created.code, 0, created.out);
        const rounds = Number(process.env.VBT_KILLS_PER_NODE ?? '1');
        const seconds = new Map(multinode_1.NODE_NAMES.map((n) => [n, []]));
        for (let round = 0; round < rounds; round++) {
            for (const node of multinode_1.NODE_NAMES) {
                const before = await (0, multinode_1.vaultOnNode)(run.stack, node);
                strict_1.default.ok(before && !before.sealed, `${node} runs an unsealed Vault task`);
                const killedAt = Date.now();
                await (0, multinode_1.nodeDocker)(node, ['kill', before.container]);
                const after = await (0, multinode_1.waitUnsealedOnNode)(run.stack, node, 180_000, before.container);
                const s = (Date.now() - killedAt) / 1000;
                seconds.get(node).push(s);
                console.log(`${node}${node === 'n1' ? ' (the worker’s node)' : ' (node agent)'}: kill vault-${after.slot} -> sealed:false ${s.toFixed(1)}s`);
                await healthyAgain(`after the kill on ${node}`);
            }
        }
        for (const [node, xs] of seconds)
            console.log(`${node}: median kill -> sealed:false over ${xs.length}: ${(0, multinode_1.median)(xs).toFixed(1)}s`);
    });
    (0, node_test_1.it)('a re-issued certificate is reloaded on every node, each by a SIGHUP on its own node', async () => {
        await certs.issueServer(2);
        const started = Date.now();
        const r = await report();
        const secs = (Date.now() - started) / 1000;
        strict_1.default.equal(r.verdict, 'Healthy', JSON.stringify(r, null, 2));
        strict_1.default.deepEqual((r.findingsBefore ?? []).map((f) => `${f.code} ${f.node}`).sort(), [
            'CertificateStale vault-1',
            'CertificateStale vault-2',
            'CertificateStale vault-3',
        ]);
        const reloads = r.actions.filter((a) => a.startsWith('reloaded the certificate of'));
        strict_1.default.equal(reloads.length, 3, r.actions.join('\n'));
        const swarmNodes = new Set(r.nodes.map((n) => n.swarmNodeId));
        strict_1.default.equal(swarmNodes.size, 3, 'three tasks on three swarm nodes');
        for (const n of r.nodes) {
            strict_1.default.equal(n.servedFingerprint, r.certificate.diskFingerprint, `${n.name} serves the new certificate`);
            strict_1.default.ok(reloads.some((a) => a.includes(`${n.name} (SIGHUP on swarm node ${n.swarmNodeId.slice(0, 12)})`)), `${n.name} reloaded on its own node: ${reloads.join(' | ')}`);
        }
        console.log(`stale certificate on all three nodes -> new fingerprint served by all: ${secs.toFixed(1)}s (one verify run)`);
    });
    (0, node_test_1.it)('a node without its agent: its reload is reported FAILED, the other nodes are still reloaded', async () => {
        nodeOfSlot = await (0, multinode_1.slotNodes)(run.stack);
        const [agentlessSlot] = [...nodeOfSlot].find(([, node]) => node === 'n3') ?? [];
        strict_1.default.ok(agentlessSlot, 'a task on n3');
        await run.stopWorker('n3');
        await certs.issueServer(3);
        const r = await report();
        strict_1.default.equal(r.actionFailures?.length, 1, JSON.stringify(r.actionFailures));
        strict_1.default.match(r.actionFailures?.[0] ?? '', new RegExp(`^vault-${agentlessSlot}: certificate reload on swarm node \\S+: timed out \\(SCHEDULE_TO_START timeout\\)`));
        strict_1.default.equal(r.actions.filter((a) => a.startsWith('reloaded the certificate of')).length, 2, r.actions.join('\n'));
        strict_1.default.deepEqual(r.findings.map((f) => `${f.code} ${f.node}`), [`CertificateStale vault-${agentlessSlot}`]);
        run.startWorker('n3', 'node-agent');
        const again = await report();
        strict_1.default.equal(again.verdict, 'Healthy', JSON.stringify(again, null, 2));
    });
});
//# sourceMappingURL=07-three-nodes.test.js.map