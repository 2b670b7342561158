/**
 * Break glass in memory: issueBreakGlassToken makes a root-policy token from the unseal key, hands it over only
 * encrypted to the caller's public key, and leaves no generated root token; revokeBreakGlassToken revokes it.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ROOT_GENERATION_POLICY, ROOT_GENERATION_POLICY_HCL } from '../../src/activities/cluster/policies';
import { ROOT_GENERATION_STALE_MS, decodeRootToken } from '../../src/activities/cluster/root-generation';
import type { FailpointName } from '../../src/ports';
import { VAULT_API_PORT } from '../../src/shared/constants';
import type { BreakGlassInput } from '../../src/shared/types';
import { capabilitiesOf, describeServer } from '../../src/shared/vault-server';
import type { VaultServer } from '../../src/shared/vault-server';
import { fingerprintOfPem } from '../../src/config/break-glass';
import { worldAfter } from '../support/fakes';
import type { World } from '../support/fakes';
import { namedFailure, retryableError } from '../support/failures';

/** The test bed's server, and a HashiCorp Vault 1.x (unauthenticated `sys/generate-root`). */
const OPENBAO: VaultServer = { product: 'openbao', version: '2.7.2' };
const VAULT_1: VaultServer = { product: 'vault', version: '1.17.6' };

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

  for (const server of [OPENBAO, VAULT_1] as const) {
    const api = capabilitiesOf(server).rootGeneration.api;
    it(`${describeServer(server)}, ${api}: a root token only the key pair's owner can read, no generated root token left`, async () => {
      const w = await worldAfter('revokeRootToken');
      w.vault.asServer(server);
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

  it('HashiCorp Vault 2.x, sys/generate-root behind a token: the root generation token may use it (its policy names it)', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '2.0.0' });
    await w.run(w.acts.revokeRootToken, w.input);
    const policy = w.vault.policies.get(ROOT_GENERATION_POLICY) ?? '';
    assert.match(policy, /^path "sys\/generate-root\/attempt" /m);
    assert.doesNotMatch(policy, /generate-root-token/);
    const { pem, privateKey } = keyPair();
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
    assert.deepEqual(w.vault.tokens.get(open(privateKey, issued.sealedToken))?.policies, ['root']);
    // OpenBao's policy on Vault 2.x: the token may not start an attempt (what the policy gap was).
    w.vault.policies.set(ROOT_GENERATION_POLICY, ROOT_GENERATION_POLICY_HCL);
    await assert.rejects(w.run(w.acts.issueBreakGlassToken, input(w, pem)), /403|permission denied/i);
  });

  it('the endpoints come from the server named in seal-status, not from a probe', async () => {
    const w = await worldAfter('revokeRootToken');
    // An OpenBao 2.7.2 whose configuration turned its legacy endpoints back on: the new ones are still used.
    w.vault.rootGenerationApi = 'sys/generate-root';
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure(
        'UnexpectedVaultResponse',
        /OpenBao 2\.7\.2\) does not offer sys\/generate-root-token\/\*/,
      ),
    );
  });

  it('OpenBao 2.5.3 to 2.5.x, legacy endpoints off (their default), no replacement: named, with the setting', async () => {
    const w = await worldAfter('revokeRootToken');
    w.vault.asServer({ product: 'openbao', version: '2.5.3' });
    w.vault.rootGenerationApi = undefined;
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure(
        'UnexpectedVaultResponse',
        /does not offer sys\/generate-root\/\*.*disable_unauthed_generate_root_endpoints, which leaves them off by default.*nothing was changed/,
      ),
    );
    assert.equal(w.vault.rootGeneration, undefined, 'no attempt started');
  });

  it('an attempt someone else started is left alone: RootGenerationInProgress', async () => {
    const w = await worldAfter('revokeRootToken');
    w.vault.rootGeneration = { nonce: 'theirs', otp: 'x'.repeat(26) };
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure('RootGenerationInProgress', /nonce theirs/),
    );
    assert.equal(w.vault.rootGeneration?.nonce, 'theirs');
  });

  it('a retry honours the heartbeat details of an attempt from before issue 25 (nonces, accessors)', async () => {
    const w = await worldAfter('revokeRootToken');
    const left = w.vault.addToken('hvs.left-behind', ['root'], 'token-break-glass-s1');
    const retry = new MockActivityEnvironment({
      heartbeatDetails: { nonces: [], accessors: [left.accessor] },
    });
    const issued = await w.runIn(retry, w.acts.issueBreakGlassToken, input(w, keyPair().pem));
    assert.equal(w.vault.byAccessor(left.accessor), undefined, 'revoked');
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
    );
  });

  it('a failure after the token was made (a key that does not parse): the token revoked at once, custody clean', async () => {
    const w = await worldAfter('revokeRootToken');
    const bad = '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n';
    await assert.rejects(w.run(w.acts.issueBreakGlassToken, input(w, bad)));
    assert.deepEqual(w.vault.rootTokens(), [], 'neither the operator token nor the generated root is left');
    const held = await w.custody.read(w.stack);
    assert.equal(held.rootGenerations, undefined);
    assert.equal(held.breakGlassTokens, undefined);
  });

  for (const [what, bad] of [
    ['a negative TTL', { ttlSeconds: -5 }],
    ['a TTL that is not a number', { ttlSeconds: Number.NaN }],
    ['a TTL over 24 h', { ttlSeconds: 90_000 }],
    ['a TTL of a fraction', { ttlSeconds: 30.5 }],
    ['a recipient that is no PEM', { recipientPublicKeyPem: 'ssh-rsa AAAA' }],
    ['a requester with a newline', { requester: 'op\nforged: yes' }],
  ] as const) {
    it(`a direct start with ${what}: InvalidInput, nothing generated or issued`, async () => {
      const w = await worldAfter('revokeRootToken');
      const tokens = [...w.vault.tokens.keys()];
      const writes = w.custody.progressWrites;
      await assert.rejects(
        w.run(w.acts.issueBreakGlassToken, { ...input(w, keyPair().pem), ...bad }),
        namedFailure('InvalidInput', /^input \S+: expected .*; nothing was done$/),
      );
      assert.deepEqual([...w.vault.tokens.keys()], tokens, 'no token made');
      assert.equal(w.vault.rootGeneration, undefined, 'no root generation started');
      assert.equal(w.custody.progressWrites, writes, 'custody untouched');
    });
  }

  it('the worker token revoked: break glass still issues (root generation token) and revokes (the token itself)', async () => {
    const w = await worldAfter('revokeRootToken');
    const held = await w.custody.read(w.stack);
    w.vault.tokens.delete(held.workerToken!);
    const { pem, privateKey } = keyPair();
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
    const token = open(privateKey, issued.sealedToken);
    assert.deepEqual((await w.custody.read(w.stack)).breakGlassTokens, { [issued.accessor]: token });
    const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: issued.accessor });
    assert.deepEqual(out, { accessor: issued.accessor, revoked: true, alreadyGone: false });
    assert.equal(w.vault.tokens.get(token), undefined);
    assert.equal((await w.custody.read(w.stack)).breakGlassTokens, undefined, 'custody forgets it');
  });

  it('a token custody does not hold (issued by an older version) is revoked by accessor, if it is break glass', async () => {
    const w = await worldAfter('revokeRootToken');
    const old = w.vault.addToken('hvs.old-glass', ['root'], 'token-break-glass-s1', {
      'vault-bootstrap': 'break-glass',
      stack: w.stack,
    });
    const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: old.accessor });
    assert.deepEqual(out, { accessor: old.accessor, revoked: true, alreadyGone: false });
    assert.deepEqual(w.vault.rootTokens(), [], 'and the root token generated for it is gone too');
    const app = w.vault.addToken('hvs.an-application', ['app-policy'], 'token-app');
    await assert.rejects(
      w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: app.accessor }),
      namedFailure('InvalidInput', /is not a break-glass token of .*: left alone/),
    );
    assert.ok(w.vault.byAccessor(app.accessor), "an application's token is never revoked");
  });

  it("the tool's tokens cannot look up or revoke another token by accessor", async () => {
    const w = await worldAfter('revokeRootToken');
    const held = await w.custody.read(w.stack);
    const app = w.vault.addToken('hvs.an-application', ['app-policy'], 'token-app');
    const node = w.vault.factory('vault-1', {
      host: w.vault.addressOf(1)!,
      port: VAULT_API_PORT,
      serverName: 'vault-1',
    });
    for (const token of [held.workerToken!, held.snapshotToken!, held.rootGenerationToken!]) {
      await assert.rejects(node.lookupAccessor(token, app.accessor), /HTTP 403/);
      await assert.rejects(node.revokeAccessor(token, app.accessor), /HTTP 403/);
    }
    assert.ok(w.vault.byAccessor(app.accessor));
  });

  it('pinned recipients: a pinned key is served; any other key, or no pins, is refused before anything is generated', async () => {
    const mine = keyPair();
    const fp = fingerprintOfPem(mine.pem)!;
    const pinned = { kind: 'pinned' as const, fingerprints: new Set([fp]), file: '/etc/pins.pem' };
    const w = await worldAfter('revokeRootToken', { breakGlass: pinned });
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure(
        'BreakGlassRecipientNotPinned',
        /is not among the 1 pinned in \/etc\/pins\.pem; nothing was generated/,
      ),
    );
    assert.equal(w.vault.rootGeneration, undefined, 'no root generation was started');
    assert.deepEqual(w.vault.rootTokens(), []);
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, mine.pem));
    assert.deepEqual(w.vault.tokens.get(open(mine.privateKey, issued.sealedToken))?.policies, ['root']);

    const none = await worldAfter('revokeRootToken', { breakGlass: { kind: 'none' } });
    await assert.rejects(
      none.run(none.acts.issueBreakGlassToken, input(none, mine.pem)),
      namedFailure(
        'BreakGlassRecipientNotPinned',
        /pins no recipient keys \(VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS\)/,
      ),
    );
    assert.deepEqual(none.vault.rootTokens(), []);
  });

  it('revoking a token Vault no longer knows is not an error', async () => {
    const w = await worldAfter('revokeRootToken');
    const out = await w.run(w.acts.revokeBreakGlassToken, { stack: w.stack, accessor: 'gone' });
    assert.deepEqual(out, { accessor: 'gone', revoked: false, alreadyGone: true });
  });
});

