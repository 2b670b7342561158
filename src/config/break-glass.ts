/**
 * Whom break glass may hand a root token to, on both sides of it:
 * - the worker pins the operators' public keys (`VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS`): `BreakGlassRootToken`
 *   encrypts a token only to one of them, so a caller who reached Temporal with a key of its own gets nothing
 *   it can read, even where the cluster's authorizer let it start the workflow;
 * - the client holds one private half (`VAULT_BOOTSTRAP_BREAK_GLASS_KEY`) and asks for the token with its
 *   public half.
 * A key is known by its fingerprint: SHA-256 of its DER SubjectPublicKeyInfo, hex (`spkiFingerprint`).
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../shared/errors';
import { str } from './env';
import type { Env } from './env';

export const RECIPIENTS_VAR = 'VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS';
export const KEY_VAR = 'VAULT_BOOTSTRAP_BREAK_GLASS_KEY';

/**
 * The worker's pins: `pinned` fingerprints (a file of PEM public keys; `#` lines are comments), `any` (the
 * word `any`: every key, for a Temporal only its operator reaches), or `none` (unset, or a file of comments
 * only): break glass refuses every request.
 */
export type BreakGlassRecipients =
  { kind: 'pinned'; fingerprints: ReadonlySet<string>; file: string } | { kind: 'any' } | { kind: 'none' };

/** SHA-256 of the key's DER SubjectPublicKeyInfo, lower-case hex. */
export function spkiFingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The fingerprint of a PEM public key, or undefined when it is not one. */
export function fingerprintOfPem(pem: string): string | undefined {
  try {
    return spkiFingerprint(createPublicKey(pem));
  } catch {
    return undefined;
  }
}

export function loadBreakGlassRecipients(env: Env, cwd = process.cwd()): BreakGlassRecipients {
  const raw = str(env, RECIPIENTS_VAR, '');
  if (raw === '') return { kind: 'none' };
  if (raw === 'any') return { kind: 'any' };
  const file = resolve(cwd, raw);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      RECIPIENTS_VAR,
      '`any` or a readable file of PEM public keys',
      `${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) {
    // Only comments: a file that pins nothing on purpose (a Swarm config cannot be empty).
    if (text.replace(/^\s*#.*$/gm, '').trim() !== '')
      throw new ConfigError(RECIPIENTS_VAR, 'PEM public keys (-----BEGIN PUBLIC KEY-----)', file);
    return { kind: 'none' };
  }
  const fingerprints = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const fp = fingerprintOfPem(block);
    if (fp === undefined)
      throw new ConfigError(RECIPIENTS_VAR, `public keys that parse (key ${i + 1} does not)`, file);
    fingerprints.add(fp);
  }
  return { kind: 'pinned', fingerprints, file };
}

/**
 * The client's break-glass key: its private half (never sent) and the public half it sends, from the file
 * `VAULT_BOOTSTRAP_BREAK_GLASS_KEY` names (an unencrypted PEM RSA private key only its owner may read), or
 * undefined when unset (the client then makes a key pair for the one call, which only an `any` worker serves).
 */
export interface BreakGlassKey {
  file: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function loadBreakGlassKey(env: Env, cwd = process.cwd()): BreakGlassKey | undefined {
  const raw = str(env, KEY_VAR, '');
  if (raw === '') return undefined;
  const file = resolve(cwd, raw);
  let pem: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new ConfigError(KEY_VAR, 'a private key file only its owner can read (chmod 600)', file);
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      KEY_VAR,
      'a readable PEM private key file',
      `${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError(KEY_VAR, 'an unencrypted PEM private key', file);
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 3072)
    throw new ConfigError(
      KEY_VAR,
      'an RSA private key of 3072 bits or more (the token is RSA-OAEP encrypted)',
      file,
    );
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { file, privateKey, publicKeyPem };
}
