/**
 * The rotation of the unseal key (issue 29) through the real gateway against a real OpenBao server process
 * (test/support/local-openbao.ts: the test bed's `bao` binary, Raft in a temporary folder, TLS on 127.0.0.1),
 * no Docker. The endpoints are the ones `capabilitiesOf(server).rekey` names for the server the node says it
 * is; the new key comes back encrypted to a throwaway OpenPGP key made here and is decrypted here.
 *
 * What it proves, in order (each case starts from the key the previous one left):
 * - the capability names `sys/rotate/root` for OpenBao 2.7.2, and the legacy `sys/rekey` is off (405);
 * - a rotation with verification and backup: one at a time, the nonce checked, the old key valid until the new
 *   one is verified, a failed verification replacing its nonce, the backup holding the encrypted new key; after
 *   a seal the old key no longer unseals and the new one does;
 * - a rotation interrupted after its start is found by a new client (no state of the first) and finished;
 * - one interrupted after `update` (the new key answered, not yet verified) is finished from the status and
 *   the backup alone;
 * - one interrupted is cancelled, and the old key stays; a seal before verification loses the rotation (the
 *   old key stays) while the backup still holds the never-valid key; the backup can be deleted.
 * No error met on the way carries a key or a token.
 *
 * Run: `npm run test:rekey-api` (not part of `npm test`). Skipped when the binary is not there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import type { RekeyApi, RekeyUpdate, VaultNode } from '../../src/ports';
import { VaultRequestError } from '../../src/shared/errors';
import { capabilitiesOf } from '../../src/shared/vault-server';
import { LocalOpenBao, openBaoBinary } from '../support/local-openbao';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

const binary = openBaoBinary();

/** Every error a case met: none may hold a key or a token (checked at the end). */
const errors: string[] = [];

/** The rejection of `p`, which must be a VaultRequestError with `status`; kept for the secrets check. */
async function refused(p: Promise<unknown>, status: number, match?: RegExp): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof VaultRequestError, String(err));
    errors.push(err.message);
    assert.equal(err.status, status, err.message);
    if (match) assert.match(err.message, match);
    return err.message;
  }
  assert.fail(`expected HTTP ${status}, the call succeeded`);
}

