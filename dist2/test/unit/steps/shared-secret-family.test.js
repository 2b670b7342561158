"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Two stacks on one swarm with the production default secret name `vault_unseal_key` (no `{stack}`): they
 * share the names of one secret family, and each must use, deploy with and clean up only its own secrets
 * (label `io.iklimco.vault-bootstrap.stack`). Before, stack B deployed with stack A's real key and A's
 * clean-up removed B's placeholder.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const constants_1 = require("../../../src/shared/constants");
const fakes_1 = require("../../support/fakes");
const SHARED = 'vault_unseal_key';
function twoStacks() {
    const a = (0, fakes_1.fakeWorld)({ stack: 'sa', unsealSecretTemplate: SHARED });
    const b = (0, fakes_1.fakeWorld)({ stack: 'sb', unsealSecretTemplate: SHARED, swarm: a.swarm });
    b.vault.calls.init = 100; // its init answers another key than A's
    return { a, b };
}
/** The stack label of the secret `name`. */
function owner(w, name) {
    return w.swarm.secretLabels(name)?.[constants_1.LABEL_STACK];
}
(0, node_test_1.describe)('two stacks sharing the default secret name', () => {
    (0, node_test_1.it)('each deploys with, mounts and cleans up only its own secrets; both verify', async () => {
        const { a, b } = twoStacks();
        for (const step of ['preflight', 'ensurePlaceholderSecret']) {
            await a.run(a.acts[step], a.input);
            await b.run(b.acts[step], b.input);
        }
        const placeholders = a.swarm.secretNames();
        strict_1.default.equal(placeholders.length, 2, `one placeholder each: ${placeholders.join(', ')}`);
        for (const w of [a, b]) {
            await w.run(w.acts.deployStack, w.input);
            const deployedWith = w.swarm.deploys.find((d) => d.stack === w.stack)?.env.VAULT_UNSEAL_KEY_SECRET ?? '';
            strict_1.default.equal(owner(w, deployedWith), w.stack, `${w.stack} deployed with ${deployedWith}`);
        }
        for (const step of [
            'initLeader',
            'rotateUnsealKeySecret',
            'unsealLeader',
            'joinPeers',
            'unsealPeers',
            'verifyCluster',
        ]) {
            await a.run(a.acts[step], a.input);
            await b.run(b.acts[step], b.input);
        }
        for (const w of [a, b]) {
            const out = await w.run(w.acts.verifyCluster, w.input);
            strict_1.default.equal(owner(w, out.cluster.unsealSecret), w.stack, `${w.stack} mounts its own key secret`);
            strict_1.default.equal(w.swarm.secretValue(out.cluster.unsealSecret), w.vault.unsealKey);
        }
        // Nothing of one stack was removed by the other: each stack's removed names were its own placeholder.
        strict_1.default.equal(a.swarm.removed.length, 2, `removed: ${a.swarm.removed.join(', ')}`);
        strict_1.default.notEqual(a.vault.unsealKey, b.vault.unsealKey);
    });
    (0, node_test_1.it)("a stack's clean-up leaves another stack's unmounted secret alone", async () => {
        const { a, b } = twoStacks();
        await b.run(b.acts.ensurePlaceholderSecret, b.input); // B's placeholder, not yet mounted by any service
        const bPlaceholder = b.swarm.secretNames()[0];
        strict_1.default.ok(bPlaceholder);
        await a.bootstrapThrough('rotateUnsealKeySecret');
        strict_1.default.ok(a.swarm.secretNames().includes(bPlaceholder), `${bPlaceholder} of sb survived sa's clean-up`);
        strict_1.default.equal(owner(b, bPlaceholder), 'sb');
    });
});
//# sourceMappingURL=shared-secret-family.test.js.map