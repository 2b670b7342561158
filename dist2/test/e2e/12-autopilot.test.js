"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Autopilot as BootstrapVault configures it, on the test bed (docs/performance.md, "Autopilot"): a first
 * bootstrap forms the cluster with a short stabilization and ends on the decided settings (dead-server clean-up
 * with min_quorum 3 after 10 minutes, 10 s stabilization); settings changed by hand are put back by the next
 * run. The clean-up itself: a fourth server that joined and then went away is pruned after the threshold (set
 * to Vault's shortest, 1 minute, for the test), and a standby gone as long once only three voters are left is
 * not (min_quorum).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const gateway_1 = require("../../src/docker/gateway");
const constants_1 = require("../../src/shared/constants");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
(0, node_test_1.describe)('autopilot as the bootstrap configures it', () => {
    const run = new testbed_1.TestRun();
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let client;
    let connection;
    async function leader() {
        return (0, wait_1.eventually)('an active node', 60_000, async () => {
            for (const task of (await gateway.currentTasks(`${run.stack}_vault`)).values()) {
                if (!task.address)
                    continue;
                const c = run.vaultClient(`vault-${task.slot}`, task.address, 'vault-1');
                // A sealed node (slot 4 before its unseal) answers 503: not the leader, ask the next one.
                if ((await c.leader().catch(() => undefined))?.isSelf)
                    return { client: c, address: task.address };
            }
            return undefined;
        });
    }
    /**
     * Kills the container of `slot`'s task. Swarm starts another after the restart delay, but nobody unseals
     * it, and a sealed server takes no part in Raft: to the cluster, the server is gone.
     */
    async function killSlot(slot) {
        const target = await run.slotContainer(slot);
        strict_1.default.ok(target, `a running container for slot ${slot}`);
        await run.docker.getContainer(target).kill();
    }
    /** The summary of `step` in the latest bootstrap run. */
    async function stepSummary(step) {
        const id = (0, constants_1.bootstrapWorkflowId)(run.stack);
        const { runId } = await client.workflow.getHandle(id).describe();
        const done = (0, history_1.activitiesOf)(await (0, history_1.historyOf)(client, id, runId)).find((a) => a.type === step);
        return done?.result?.summary ?? '';
    }
    (0, node_test_1.before)(async () => {
        ({ client, connection } = await (0, history_1.temporalClient)(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
        run.startWorker();
    });
    (0, node_test_1.after)(async () => {
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
        await connection.close();
    });
    (0, node_test_1.it)('a first bootstrap puts the decided settings in place', async () => {
        const boot = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(boot.code, 0, boot.out);
        strict_1.default.equal(await stepSummary('joinPeers'), `joined vault-2, vault-3; autopilot configured (stabilization ${constants_1.FORMING_STABILIZATION_TIME} while the cluster forms)`);
        strict_1.default.equal(await stepSummary('unsealPeers'), 'unsealed vault-2, vault-3; autopilot stabilization back to 10s');
        const { workerToken } = await run.custody().read(run.stack);
        strict_1.default.deepEqual(await (await leader()).client.autopilotConfiguration(workerToken), constants_1.AUTOPILOT_CONFIG);
    });
    (0, node_test_1.it)('settings changed by hand on the formed cluster: the next bootstrap run puts the decided ones back', async () => {
        const { workerToken } = await run.custody().read(run.stack);
        const active = await leader();
        await active.client.setAutopilotConfiguration(workerToken, {
            ...constants_1.AUTOPILOT_CONFIG,
            deadServerLastContactThreshold: '60s',
            serverStabilizationTime: '30s',
        });
        const again = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(again.code, 0, again.out);
        strict_1.default.equal(await stepSummary('joinPeers'), 'peers already joined; autopilot configured');
        strict_1.default.equal(await stepSummary('unsealPeers'), 'peers already unsealed');
        strict_1.default.deepEqual(await active.client.autopilotConfiguration(workerToken), constants_1.AUTOPILOT_CONFIG);
        const servers = await active.client.raftConfiguration(workerToken);
        strict_1.default.deepEqual(servers.map((s) => ({ id: s.nodeId, voter: s.voter })).sort((a, b) => a.id.localeCompare(b.id)), [1, 2, 3].map((n) => ({ id: `vault-${n}`, voter: true })));
    });
    (0, node_test_1.it)('a server that is gone is pruned once it has been out of contact for the threshold, leaving three voters', async () => {
        // A fourth server under an id outside the three slots, as a node replaced outside the slot scheme
        // would join: the stack's own service scaled to four, so slot 4 is `vault-4` with its own folder.
        const service = `${run.stack}_vault`;
        const slotDir = (0, node_path_1.join)(run.stackDir, 'vault-4');
        for (const sub of ['data', 'logs'])
            (0, node_fs_1.mkdirSync)((0, node_path_1.join)(slotDir, sub), { recursive: true });
        await (0, testbed_1.dockerCli)([
            'service',
            'update',
            '--detach',
            '--replicas-max-per-node',
            '4',
            '--replicas',
            '4',
            service,
        ]);
        const fourth = await (0, wait_1.eventually)('slot 4 answering', 120_000, async () => {
            const task = (await gateway.currentTasks(service)).get(4);
            if (!task?.address)
                return undefined;
            const c = run.vaultClient('vault-4', task.address, 'vault-1');
            return (await c.sealStatus()).initialized ? undefined : c;
        });
        const { workerToken, unsealKey } = await run.custody().read(run.stack);
        const active = await leader();
        strict_1.default.equal(await fourth.raftJoin(`https://${active.address}:8200`, 'vault-1'), true);
        await (0, wait_1.eventually)('vault-4 to take the join', 60_000, async () => (await fourth.sealStatus()).initialized ? true : undefined);
        await fourth.unseal(unsealKey);
        const voters = (servers) => servers
            .filter((s) => s.voter)
            .map((s) => s.nodeId)
            .sort();
        await (0, wait_1.eventually)('vault-4 promoted to voter', 120_000, async () => voters(await active.client.raftConfiguration(workerToken)).includes('vault-4') ? true : undefined);
        // The shortest threshold Vault takes, so the test waits a minute, not ten.
        await active.client.setAutopilotConfiguration(workerToken, {
            ...constants_1.AUTOPILOT_CONFIG,
            deadServerLastContactThreshold: '1m',
        });
        const gone = Date.now();
        await killSlot(4);
        const left = await (0, wait_1.eventually)('vault-4 pruned from the Raft configuration', 240_000, async () => {
            const servers = await active.client.raftConfiguration(workerToken);
            return servers.some((s) => s.nodeId === 'vault-4') ? undefined : servers;
        });
        console.log(`vault-4 pruned ${((Date.now() - gone) / 1000).toFixed(1)} s after it was killed`);
        strict_1.default.deepEqual(voters(left), ['vault-1', 'vault-2', 'vault-3']);
        strict_1.default.equal(left.length, 3);
        // Three voters left, min_quorum 3: a standby gone as long is not pruned, the quorum stays three.
        const tasks = await gateway.currentTasks(service);
        const standby = [2, 3].find((slot) => tasks.get(slot)?.address !== active.address);
        await killSlot(standby);
        await (0, wait_1.sleep)(90_000); // 1.5 times the threshold; vault-4 went after ~57 s
        strict_1.default.deepEqual(voters(await active.client.raftConfiguration(workerToken)), [
            'vault-1',
            'vault-2',
            'vault-3',
        ]);
    });
});
//# sourceMappingURL=12-autopilot.test.js.map