/**
 * Runs issueBreakGlassToken until it dies at `point`, as a SIGKILL ends it: from there on nothing it does reaches
 * Vault (unreachable) and it throws; then Vault answers again, for the retry.
 */
async function crashAt(w: World, point: FailpointName, pem: string): Promise<void> {
  w.failpoints.at.set(point, () => {
    w.failpoints.at.delete(point);
    w.vault.unreachable = true;
    throw new Error(`killed at ${point}`);
  });
  await assert.rejects(w.run(w.acts.issueBreakGlassToken, input(w, pem)), /killed at/);
  w.vault.unreachable = false;
}

/** The owner of the progress a MockActivityEnvironment's activity writes (`<workflow id>/<activity id>`). */
const OWNER = 'test/test';

describe('root generation survives a crash (issue 25): the retry reads custody', () => {
  it('crash right after the root token was generated: the retry finds it by time and revokes it', async () => {
    const w = await worldAfter('revokeRootToken');
    const { pem } = keyPair();
    await crashAt(w, 'issueBreakGlassToken:after-generate-root', pem);
    const orphan = w.vault.rootTokens();
    assert.equal(orphan.length, 1, 'the generated root token, with no TTL, known to nobody');
    const entry = (await w.custody.read(w.stack)).rootGenerations?.[OWNER];
    assert.equal(entry?.nonces.length, 1, 'the nonce is in custody');
    assert.equal(entry?.keyGivenAt.length, 1, 'and when the key was given');
    assert.deepEqual(entry?.accessors, [], 'no accessor: the crash came before it was known');

    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
    assert.equal(w.vault.byAccessor(orphan[0]!.accessor), undefined, 'the orphaned root token is revoked');
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
      'the one root-policy token is the one handed over',
    );
    assert.equal((await w.custody.read(w.stack)).rootGenerations, undefined, 'custody is clean again');
  });

  it('crash right after the break-glass token was made: found by its attempt nonce and revoked with the root', async () => {
    const w = await worldAfter('revokeRootToken');
    const { pem } = keyPair();
    await crashAt(w, 'issueBreakGlassToken:after-create-token', pem);
    const left = w.vault.rootTokens();
    assert.equal(left.length, 2, 'the generated root token and the unrecorded break-glass token');
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
    for (const t of left) assert.equal(w.vault.byAccessor(t.accessor), undefined, `${t.displayName} revoked`);
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
    );
    assert.equal((await w.custody.read(w.stack)).rootGenerations, undefined);
  });

  it("an operator's root token made outside the crash's window is not touched", async () => {
    const w = await worldAfter('revokeRootToken');
    const { pem } = keyPair();
    const theirs = w.vault.addToken('hvs.operator-root', ['root'], 'root');
    w.clock.advance(10 * 60_000);
    await crashAt(w, 'issueBreakGlassToken:after-generate-root', pem);
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, pem));
    assert.deepEqual(
      w.vault
        .rootTokens()
        .map((t) => t.accessor)
        .sort(),
      [issued.accessor, theirs.accessor].sort(),
    );
  });

  it('its own attempt still in progress (crash before the key was given) is completed, its token swept', async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId } = await w.custody.read(w.stack);
    w.vault.rootGeneration = { nonce: 'nonce-mine', otp: 'o'.repeat(26) };
    await w.custody.setRootGeneration(w.stack, keyId, OWNER, {
      updatedAt: new Date(w.clock.now()).toISOString(),
      nonces: ['nonce-mine'],
      keyGivenAt: [],
      accessors: [],
    });
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem));
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
    );
    assert.equal(w.vault.rootGeneration, undefined);
  });

  it('an unrecorded attempt while this tool was starting one: still left alone, and the message says why', async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId } = await w.custody.read(w.stack);
    w.vault.rootGeneration = { nonce: 'nonce-unknown', otp: 'o'.repeat(26) };
    await w.custody.setRootGeneration(w.stack, keyId, OWNER, {
      updatedAt: new Date(w.clock.now()).toISOString(),
      startingAt: '2026-12-06T04:00:00.000Z',
      nonces: [],
      keyGivenAt: [],
      accessors: [],
    });
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      namedFailure('RootGenerationInProgress', /starting one at 2026-12-06T04:00:00.000Z/),
    );
    assert.equal(w.vault.rootGeneration?.nonce, 'nonce-unknown');
  });

  it("another live run's attempt is waited for (retryable), not cancelled", async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId } = await w.custody.read(w.stack);
    w.vault.rootGeneration = { nonce: 'nonce-theirs', otp: 'o'.repeat(26) };
    await w.custody.setRootGeneration(w.stack, keyId, 'other-workflow/1', {
      updatedAt: new Date(w.clock.now()).toISOString(),
      nonces: ['nonce-theirs'],
      keyGivenAt: [],
      accessors: [],
    });
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      retryableError(/another run of this tool \(other-workflow\/1\)/),
    );
    assert.equal(w.vault.rootGeneration?.nonce, 'nonce-theirs');
  });

  it('another run just starting one (its start in custody, no nonce yet) is waited for too', async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId } = await w.custody.read(w.stack);
    w.vault.rootGeneration = { nonce: 'nonce-not-yet-recorded', otp: 'o'.repeat(26) };
    await w.custody.setRootGeneration(w.stack, keyId, 'other-workflow/1', {
      updatedAt: new Date(w.clock.now()).toISOString(),
      startingAt: new Date(w.clock.now()).toISOString(),
      nonces: [],
      keyGivenAt: [],
      accessors: [],
    });
    await assert.rejects(
      w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem)),
      retryableError(/another run of this tool \(other-workflow\/1\)/),
    );
    assert.equal(w.vault.rootGeneration?.nonce, 'nonce-not-yet-recorded');
  });

  it('a stale entry of a run that is gone is adopted: its tokens revoked, its entry removed', async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId } = await w.custody.read(w.stack);
    const left = w.vault.addToken('hvs.left-by-a-dead-run', ['root'], 'token-break-glass-s1');
    await w.custody.setRootGeneration(w.stack, keyId, 'dead-workflow/1', {
      updatedAt: new Date(w.clock.now()).toISOString(),
      nonces: ['nonce-old'],
      keyGivenAt: [],
      accessors: [left.accessor],
    });
    w.clock.advance(ROOT_GENERATION_STALE_MS + 60_000);
    const issued = await w.run(w.acts.issueBreakGlassToken, input(w, keyPair().pem));
    assert.equal(w.vault.byAccessor(left.accessor), undefined);
    assert.deepEqual(
      w.vault.rootTokens().map((t) => t.accessor),
      [issued.accessor],
    );
    assert.equal((await w.custody.read(w.stack)).rootGenerations, undefined);
  });

  it('credentials repair goes the same way: a crashed attempt of it is cleaned up by its retry', async () => {
    const w = await worldAfter('revokeRootToken');
    const { keyId, snapshotToken } = await w.custody.read(w.stack);
    w.vault.tokens.delete(snapshotToken!);
    const orphan = w.vault.addToken('hvs.generated-orphan', ['root'], 'root');
    await w.custody.setRootGeneration(w.stack, keyId, OWNER, {
      updatedAt: new Date(w.clock.now()).toISOString(),
      nonces: ['nonce-crashed'],
      keyGivenAt: [new Date(w.clock.now()).toISOString()],
      accessors: [],
    });
    const out = await w.run(w.acts.repairCredentials, { stack: w.stack });
    assert.equal(out.changed, true);
    assert.match(out.summary, /issued the snapshot token/);
    assert.equal(w.vault.byAccessor(orphan.accessor), undefined);
    assert.deepEqual(w.vault.rootTokens(), []);
    assert.equal((await w.custody.read(w.stack)).rootGenerations, undefined);
  });
});
