/**
 * The OpenPGP public key a rotation of the unseal key is encrypted to, in the form Vault's API wants it.
 *
 * `pgp_keys` takes "base64-encoded from their original binary representation" keys (Vault's api-docs/system/rekey;
 * OpenBao 2.7.2 answers an armored key 400 "error decoding given PGP key: illegal base64 data"), so the armored
 * key the caller holds is read with openpgp.js (as src/custody/init-key.ts does) and written out binary. Reading
 * it also refuses what must never be sent: a private key, or text that is not exactly one key.
 */
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };

// openpgp.js ships its types as an ES module and a CommonJS build beside them; this project compiles to CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

/** One public key as `pgp_keys` wants it, and the fingerprint (lower-case hex) the server will answer. */
export interface VaultPgpKey {
  base64: string;
  fingerprint: string;
}

/**
 * `armored` as `pgp_keys` takes it; else an `Error` naming `where` (never the text given: it may be a private
 * key handed over by mistake).
 */
export async function publicKeyForVault(where: string, armored: string): Promise<VaultPgpKey> {
  // openpgp.js reads the first armored block and ignores any after it: count them first.
  const blocks = armored.match(/-----BEGIN PGP [A-Z ]+-----/g) ?? [];
  if (blocks.length > 1)
    throw new Error(
      `${where}: expected one OpenPGP public key to encrypt the new unseal key to, got ${blocks.length} armored blocks`,
    );
  let keys: OpenPgp.Key[];
  try {
    keys = await openpgp.readKeys({ armoredKeys: armored });
  } catch {
    throw new Error(`${where}: the key to encrypt the new unseal key to is not an armored OpenPGP key`);
  }
  const [key] = keys;
  if (keys.length !== 1 || !key)
    throw new Error(
      `${where}: expected one OpenPGP public key to encrypt the new unseal key to, got ${keys.length}`,
    );
  if (key.isPrivate())
    throw new Error(
      `${where}: the key to encrypt the new unseal key to is a private key; only its public half is sent`,
    );
  return {
    base64: Buffer.from(key.write()).toString('base64'),
    fingerprint: key.getFingerprint().toLowerCase(),
  };
}
