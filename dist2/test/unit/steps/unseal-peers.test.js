"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Step 7, unsealPeers, in memory: each peer is unsealed until the Raft configuration lists both as voters;
 * a peer whose task was replaced since its join (the join forgotten) is joined again first.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
function joined() {
    return (0, fakes_1.worldAfter)('joinPeers');
}
(0, node_test_1.describe)('unsealPeers', () => {
    (0, node_test_1.it)('joined peers: unseals both at once; both become voters', async () => {
        const w = await joined();
        const out = await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.deepEqual(out, {
            changed: true,
            summary: 'unsealed vault-2, vault-3; autopilot stabilization back to 10s',
        });
        // Both peers at once: the second call goes out before the first one's answer is back.
        strict_1.default.deepEqual(w.failpoints.hits, [
            'unsealPeers:before-unseal:vault-2',
            'unsealPeers:before-unseal:vault-3',
            'unsealPeers:after-unseal:vault-2',
            'unsealPeers:after-unseal:vault-3',
        ]);
        strict_1.default.ok(w.vault.node(2).member && w.vault.node(3).member);
    });
    (0, node_test_1.it)('peers already unsealed voters: changes nothing', async () => {
        const w = await joined();
        await w.run(w.acts.unsealPeers, w.input);
        w.failpoints.clear();
        const out = await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'peers already unsealed' });
        strict_1.default.deepEqual(w.failpoints.hits, []);
    });
    (0, node_test_1.it)('a joining peer still answering the Raft challenge: waits until it reports unsealed', async () => {
        const w = await joined();
        w.vault.challengeReads = 2;
        const out = await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.equal(out.summary, 'unsealed vault-2, vault-3; autopilot stabilization back to 10s');
        strict_1.default.ok(w.clock.sleeps.length >= 2);
    });
    (0, node_test_1.it)('a peer task replaced since its join: joined again, then unsealed', async () => {
        const w = await joined();
        w.swarm.replaceTask(w.service, 2);
        strict_1.default.equal(w.vault.node(2).initialized, false, 'the pending join is forgotten');
        const out = await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.equal(out.summary, 'unsealed vault-2, vault-3; autopilot stabilization back to 10s');
        strict_1.default.deepEqual(w.failpoints.hits.slice(0, 2), [
            'unsealPeers:before-join:vault-2',
            'unsealPeers:after-join:vault-2',
        ]);
    });
    (0, node_test_1.it)('a wiped peer still listed in the Raft configuration: joined again and unsealed, not retried as "not initialized"', async () => {
        const w = await (0, fakes_1.worldAfter)('verifyCluster');
        w.vault.wipe(2, { stillListed: true });
        const out = await w.run(w.acts.unsealPeers, w.input);
        strict_1.default.equal(out.summary, 'unsealed vault-2');
        strict_1.default.deepEqual(w.failpoints.hits.slice(0, 2), [
            'unsealPeers:before-join:vault-2',
            'unsealPeers:after-join:vault-2',
        ]);
        strict_1.default.deepEqual(w.vault.node(2), { ...w.vault.node(2), initialized: true, sealed: false, member: true });
    });
    (0, node_test_1.it)('a peer that never comes back: times out naming the voters it has', async () => {
        const w = await joined();
        w.swarm.dropTask(w.service, 3);
        await strict_1.default.rejects(w.run(w.acts.unsealPeers, w.input), (0, failures_1.retryableError)(/timed out after 300s waiting for peers of s1_vault to be unsealed Raft voters \(last: timed out after 180s waiting for Vault API of vault-1, vault-2, vault-3/));
    });
    (0, node_test_1.it)('a key the peers reject: UnsealKeyRejected', async () => {
        const w = await joined();
        w.vault.unsealKey = 'c29tZXRoaW5nLWVsc2U=';
        await strict_1.default.rejects(w.run(w.acts.unsealPeers, w.input), (0, failures_1.namedFailure)('UnsealKeyRejected', /vault-2 rejected the key/));
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable', async () => {
        const w = await joined();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.unsealPeers, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable'));
    });
});
//# sourceMappingURL=unseal-peers.test.js.map