describe(
  'rotating the unseal key on a real OpenBao (sys/rotate/root)',
  { skip: !binary && 'no bao binary' },
  () => {
    let bao: LocalOpenBao;
    let rootToken = '';
    let key = ''; // the current unseal key
    const oldKeys: string[] = [];
    let api: RekeyApi = 'sys/rotate/root';
    let pgp: { publicKey: string; privateKey: OpenPgp.PrivateKey; fingerprint: string };

    /** The new key in an encrypted answer, as custody keeps keys: base64 (the plaintext is its hex). */
    async function decrypt(b64: string): Promise<string> {
      const message = await openpgp.readMessage({ binaryMessage: Buffer.from(b64, 'base64') });
      const opened: { data: Uint8Array } = await openpgp.decrypt({
        message,
        decryptionKeys: pgp.privateKey,
        format: 'binary',
      });
      const data = opened.data;
      const hex = Buffer.from(data).toString('utf8');
      assert.match(hex, /^(?:[0-9a-f]{2})+$/, 'the plaintext is the key in hex');
      return Buffer.from(hex, 'hex').toString('base64');
    }

    function completed(u: RekeyUpdate): Extract<RekeyUpdate, { complete: true }> {
      if (!u.complete) assert.fail('the rotation did not complete');
      return u;
    }

    /** Seals the node and proves which keys open it: `valid` does, every one of `invalid` does not. */
    async function sealAndProve(valid: string, invalid: string[]): Promise<void> {
      await bao.seal(rootToken);
      for (const k of invalid)
        await refused(bao.client().unseal(k), 400, /message authentication failed|invalid key/);
      await bao.unsealAndWaitActive(valid);
    }

    before(async () => {
      const started = Date.now();
      bao = await LocalOpenBao.start(binary!);
      const node = bao.client();
      const init = await node.init();
      ({ unsealKey: key, rootToken } = init);
      await bao.unsealAndWaitActive(key);
      const status = await node.sealStatus();
      assert.equal(status.server.product, 'openbao');
      api = capabilitiesOf(status.server).rekey.api;
      const { privateKey, publicKey } = await openpgp.generateKey({
        type: 'rsa',
        rsaBits: 3072,
        userIDs: [{ name: 'vault-bootstrap rekey test' }],
        format: 'armored',
      });
      const priv = await openpgp.readPrivateKey({ armoredKey: privateKey });
      pgp = { publicKey, privateKey: priv, fingerprint: priv.getFingerprint() };
      console.log(`# OpenBao ${status.version} up, initialized and unsealed in ${Date.now() - started} ms`);
    });

    after(async () => {
      await bao?.stop();
    });

    it('the capability names sys/rotate/root for OpenBao 2.7.2, and the legacy sys/rekey is off (405)', async () => {
      assert.equal(api, 'sys/rotate/root');
      const node: VaultNode = bao.client();
      const status = await node.rekeyStatus(api, rootToken);
      assert.deepEqual(status && { started: status.started, nonce: status.nonce }, {
        started: false,
        nonce: '',
      });
      assert.equal(await node.rekeyStatus('sys/rekey', rootToken), undefined);
      await refused(node.rekeyStatus(api), 403, /permission denied/); // authenticated, as the capability says
    });

    it('refuses a private key before any call: only a public key is ever sent', async () => {
      const armored = pgp.privateKey.armor();
      await assert.rejects(
        bao
          .client()
          .startRekey(api, { pgpPublicKey: armored, backup: true, requireVerification: true }, rootToken),
        (err: Error) => !err.message.includes('PRIVATE KEY') && /private key/.test(err.message),
      );
      assert.equal((await bao.client().rekeyStatus(api, rootToken))?.started, false);
    });

    it('rotates with verification and backup: the old key holds until the new one is verified', async () => {
      const node = bao.client();
      const request = { pgpPublicKey: pgp.publicKey, backup: true, requireVerification: true };
      const started = await node.startRekey(api, request, rootToken);
      assert.equal(started.started, true);
      assert.deepEqual(started.pgpFingerprints, [pgp.fingerprint]);
      assert.equal(started.backup, true);
      assert.equal(started.verificationRequired, true);
      await refused(node.startRekey(api, request, rootToken), 400, /rotation already in progress/);
      await refused(node.provideRekeyKey(api, key, 'not-the-nonce', rootToken), 400, /incorrect nonce/);

      const done = completed(await node.provideRekeyKey(api, key, started.nonce, rootToken));
      assert.deepEqual(done.pgpFingerprints, [pgp.fingerprint]);
      assert.equal(done.encryptedKeys.length, 1);
      assert.ok(done.verificationNonce);
      const newKey = await decrypt(done.encryptedKeys[0]!);
      assert.notEqual(newKey, key);

      // The status says the verification's nonce; a wrong key fails it and the server replaces the nonce.
      const waiting = await node.rekeyStatus(api, rootToken);
      assert.equal(waiting?.verificationNonce, done.verificationNonce);
      await refused(
        node.provideRekeyVerificationKey(api, key, done.verificationNonce, rootToken),
        400,
        /incorrect/,
      );
      const again = await node.rekeyVerificationStatus(api, rootToken);
      assert.ok(again?.started);
      assert.notEqual(again.nonce, done.verificationNonce);

      // The backup holds what the answer held, under the rotation's nonce.
      const backup = await node.rekeyBackup(api, rootToken);
      assert.equal(backup?.nonce, started.nonce);
      assert.deepEqual(backup.encryptedKeys[pgp.fingerprint], done.encryptedKeys);

      assert.deepEqual(await node.provideRekeyVerificationKey(api, newKey, again.nonce, rootToken), {
        complete: true,
        nonce: again.nonce,
      });
      assert.equal((await node.rekeyStatus(api, rootToken))?.started, false);
      assert.equal(await node.rekeyVerificationStatus(api, rootToken), undefined);

      oldKeys.push(key);
      key = newKey;
      await sealAndProve(key, oldKeys);
    });

    it('a rotation interrupted after its start is found by a new client and finished (no verification)', async () => {
      const first = bao.client();
      const started = await first.startRekey(
        api,
        { pgpPublicKey: pgp.publicKey, backup: true, requireVerification: false },
        rootToken,
      );
      // The worker is gone: a new client with nothing of the first finds the rotation by its status.
      const next = bao.client();
      const found = await next.rekeyStatus(api, rootToken);
      assert.equal(found?.started, true);
      assert.equal(found.nonce, started.nonce);
      assert.deepEqual(found.pgpFingerprints, [pgp.fingerprint]);
      assert.equal(found.verificationRequired, false);
      const done = completed(await next.provideRekeyKey(api, key, found.nonce, rootToken));
      assert.equal(done.verificationNonce, '');
      const newKey = await decrypt(done.encryptedKeys[0]!);
      assert.equal((await next.rekeyStatus(api, rootToken))?.started, false, 'complete without verification');
      oldKeys.push(key);
      key = newKey;
      await sealAndProve(key, oldKeys);
    });

    it('one interrupted after update (new key answered, unverified) is finished from the status and the backup', async () => {
      const first = bao.client();
      const started = await first.startRekey(
        api,
        { pgpPublicKey: pgp.publicKey, backup: true, requireVerification: true },
        rootToken,
      );
      completed(await first.provideRekeyKey(api, key, started.nonce, rootToken));
      // The answer is lost with the worker. The next one reads the status and the backup, nothing else.
      const next = bao.client();
      const status = await next.rekeyStatus(api, rootToken);
      assert.equal(status?.started, true);
      assert.ok(status.verificationNonce, 'waiting for verification');
      const backup = await next.rekeyBackup(api, rootToken);
      assert.equal(backup?.nonce, status.nonce, 'the backup is this rotation’s');
      const newKey = await decrypt(backup.encryptedKeys[pgp.fingerprint]![0]!);
      const verification = await next.rekeyVerificationStatus(api, rootToken);
      assert.equal(verification?.nonce, status.verificationNonce);
      assert.equal(
        (await next.provideRekeyVerificationKey(api, newKey, verification.nonce, rootToken)).complete,
        true,
      );
      oldKeys.push(key);
      key = newKey;
      await sealAndProve(key, oldKeys);
    });

    it('an interrupted rotation can be cancelled by a new client; the old key stays, even during verification', async () => {
      const first = bao.client();
      const started = await first.startRekey(
        api,
        { pgpPublicKey: pgp.publicKey, backup: true, requireVerification: true },
        rootToken,
      );
      const next = bao.client();
      const found = await next.rekeyStatus(api, rootToken);
      assert.equal(found?.nonce, started.nonce);
      await next.cancelRekey(api, found.nonce, rootToken);
      assert.equal((await next.rekeyStatus(api, rootToken))?.started, false);
      await refused(next.provideRekeyKey(api, key, started.nonce, rootToken), 400, /no rotation in progress/);

      // Cancelled while waiting for verification: the new key was answered but never became the key.
      const second = await next.startRekey(
        api,
        { pgpPublicKey: pgp.publicKey, backup: false, requireVerification: true },
        rootToken,
      );
      const unverified = await decrypt(
        completed(await next.provideRekeyKey(api, key, second.nonce, rootToken)).encryptedKeys[0]!,
      );
      await bao.client().cancelRekey(api, second.nonce, rootToken);
      assert.equal((await next.rekeyStatus(api, rootToken))?.started, false);
      await sealAndProve(key, [unverified, ...oldKeys]);
    });

    it('a seal before verification loses the rotation (the old key stays); the backup still holds the unverified key', async () => {
      const node = bao.client();
      const started = await node.startRekey(
        api,
        { pgpPublicKey: pgp.publicKey, backup: true, requireVerification: true },
        rootToken,
      );
      const done = completed(await node.provideRekeyKey(api, key, started.nonce, rootToken));
      const unverified = await decrypt(done.encryptedKeys[0]!);
      await sealAndProve(key, [unverified]);
      assert.equal((await node.rekeyStatus(api, rootToken))?.started, false, 'the rotation was in memory');
      // The backup outlives it: its keys never became valid. Only the rotation's status tells (here: none).
      const backup = await node.rekeyBackup(api, rootToken);
      assert.equal(backup?.nonce, started.nonce);
      assert.equal(await decrypt(backup.encryptedKeys[pgp.fingerprint]![0]!), unverified);
      await node.deleteRekeyBackup(api, rootToken);
      assert.equal(await node.rekeyBackup(api, rootToken), undefined);
      await node.deleteRekeyBackup(api, rootToken); // a no-op when there is none
    });

    it('no error met on the way carries a key or the root token', () => {
      assert.ok(errors.length >= 8, `${errors.length} errors seen`);
      for (const message of errors)
        for (const secret of [rootToken, key, ...oldKeys])
          assert.ok(!message.includes(secret), `an error holds a secret: ${message.slice(0, 60)}…`);
    });
  },
);
