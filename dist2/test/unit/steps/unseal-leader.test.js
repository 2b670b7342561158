"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Step 5, unsealLeader, in memory: on a first bootstrap the leader alone; on a formed cluster that came
 * back sealed, the member peers too, until a Raft quorum makes a node active.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
/** First bootstrap: the key secret swapped in, every task restarted sealed, the leader the only member. */
function rotated() {
    return (0, fakes_1.worldAfter)('rotateUnsealKeySecret');
}
/** A bootstrapped cluster whose tasks all restarted (a reboot): three sealed members. */
async function formedAndRestarted() {
    const w = (0, fakes_1.fakeWorld)();
    await w.bootstrapThrough('verifyCluster');
    for (const slot of [1, 2, 3])
        w.swarm.replaceTask(w.service, slot);
    w.failpoints.clear();
    return w;
}
(0, node_test_1.describe)('unsealLeader', () => {
    (0, node_test_1.it)('first bootstrap: unseals the leader only; it becomes active alone', async () => {
        const w = await rotated();
        const out = await w.run(w.acts.unsealLeader, w.input);
        strict_1.default.deepEqual(out, { changed: true, summary: 'unsealed vault-1' });
        strict_1.default.deepEqual(w.vault.calls.unseal.slice(-1), ['vault-1']);
        strict_1.default.deepEqual(w.failpoints.hits, ['unsealLeader:before-unseal', 'unsealLeader:after-unseal']);
        strict_1.default.equal(w.vault.activeSlot(), 1);
    });
    (0, node_test_1.it)('the leader already unsealed and active: changes nothing', async () => {
        const w = await rotated();
        await w.run(w.acts.unsealLeader, w.input);
        w.failpoints.clear();
        const out = await w.run(w.acts.unsealLeader, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'vault-1 already unsealed' });
        strict_1.default.deepEqual(w.failpoints.hits, []);
    });
    (0, node_test_1.it)('a formed cluster back sealed: unseals the member peers until a quorum is active', async () => {
        const w = await formedAndRestarted();
        strict_1.default.equal(w.vault.activeSlot(), undefined);
        const out = await w.run(w.acts.unsealLeader, w.input);
        strict_1.default.deepEqual(out, {
            changed: true,
            summary: 'unsealed vault-1 (and vault-2, vault-3 for a Raft quorum)',
        });
        strict_1.default.deepEqual(w.failpoints.hits, [
            'unsealLeader:before-unseal',
            'unsealLeader:after-unseal',
            'unsealLeader:before-unseal:vault-2',
            'unsealLeader:after-unseal:vault-2',
            'unsealLeader:before-unseal:vault-3',
            'unsealLeader:after-unseal:vault-3',
        ]);
        strict_1.default.notEqual(w.vault.activeSlot(), undefined);
    });
    (0, node_test_1.it)('the leader unsealed earlier but no quorum yet: unseals the peers only', async () => {
        const w = await formedAndRestarted();
        w.vault.node(1).sealed = false;
        const out = await w.run(w.acts.unsealLeader, w.input);
        strict_1.default.deepEqual(out, {
            changed: true,
            summary: 'vault-1 already unsealed (and vault-2, vault-3 for a Raft quorum)',
        });
    });
    (0, node_test_1.it)('peers that are not members (a first bootstrap) are never unsealed for the quorum', async () => {
        const w = await rotated();
        await w.run(w.acts.unsealLeader, w.input);
        strict_1.default.ok(!w.vault.calls.unseal.includes('vault-2') && !w.vault.calls.unseal.includes('vault-3'));
    });
    (0, node_test_1.it)('no quorum reachable (the peers are gone): times out, retryable', async () => {
        const w = await formedAndRestarted();
        w.swarm.dropTask(w.service, 2);
        w.swarm.dropTask(w.service, 3);
        await strict_1.default.rejects(w.run(w.acts.unsealLeader, w.input), (0, failures_1.retryableError)(/timed out after 120s waiting for an active Vault node seen from vault-1/));
    });
    (0, node_test_1.it)('a key the leader rejects: UnsealKeyRejected', async () => {
        const w = await rotated();
        w.vault.unsealKey = 'c29tZXRoaW5nLWVsc2U=';
        await strict_1.default.rejects(w.run(w.acts.unsealLeader, w.input), (0, failures_1.namedFailure)('UnsealKeyRejected', /vault-1 rejected the key in custody \(record key-1\)/));
    });
    (0, node_test_1.it)('a leader that lost its data: UnexpectedVaultResponse, nothing unsealed', async () => {
        const w = await rotated();
        w.vault.wipe(1);
        await strict_1.default.rejects(w.run(w.acts.unsealLeader, w.input), (0, failures_1.namedFailure)('UnexpectedVaultResponse', /vault-1 reports it is not initialized although it was/));
        strict_1.default.deepEqual(w.failpoints.hits, []);
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable', async () => {
        const w = await rotated();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.unsealLeader, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable', /so the initialized cluster of s1_vault cannot be unsealed or inspected/));
    });
});
//# sourceMappingURL=unseal-leader.test.js.map