/**
 * The fake Vault's rotation of the unseal key models the rules OpenBao 2.7.2 showed (test/integration/
 * rekey-openbao.test.ts proves them on the real server), so a step built on it meets the same ones: one rotation
 * at a time; its nonce; the current key to complete it; the new key encrypted for real to the key given; the
 * old key valid until completion, or with verification until the new key is verified; a failed verification
 * replacing its nonce; a restart of the active node losing the rotation, never the backup; the endpoints of the
 * server's capability only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import type { RekeyUpdate, VaultNode } from '../../src/ports';
import { VAULT_API_PORT } from '../../src/shared/constants';
import { capabilitiesOf } from '../../src/shared/vault-server';
import { fakeWorld } from '../support/fakes';
import type { World } from '../support/fakes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

const keyPair = openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'fake' }] });

async function formed(): Promise<{ w: World; node: VaultNode; root: string; key: string }> {
  const w = fakeWorld();
  await w.bootstrapThrough('unsealPeers');
  const node = w.vault.factory('vault-1', {
    host: w.vault.addressOf(1)!,
    port: VAULT_API_PORT,
    serverName: 'vault-1',
  });
  return { w, node, root: w.vault.rootTokens()[0]!.token, key: w.vault.unsealKey! };
}

async function decrypt(b64: string): Promise<string> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: (await keyPair).privateKey });
  const message = await openpgp.readMessage({ binaryMessage: Buffer.from(b64, 'base64') });
  const opened: { data: Uint8Array } = await openpgp.decrypt({
    message,
    decryptionKeys: privateKey,
    format: 'binary',
  });
  return Buffer.from(Buffer.from(opened.data).toString('utf8'), 'hex').toString('base64');
}

function encryptedKey(u: RekeyUpdate): string {
  if (!u.complete) assert.fail('not complete');
  return u.encryptedKeys[0]!;
}

describe('the fake Vault rotates the unseal key as OpenBao 2.7.2 does', () => {
  it('with verification: one at a time, the nonce, the old key until the new one is verified', async () => {
    const { w, node, root, key } = await formed();
    const api = capabilitiesOf(w.vault.server).rekey.api;
    const request = { pgpPublicKey: (await keyPair).publicKey, backup: true, requireVerification: true };
    const started = await node.startRekey(api, request, root);
    await assert.rejects(node.startRekey(api, request, root), /HTTP 400: rotation already in progress/);
    await assert.rejects(node.provideRekeyKey(api, key, 'other', root), /HTTP 400: incorrect nonce/);
    await assert.rejects(node.provideRekeyKey(api, 'd3Jvbmc=', started.nonce, root), /HTTP 400/);
    const update = await node.provideRekeyKey(api, key, started.nonce, root);
    const newKey = await decrypt(encryptedKey(update));
    assert.equal(w.vault.unsealKey, key, 'the old key holds until verification');
    const verification = await node.rekeyVerificationStatus(api, root);
    await assert.rejects(node.provideRekeyVerificationKey(api, key, verification!.nonce, root), /HTTP 400/);
    const again = await node.rekeyVerificationStatus(api, root);
    assert.notEqual(again!.nonce, verification!.nonce, 'a failed verification replaces the nonce');
    assert.equal((await node.provideRekeyVerificationKey(api, newKey, again!.nonce, root)).complete, true);
    assert.equal(w.vault.unsealKey, newKey);
    assert.deepEqual(w.vault.rotatedKeys, [newKey]);
    assert.equal((await node.rekeyStatus(api, root))?.started, false);
    assert.equal((await node.rekeyBackup(api, root))?.nonce, started.nonce);
  });

  it('without verification the key changes at update; a restart of the active node loses a rotation, not the backup', async () => {
    const { w, node, root, key } = await formed();
    const api = capabilitiesOf(w.vault.server).rekey.api;
    const pgpPublicKey = (await keyPair).publicKey;
    const first = await node.startRekey(
      api,
      { pgpPublicKey, backup: false, requireVerification: false },
      root,
    );
    const newKey = await decrypt(encryptedKey(await node.provideRekeyKey(api, key, first.nonce, root)));
    assert.equal(w.vault.unsealKey, newKey);
    assert.equal(await node.rekeyBackup(api, root), undefined, 'no backup asked for');

    const second = await node.startRekey(
      api,
      { pgpPublicKey, backup: true, requireVerification: true },
      root,
    );
    await node.provideRekeyKey(api, newKey, second.nonce, root);
    w.vault.restart(w.vault.activeSlot()!);
    assert.equal(w.vault.rekey, undefined, 'the rotation was in memory');
    assert.equal(w.vault.unsealKey, newKey, 'the old key stays');
    assert.equal(
      w.vault.rekeyBackup?.nonce,
      second.nonce,
      'the backup stays, with a key that never became valid',
    );
  });

  it('only the endpoints of its capability; authenticated ones want a root token; cancel keeps the old key', async () => {
    const { w, node, root, key } = await formed();
    assert.equal(
      await node.rekeyStatus('sys/rekey', root),
      undefined,
      "OpenBao 2.7.2's legacy endpoints are off",
    );
    await assert.rejects(node.rekeyStatus('sys/rotate/root'), /HTTP 403/);
    const pgpPublicKey = (await keyPair).publicKey;
    const started = await node.startRekey(
      'sys/rotate/root',
      { pgpPublicKey, backup: false, requireVerification: true },
      root,
    );
    await node.provideRekeyKey('sys/rotate/root', key, started.nonce, root);
    await node.cancelRekey('sys/rotate/root', started.nonce, root);
    assert.equal(w.vault.unsealKey, key);
    assert.equal((await node.rekeyStatus('sys/rotate/root', root))?.started, false);

    w.vault.asServer({ product: 'vault', version: '1.19.0' });
    assert.equal(w.vault.rekeyApi, 'sys/rekey');
    assert.equal((await node.rekeyStatus('sys/rekey'))?.started, false, 'unauthenticated on Vault 1.x');
    assert.equal(await node.rekeyStatus('sys/rotate/root', root), undefined);
  });
});
