/**
 * Break glass in memory: issueBreakGlassToken makes a root-policy token from the unseal key, hands it over only
 * encrypted to the caller's public key, and leaves no generated root token; revokeBreakGlassToken revokes it.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { decodeRootToken } from '../../src/activities/tokens';
import type { BreakGlassInput } from '../../src/shared/types';
import { worldAfter } from '../support/fakes';
import type { World } from '../support/fakes';
import { namedFailure } from '../support/failures';

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

function open(privateKey: ReturnType<typeof keyPair>['privateKey'], sealed: string): string {
  return privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(sealed, 'base64'),
  ).toString('utf8');
}

function input(w: World, pem: string): BreakGlassInput {
  return { stack: w.stack, ttlSeconds: 60, recipientPublicKeyPem: pem, requester: 'op@host' };
}

describe('break glass', () => {
  it('decodes an encoded root token with its OTP (base64 of token XOR otp)', () => {
    const otp = '38X5lF85Yqh4hxjIYYhgfHpNiX';
    const token = 's.TKOFBLuziE0WH0YPjSAACnSh';
    const encoded = Buffer.from([...token].map((c, i) => c.charCodeAt(0) ^ otp.charCodeAt(i))).toString(
      'base64',
    );
    assert.equal(decodeRootToken(encoded.replace(/=+$/, ''), otp), token);
    assert.throws(() => decodeRootToken(encoded, otp.slice(1)), /26 bytes, the OTP 25/);
  });

  for (const api of ['sys/generate-root-token', 'sys/generate-root'] as const) {
    it(`${api}: a root token only the key pair's owner can read, no generated root token left`, async () => {
      const w = await worldAfter('revokeRootToken');
      w.vault.rootGenerationApi = api;
      const { pem, privateKey } = keyPair();
      const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
      const token = open(privateKey, issued.sealedToken);
      const t = w.vault.tokens.get(token)!;
      assert.deepEqual(t.policies, ['root']);
      assert.equal(t.accessor, issued.accessor);
      assert.equal(t.ttlSeconds, 60 + 300, 'Vault expires it by itself a grace period after the TTL');
      assert.deepEqual(
        w.vault.rootTokens().map((r) => r.token),
        [token],
        'the generated root token it was made with is revoked',
      );
      assert.ok(!JSON.stringify(issued).includes(token), 'the result holds no token in the clear');
      const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: issued.accessor });
      assert.deepEqual(out, { accessor: issued.accessor, revoked: true, alreadyGone: false });
      assert.deepEqual(w.vault.rootTokens(), []);
    });
  }

  it('an attempt someone else started is left alone: RootGenerationInProgress', async () => {
    const w = await worldAfter('revokeRootToken');
    w.vault.rootGeneration = { nonce: 'theirs', otp: 'x'.repeat(26) };
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure('RootGenerationInProgress', /nonce theirs/),
    );
    assert.equal(w.vault.rootGeneration?.nonce, 'theirs');
  });

  it('a retry after a crash revokes what the crashed attempt made (from its heartbeat details)', async () => {
    const w = await worldAfter('revokeRootToken');
    const { pem } = keyPair();
    const env = new MockActivityEnvironment();
    let details: unknown;
    env.on('heartbeat', (d: unknown) => {
      if (d !== undefined) details = d;
    });
    // The first attempt "dies" right after it made the operator's token (the encryption step fails here).
    await assert.rejects(
      w.runIn(env, w.acts.issueBreakGlassToken, { ...input(w, pem), recipientPublicKeyPem: 'bad' }),
    );
    const left = details as { accessors: string[] };
    assert.equal(left.accessors.length, 2, 'the generated root token and the operator token were recorded');
    const retry = new MockActivityEnvironment({ heartbeatDetails: details });
    const issued = await w.runIn(retry, w.acts.issueBreakGlassToken, input(w, pem));
    for (const accessor of left.accessors)
      assert.equal(w.vault.byAccessor(accessor), undefined, `${accessor} revoked`);
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
    );
  });

  it('revoking a token Vault no longer knows is not an error', async () => {
    const w = await worldAfter('revokeRootToken');
    const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: 'gone' });
    assert.deepEqual(out, { accessor: 'gone', revoked: false, alreadyGone: true });
  });
});
