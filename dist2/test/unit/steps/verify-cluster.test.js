"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Step 8, verifyCluster, in memory: 3 running tasks, all unsealed, 3 voters, one leader, the key mounted. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const constants_1 = require("../../../src/shared/constants");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
async function bootstrapped() {
    const w = (0, fakes_1.fakeWorld)();
    await w.bootstrapThrough('unsealPeers');
    return w;
}
(0, node_test_1.describe)('verifyCluster', () => {
    (0, node_test_1.it)('a healthy cluster: the summary names leader, followers, secret and key record', async () => {
        const w = await bootstrapped();
        const out = await w.run(w.acts.verifyCluster, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.equal(out.summary, 'leader vault-1, followers vault-2, vault-3, all unsealed');
        strict_1.default.deepEqual(out.cluster, {
            stack: 's1',
            service: 's1_vault',
            leader: 'vault-1',
            followers: ['vault-2', 'vault-3'],
            unsealSecret: 's1_vault_unseal_key_v1',
            unsealSecretVersion: 1,
            keyId: 'key-1',
            runningTasks: 3,
        });
    });
    (0, node_test_1.it)('the placeholder mounted where the key is expected: PlaceholderWhereKeyExpected', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('deployStack');
        w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.namedFailure)('PlaceholderWhereKeyExpected', /mounts the placeholder secret s1_vault_unseal_key at target vault_unseal_key where the unseal key is expected/));
    });
    (0, node_test_1.it)('a secret outside the family mounted: UnexpectedServiceShape', async () => {
        const w = await bootstrapped();
        const id = await w.swarm.createSecret('hand-made', Buffer.from('x'), {});
        await w.swarm.swapUnsealSecret(w.service, { id, name: 'hand-made' });
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.namedFailure)('UnexpectedServiceShape', /mounts hand-made at target vault_unseal_key, not a secret of the bootstrap's unseal-key family/));
    });
    (0, node_test_1.it)('a version of another custody record mounted: CustodyKeyMismatch', async () => {
        const w = await bootstrapped();
        const name = `${w.secretBase}_v2`;
        const id = await w.swarm.createSecret(name, Buffer.from('x'), {
            [constants_1.LABEL_KIND]: 'unseal-key',
            [constants_1.LABEL_KEY_ID]: 'key-9',
            [constants_1.LABEL_STACK]: w.stack,
        });
        await w.swarm.swapUnsealSecret(w.service, { id, name });
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.namedFailure)('CustodyKeyMismatch', /mounts s1_vault_unseal_key_v2, made for custody record key-9, but custody holds record key-1/));
    });
    (0, node_test_1.it)('a sealed node: not healthy, retryable, naming it', async () => {
        const w = await bootstrapped();
        w.swarm.replaceTask(w.service, 2);
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.retryableError)(/^cluster not healthy: vault-2: initialized=true sealed=true$/));
    });
    (0, node_test_1.it)('a node out of the Raft configuration: not healthy, naming the servers and voters', async () => {
        const w = await bootstrapped();
        w.vault.wipe(3);
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.retryableError)(/vault-3: initialized=false sealed=true; Raft has 2 servers: vault-1, vault-2; Raft has 2 voters/));
    });
    (0, node_test_1.it)('no service: retryable', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.retryableError)(/service s1_vault does not exist/));
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable', async () => {
        const w = await bootstrapped();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.verifyCluster, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable'));
    });
});
//# sourceMappingURL=verify-cluster.test.js.map