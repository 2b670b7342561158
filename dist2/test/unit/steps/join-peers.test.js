"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Step 6, joinPeers, in memory: each peer not yet in the leader's Raft cluster is joined, once. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
function leaderUnsealed() {
    return (0, fakes_1.worldAfter)('unsealLeader');
}
(0, node_test_1.describe)('joinPeers', () => {
    (0, node_test_1.it)('fresh peers: joins both at once to the leader (its task address, server name vault-1)', async () => {
        const w = await leaderUnsealed();
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.deepEqual(out, {
            changed: true,
            summary: 'joined vault-2, vault-3; autopilot configured (stabilization 1s while the cluster forms)',
        });
        strict_1.default.deepEqual(w.vault.calls.join, ['vault-2', 'vault-3']);
        strict_1.default.equal(w.vault.node(2).initialized, true, 'a joined peer reports itself initialized');
        // Both peers at once: the second call goes out before the first one's answer is back.
        strict_1.default.deepEqual(w.failpoints.hits, [
            'joinPeers:before-join:vault-2',
            'joinPeers:before-join:vault-3',
            'joinPeers:after-join:vault-2',
            'joinPeers:after-join:vault-3',
        ]);
    });
    (0, node_test_1.it)('a forming cluster: the decided autopilot settings with a 1 s stabilization, before the joins, once', async () => {
        const w = await leaderUnsealed();
        await w.run(w.acts.joinPeers, w.input);
        const decided = {
            cleanupDeadServers: true,
            deadServerLastContactThreshold: '600s',
            minQuorum: 3,
            serverStabilizationTime: '10s',
        };
        strict_1.default.deepEqual(w.vault.autopilotConfig, { ...decided, serverStabilizationTime: '1s' });
        await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.deepEqual(w.vault.autopilotConfig, decided, 'unsealPeers put the 10 s back');
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.equal(out.summary, 'peers already joined', 'a formed cluster keeps the decided settings');
        strict_1.default.equal(w.vault.autopilotWrites, 2);
    });
    (0, node_test_1.it)('a formed cluster whose settings differ (changed by hand): the decided ones, stabilization 10 s', async () => {
        const w = await (0, fakes_1.worldAfter)('unsealPeers');
        w.vault.autopilotConfig = { ...w.vault.autopilotConfig, minQuorum: 5, serverStabilizationTime: '30s' };
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.equal(out.summary, 'peers already joined; autopilot configured');
        strict_1.default.equal(w.vault.autopilotConfig.serverStabilizationTime, '10s');
        strict_1.default.equal(w.vault.autopilotConfig.minQuorum, 3);
    });
    (0, node_test_1.it)('a worker token whose policy predates the autopilot path: left as it is, said so, the joins go on', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        const held = await w.custody.read(w.stack);
        w.vault.tokens.get(held.workerToken).policies = ['policy-of-an-older-version'];
        w.vault.wipe(3);
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.equal(out.summary, 'joined vault-3; autopilot left as it is (the token may not read its configuration)');
    });
    (0, node_test_1.it)('peers joined and waiting for their unseal: not joined again', async () => {
        const w = await leaderUnsealed();
        await w.run(w.acts.joinPeers, w.input);
        w.failpoints.clear();
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'peers already joined' });
        strict_1.default.deepEqual(w.vault.calls.join, ['vault-2', 'vault-3']);
        strict_1.default.deepEqual(w.failpoints.hits, []);
    });
    (0, node_test_1.it)('peers already Raft members: changes nothing', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('verifyCluster');
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'peers already joined' });
    });
    (0, node_test_1.it)('one peer a member, the other wiped: joins only the wiped one', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('verifyCluster');
        w.vault.wipe(3);
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.deepEqual(out, { changed: true, summary: 'joined vault-3' });
    });
    (0, node_test_1.it)('a wiped peer still listed in the Raft configuration: joined again (its own initialized decides)', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('verifyCluster');
        w.vault.wipe(3, { stillListed: true });
        const out = await w.run(w.acts.joinPeers, w.input);
        strict_1.default.deepEqual(out, { changed: true, summary: 'joined vault-3' });
        strict_1.default.equal(w.vault.node(3).initialized, true);
    });
    (0, node_test_1.it)('the leader sealed (no active node): the Raft configuration cannot be read, retryable', async () => {
        const w = await leaderUnsealed();
        w.swarm.replaceTask(w.service, 1);
        await strict_1.default.rejects(w.run(w.acts.joinPeers, w.input), (0, failures_1.retryableError)(/reading the Raft configuration on vault-1: HTTP 503/));
        strict_1.default.deepEqual(w.vault.calls.join, []);
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable', async () => {
        const w = await leaderUnsealed();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.joinPeers, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable'));
    });
});
//# sourceMappingURL=join-peers.test.js.map