"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The worker stack under a node fault mid-bootstrap (issue 9), on the three-node bed: `init-infra-prod.sh`
 * runs; once the key is in custody (the unseal-key rotation has started), the node that runs the full worker
 * loses power. Swarm restarts the worker on another manager, which reads custody from the swarm's copy and
 * carries the bootstrap on; the lost node's Vault task cannot run elsewhere (one per node), so the bootstrap
 * waits for it, and the node comes back after a minute, as a rebooted host does. The bootstrap completes, no
 * step that had completed runs again, no workflow task fails, and the seed's verification holds.
 *
 * In `npm run test:faults` (about 5 minutes), not in `npm test`: 11-worker-stack there covers the loss of the
 * worker's node after a bootstrap.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const history_1 = require("../support/history");
const multinode_1 = require("../support/multinode");
const seed_verify_1 = require("../support/seed-verify");
const wait_1 = require("../support/wait");
const worker_stack_1 = require("../support/worker-stack");
/** How long the lost node stays down: long enough for Swarm to move the worker and the bootstrap to go on. */
const DOWN_MS = 60_000;
(0, node_test_1.describe)('the worker stack: the worker’s node lost mid-bootstrap', () => {
    let w;
    const client = (0, history_1.testbedTemporalClient)();
    (0, node_test_1.before)(async () => {
        await (0, multinode_1.threeNodeBedUp)();
        await (0, worker_stack_1.workerImageOnNodes)();
        w = new worker_stack_1.WorkerStackRun();
    });
    (0, node_test_1.after)(async () => {
        await w.cleanup();
        strict_1.default.deepEqual(await w.leftovers(), []);
    });
    (0, node_test_1.it)('the worker moves to another node, reads custody from the swarm, and the bootstrap completes once', async () => {
        const started = w.initInfraProd();
        const wfId = `vault-bootstrap-${w.stack}`;
        const runId = await (0, worker_stack_1.bootstrapAtStep)(client(), w.stack, 'rotateUnsealKeySecret');
        const before = (await w.workerTasks()).find((t) => t.service === 'worker');
        strict_1.default.ok(before, 'the full worker runs');
        const lost = multinode_1.NODE_NAMES.find((n) => `vbt-${n}` === before.node);
        const killedAt = Date.now();
        await multinode_1.nodeFaults.kill(lost);
        try {
            const moved = await (0, wait_1.eventually)('the full worker running on another node', 240_000, async () => {
                const t = (await w.workerTasks().catch(() => [])).find((x) => x.service === 'worker');
                return t && t.node !== before.node && /^Running/.test(t.state) ? t : undefined;
            });
            const movedMs = Date.now() - killedAt;
            console.log(`lost ${lost} (ran the worker): the worker runs on ${moved.node} ${(movedMs / 1000).toFixed(1)}s later`);
            const wait = DOWN_MS - (Date.now() - killedAt);
            if (wait > 0)
                await new Promise((r) => setTimeout(r, wait));
        }
        finally {
            await multinode_1.nodeFaults.start(lost);
        }
        const done = await started;
        strict_1.default.equal(done.code, 0, done.out);
        const closed = await client().workflow.getHandle(wfId, runId).describe();
        strict_1.default.equal(closed.status.name, 'COMPLETED');
        const verifiedMs = (closed.closeTime?.getTime() ?? 0) - killedAt;
        const steps = await (0, worker_stack_1.assertEachStepOnce)(client(), w.stack, runId);
        const custody = await w.custodyFromSwarm();
        const v = await (0, seed_verify_1.seedVerification)(w.stack, custody.dir, custody.keyFile, w.node('n1').dockerHost);
        strict_1.default.equal(v.runningTasks, 3, v.servicePs);
        strict_1.default.ok(v.sealedFalse, v.vaultStatus);
        strict_1.default.equal(v.leaders, 1, v.listPeers);
        strict_1.default.equal(v.followers, 2, v.listPeers);
        console.log(`node ${lost} down ${(DOWN_MS / 1000).toFixed(0)}s mid-bootstrap: verified ${(verifiedMs / 1000).toFixed(1)}s ` +
            `after the kill (init-infra-prod.sh ${(done.ms / 1000).toFixed(1)}s in all); steps (attempts): ` +
            steps.map((s) => `${s.type}(${s.attempts})`).join(' '));
        await (0, wait_1.eventually)('three ready managers', 180_000, async () => {
            const out = await (0, multinode_1.nodeDocker)('n1', ['node', 'ls', '--format', '{{.Status}}']).catch(() => '');
            return out.split('\n').filter((l) => l === 'Ready').length === 3 ? true : undefined;
        });
    });
});
//# sourceMappingURL=worker-stack.test.js.map