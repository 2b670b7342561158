"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Step 9, revokeRootToken, in memory: the worker gets its own token under its policy, the root token is revoked
 * and leaves custody; a crash at either fault point resumes without a second worker token or a root token left.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const tokens_1 = require("../../../src/activities/tokens");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
function workerTokens(w) {
    return [...w.vault.tokens.values()].filter((t) => t.meta['vault-bootstrap'] === 'worker');
}
(0, node_test_1.describe)('revokeRootToken', () => {
    (0, node_test_1.it)('issues the worker token, revokes the root token, keeps only the worker token in custody', async () => {
        const w = await (0, fakes_1.worldAfter)('verifyCluster');
        const root = (await w.custody.read(w.stack)).rootToken;
        const out = await w.run(w.acts.revokeRootToken, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.match(out.summary, /^issued the worker token \(accessor-\d+\), revoked the root token$/);
        const held = await w.custody.read(w.stack);
        strict_1.default.equal(held.rootToken, undefined, 'no root token in custody');
        strict_1.default.ok(held.workerToken);
        strict_1.default.ok(!w.vault.tokens.has(root), 'Vault revoked the root token');
        strict_1.default.deepEqual(w.vault.rootTokens(), [], 'no root token left in Vault');
        const worker = w.vault.tokens.get(held.workerToken);
        strict_1.default.deepEqual(worker.policies, [tokens_1.WORKER_POLICY]);
        strict_1.default.equal(w.vault.policies.get(tokens_1.WORKER_POLICY), tokens_1.WORKER_POLICY_HCL);
        strict_1.default.ok(!out.summary.includes(held.workerToken) && !out.summary.includes(root));
    });
    (0, node_test_1.it)('a second run changes nothing, and the later steps use the worker token', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        const out = await w.run(w.acts.revokeRootToken, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'no root token left; the worker token is valid' });
        const again = await w.run(w.acts.verifyCluster, w.input);
        strict_1.default.match(again.summary, /all unsealed/);
        strict_1.default.equal(workerTokens(w).length, 1);
    });
    (0, node_test_1.it)('crash after the token was made, before custody: the retry revokes that token and makes one', async () => {
        const w = await (0, fakes_1.worldAfter)('verifyCluster');
        w.failpoints.at.set('revokeRootToken:after-create-token', () => {
            throw new Error('worker killed');
        });
        await strict_1.default.rejects(w.run(w.acts.revokeRootToken, w.input), /worker killed/);
        strict_1.default.equal(workerTokens(w).length, 1, 'the crashed attempt left one token behind');
        w.failpoints.at.clear();
        await w.run(w.acts.revokeRootToken, w.input);
        const held = await w.custody.read(w.stack);
        strict_1.default.deepEqual(workerTokens(w).map((t) => t.token), [held.workerToken], 'only the worker token in custody is left');
        strict_1.default.deepEqual(w.vault.rootTokens(), []);
    });
    (0, node_test_1.it)('crash after the root token was revoked, before custody dropped it: the retry drops it', async () => {
        const w = await (0, fakes_1.worldAfter)('verifyCluster');
        w.failpoints.at.set('revokeRootToken:after-revoke', () => {
            throw new Error('worker killed');
        });
        await strict_1.default.rejects(w.run(w.acts.revokeRootToken, w.input), /worker killed/);
        strict_1.default.ok((await w.custody.read(w.stack)).rootToken, 'custody still lists the revoked root token');
        w.failpoints.at.clear();
        const out = await w.run(w.acts.revokeRootToken, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.equal((await w.custody.read(w.stack)).rootToken, undefined);
    });
    (0, node_test_1.it)('no usable token in custody: VaultTokenUnavailable, nothing changed', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        const held = await w.custody.read(w.stack);
        w.vault.tokens.delete(held.workerToken); // the worker token lapsed or was revoked by someone
        await strict_1.default.rejects(w.run(w.acts.revokeRootToken, w.input), (0, failures_1.namedFailure)('VaultTokenUnavailable', /worker token is rejected by Vault/));
        strict_1.default.equal(w.vault.tokens.size, 0);
    });
});
//# sourceMappingURL=revoke-root-token.test.js.map