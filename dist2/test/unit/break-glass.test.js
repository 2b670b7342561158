"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Break glass in memory: issueBreakGlassToken makes a root-policy token from the unseal key, hands it over only
 * encrypted to the caller's public key, and leaves no generated root token; revokeBreakGlassToken revokes it.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_crypto_1 = require("node:crypto");
const node_test_1 = require("node:test");
const testing_1 = require("@temporalio/testing");
const tokens_1 = require("../../src/activities/tokens");
const fakes_1 = require("../support/fakes");
const failures_1 = require("../support/failures");
function keyPair() {
    const { publicKey, privateKey } = (0, node_crypto_1.generateKeyPairSync)('rsa', { modulusLength: 2048 });
    return { pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}
function open(privateKey, sealed) {
    return (0, node_crypto_1.privateDecrypt)({ key: privateKey, padding: node_crypto_1.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(sealed, 'base64')).toString('utf8');
}
function input(w, pem) {
    return { stack: w.stack, ttlSeconds: 60, recipientPublicKeyPem: pem, requester: 'op@host' };
}
(0, node_test_1.describe)('break glass', () => {
    (0, node_test_1.it)('decodes an encoded root token with its OTP (base64 of token XOR otp)', () => {
        const otp = '38X5lF85Yqh4hxjIYYhgfHpNiX';
        const token = 's.TKOFBLuziE0WH0YPjSAACnSh';
        const encoded = Buffer.from([...token].map((c, i) => c.charCodeAt(0) ^ otp.charCodeAt(i))).toString('base64');
        strict_1.default.equal((0, tokens_1.decodeRootToken)(encoded.replace(/=+$/, ''), otp), token);
        strict_1.default.throws(() => (0, tokens_1.decodeRootToken)(encoded, otp.slice(1)), /26 bytes, the OTP 25/);
    });
    for (const api of ['sys/generate-root-token', 'sys/generate-root']) {
        (0, node_test_1.it)(`${api}: a root token only the key pair's owner can read, no generated root token left`, async () => {
            const w = await (0, fakes_1.worldAfter)('revokeRootToken');
            w.vault.rootGenerationApi = api;
            const { pem, privateKey } = keyPair();
            const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
            const token = open(privateKey, issued.sealedToken);
            const t = w.vault.tokens.get(token);
            strict_1.default.deepEqual(t.policies, ['root']);
            strict_1.default.equal(t.accessor, issued.accessor);
            strict_1.default.equal(t.ttlSeconds, 60 + 300, 'Vault expires it by itself a grace period after the TTL');
            strict_1.default.deepEqual(w.vault.rootTokens().map((r) => r.token), [token], 'the generated root token it was made with is revoked');
            strict_1.default.ok(!JSON.stringify(issued).includes(token), 'the result holds no token in the clear');
            const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: issued.accessor });
            strict_1.default.deepEqual(out, { accessor: issued.accessor, revoked: true, alreadyGone: false });
            strict_1.default.deepEqual(w.vault.rootTokens(), []);
        });
    }
    (0, node_test_1.it)('an attempt someone else started is left alone: RootGenerationInProgress', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        w.vault.rootGeneration = { nonce: 'theirs', otp: 'x'.repeat(26) };
        await strict_1.default.rejects(w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)), (0, failures_1.namedFailure)('RootGenerationInProgress', /nonce theirs/));
        strict_1.default.equal(w.vault.rootGeneration?.nonce, 'theirs');
    });
    (0, node_test_1.it)('a retry after a crash revokes what the crashed attempt made (from its heartbeat details)', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        const { pem } = keyPair();
        const env = new testing_1.MockActivityEnvironment();
        let details;
        env.on('heartbeat', (d) => {
            if (d !== undefined)
                details = d;
        });
        // The first attempt "dies" right after it made the operator's token (the encryption step fails here).
        await strict_1.default.rejects(w.runIn(env, w.acts.issueBreakGlassToken, { ...input(w, pem), recipientPublicKeyPem: 'bad' }));
        const left = details;
        strict_1.default.equal(left.accessors.length, 2, 'the generated root token and the operator token were recorded');
        const retry = new testing_1.MockActivityEnvironment({ heartbeatDetails: details });
        const issued = await w.runIn(retry, w.acts.issueBreakGlassToken, input(w, pem));
        for (const accessor of left.accessors)
            strict_1.default.equal(w.vault.byAccessor(accessor), undefined, `${accessor} revoked`);
        strict_1.default.deepEqual(w.vault.rootTokens().map((t) => t.accessor), [issued.accessor]);
    });
    (0, node_test_1.it)('revoking a token Vault no longer knows is not an error', async () => {
        const w = await (0, fakes_1.worldAfter)('revokeRootToken');
        const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: 'gone' });
        strict_1.default.deepEqual(out, { accessor: 'gone', revoked: false, alreadyGone: true });
    });
});
//# sourceMappingURL=break-glass.test.js.map