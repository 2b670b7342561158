"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Node-level faults on the three-node bed (brought up here if it is not): each leaves the cluster
 * verified with nothing lost, and no operator step in between. A full worker on n1 (custody), node agents
 * on n2 and n3, the events watcher running, checks only read (`VAULT_HEALTH_REMEDIATE=false`) so that
 * what heals is the watcher and the scheduled machinery, not the test.
 *
 * - one node's Engine stopped: 2 of 3 tasks, quorum holds, `Degraded`; back: its task unsealed, a voter;
 * - the node of the active Vault task cut off from the others, then healed;
 * - all three Engines killed and started at once (power loss): every task back sealed, all unsealed;
 * - the worker's own node lost while a bootstrap runs: a full worker on another node (same custody
 *   folder: custody restored or shared, see README) finishes it once the node is back.
 *
 * Times are printed (time to verified) and the tally (double inits, keys lost, leaks) ends the file.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_test_1 = require("node:test");
const file_custody_1 = require("../../src/custody/file-custody");
const multinode_1 = require("../support/multinode");
const seed_verify_1 = require("../support/seed-verify");
const wait_1 = require("../support/wait");
const summary_1 = require("./summary");
const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };
async function report(run, remediate) {
    const res = await run.client(['verify', '--json'], {
        ...HEALTH,
        VAULT_HEALTH_REMEDIATE: String(remediate),
    });
    strict_1.default.ok(res.code === 0 || res.code === 1, res.out);
    return JSON.parse(res.out.slice(res.out.indexOf('{')));
}
/** Reads until Healthy (every node unsealed and a voter, one leader, autopilot healthy); returns seconds since `t0`. */
async function verified(run, what, t0, timeoutMs = 300_000) {
    await (0, wait_1.eventually)(`${what}: the cluster verified Healthy`, timeoutMs, async () => (await report(run, false)).verdict === 'Healthy' ? true : undefined);
    return (Date.now() - t0) / 1000;
}
/** One custody record that decrypts and is the key every node was unsealed with; counts what is wrong. */
async function nothingLost(run, what) {
    const custody = new file_custody_1.FileKeyCustody({ dir: run.custodyDir, keyFile: run.custodyKeyFile });
    const held = await custody.read(run.stack).catch(() => undefined);
    (0, summary_1.count)('keysLost', held ? 0 : 1, `${what}: the custody record of ${run.stack} cannot be read`);
    strict_1.default.ok(held, 'the custody record decrypts');
    const v = await (0, seed_verify_1.seedVerification)(run.stack, run.custodyDir, run.custodyKeyFile, run.node('n2').dockerHost);
    // One Raft cluster of three, one leader: had anything initialized a second cluster, a node would not list
    // the others (and the root token in custody would not read the peers).
    const doubleInit = v.leaders !== 1 || v.followers !== 2;
    (0, summary_1.count)('doubleInits', doubleInit ? 1 : 0, `${what}: list-peers\n${v.listPeers}`);
    strict_1.default.ok(!doubleInit, v.listPeers);
    const secrets = (await (0, multinode_1.nodeDocker)('n1', ['secret', 'ls', '--format', '{{.Name}}', '-f', `name=${run.secretBase}`]))
        .split('\n')
        .filter((l) => l !== '');
    (0, summary_1.count)('leaksFound', secrets.length === 1 ? 0 : 1, `${what}: secrets ${secrets.join(' ')}`);
    strict_1.default.deepEqual(secrets, [`${run.secretBase}_v1`]);
}
async function cleanupCounted(run) {
    await run.client(['schedule', 'delete'], HEALTH);
    await run.cleanup();
    const left = await run.leftovers();
    (0, summary_1.count)('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
    strict_1.default.deepEqual(left, []);
}
(0, node_test_1.describe)('node-level faults on the three-node bed', () => {
    (0, summary_1.summaryAfterAll)('node-level faults (three-node bed)');
    let run;
    (0, node_test_1.before)(async () => {
        await (0, multinode_1.threeNodeBedUp)();
        run = new multinode_1.MultiNodeRun();
        run.startWorker('n1', 'full', HEALTH);
        run.startWorker('n2', 'node-agent');
        run.startWorker('n3', 'node-agent');
        const boot = await run.client(['bootstrap', '--wait'], HEALTH);
        strict_1.default.equal(boot.code, 0, boot.out);
        const created = await run.client(['schedule', 'create'], HEALTH);
        strict_1.default.equal(created.code, 0, created.out);
    });
    (0, node_test_1.after)(async () => {
        // Whatever a case left down comes back before the clean-up (it needs every node to remove volumes).
        await multinode_1.nodeFaults.heal('n1').catch(() => undefined);
        for (const node of multinode_1.NODE_NAMES)
            await multinode_1.nodeFaults.start(node).catch(() => undefined);
        if (run)
            await cleanupCounted(run);
    });
    (0, node_test_1.it)("one node's Engine stopped: quorum holds (Degraded); back, its task is unsealed and a voter again", async () => {
        const node = 'n3';
        await multinode_1.nodeFaults.stop(node);
        (0, summary_1.count)('faultsInjected');
        try {
            const r = await report(run, true);
            console.log(`${node} stopped: ${r.verdict}; ${r.findings.map((f) => `${f.code} ${f.node ?? ''}`).join(', ')}`);
            strict_1.default.equal(r.verdict, 'Degraded', JSON.stringify(r.findings));
            strict_1.default.equal(r.service.running, 2);
            strict_1.default.ok(r.raft.servers.some((s) => s.leader), 'a leader: quorum holds');
        }
        finally {
            await multinode_1.nodeFaults.start(node);
        }
        const t0 = Date.now();
        const v = await (0, multinode_1.waitUnsealedOnNode)(run.stack, node, 240_000);
        const unsealed = (Date.now() - t0) / 1000;
        const secs = await verified(run, `${node} back`, t0);
        console.log(`${node} back: vault-${v.slot} sealed:false after ${unsealed.toFixed(1)}s, verified Healthy after ${secs.toFixed(1)}s`);
        await nothingLost(run, `${node} stopped`);
    });
    (0, node_test_1.it)('the node of the active Vault task cut off from the others, then healed', async () => {
        const r = await report(run, false);
        const leader = r.raft.servers.find((s) => s.leader)?.nodeId;
        const slot = Number(leader?.replace('vault-', ''));
        const node = (await (0, multinode_1.slotNodes)(run.stack)).get(slot);
        strict_1.default.ok(node, `the leader ${leader} runs on a node`);
        await multinode_1.nodeFaults.isolate(node);
        (0, summary_1.count)('faultsInjected');
        const others = multinode_1.NODE_NAMES.filter((n) => n !== node);
        try {
            // The two others elect a leader of their own: the majority side goes on.
            const t = Date.now();
            await (0, wait_1.eventually)('a new active node on the majority side', 120_000, async () => {
                for (const n of others) {
                    const v = await (0, multinode_1.vaultOnNode)(run.stack, n);
                    if (v && /^HA Mode\s+active$/m.test(v.text))
                        return true;
                }
                return undefined;
            });
            console.log(`${node} (leader ${leader}) isolated: the majority side has an active node after ${((Date.now() - t) / 1000).toFixed(1)}s`);
            await (0, wait_1.sleep)(5_000);
        }
        finally {
            await multinode_1.nodeFaults.heal(node);
        }
        const t0 = Date.now();
        const secs = await verified(run, `${node} healed`, t0);
        console.log(`${node} healed: verified Healthy after ${secs.toFixed(1)}s`);
        await nothingLost(run, `${node} isolated`);
    });
    (0, node_test_1.it)('all three Engines killed and started at once: every task back sealed, all unsealed without an operator', async () => {
        const t0 = Date.now();
        await multinode_1.nodeFaults.restartAll();
        (0, summary_1.count)('faultsInjected');
        const sealedSeen = [];
        for (const node of multinode_1.NODE_NAMES) {
            const v = await (0, multinode_1.waitUnsealedOnNode)(run.stack, node, 300_000);
            sealedSeen.push(`${node}: vault-${v.slot} sealed:false at ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        }
        const secs = await verified(run, 'after the power loss', t0);
        console.log(`power loss: ${sealedSeen.join('; ')}; verified Healthy after ${secs.toFixed(1)}s`);
        await nothingLost(run, 'power loss');
    });
    (0, node_test_1.it)("the worker's own node lost while a bootstrap runs: a worker on another node finishes it", async () => {
        // This bed holds one stack at a time: the shared stack goes first.
        await cleanupCounted(run);
        const second = new multinode_1.MultiNodeRun();
        run = second;
        run.startWorker('n1', 'full', HEALTH);
        run.startWorker('n2', 'node-agent');
        run.startWorker('n3', 'node-agent');
        const started = await run.client(['bootstrap'], HEALTH);
        strict_1.default.equal(started.code, 0, started.out);
        const custody = new file_custody_1.FileKeyCustody({ dir: run.custodyDir, keyFile: run.custodyKeyFile });
        // Vault is initialized and its key in custody: from here on, losing it would be losing the cluster.
        await (0, wait_1.eventually)('the key in custody', 240_000, () => custody.read(run.stack).then(() => true));
        const t0 = Date.now();
        await run.killWorker('n1');
        await multinode_1.nodeFaults.kill('n1');
        (0, summary_1.count)('faultsInjected');
        // Another host takes over with the custody folder (restored from backup, or shared): a full worker on n2.
        await run.stopWorker('n2');
        run.startWorker('n2', 'full', HEALTH);
        await (0, wait_1.sleep)(20_000);
        await multinode_1.nodeFaults.start('n1');
        run.startWorker('n1', 'node-agent');
        const done = await run.client(['bootstrap', '--wait'], HEALTH);
        strict_1.default.equal(done.code, 0, done.out);
        (0, summary_1.count)('runsCompleted');
        const secs = await verified(run, 'bootstrap after losing the worker’s node', t0);
        console.log(`worker's node n1 lost mid-bootstrap: done and verified Healthy ${secs.toFixed(1)}s after the loss`);
        const files = (0, node_fs_1.readdirSync)(run.custodyDir);
        const conflicts = files.filter((f) => f.includes('.conflict-'));
        (0, summary_1.count)('doubleInits', conflicts.length, `conflict records ${conflicts.join(' ')}`);
        strict_1.default.deepEqual(conflicts, []);
        await nothingLost(run, 'worker node lost');
    });
});
//# sourceMappingURL=nodes.test.js.map