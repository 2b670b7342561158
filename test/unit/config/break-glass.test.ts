/** Break glass's keys (src/config/break-glass.ts): the worker's pins and the client's private key. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  fingerprintOfPem,
  loadBreakGlassKey,
  loadBreakGlassRecipients,
} from '../../../src/config/break-glass';
import { expectConfigError } from '../../support/config';
import { testDir } from '../../support/tmp';

const dir = testDir('vbt-bg-');
const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
const pub = (k: ReturnType<typeof rsa>) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const priv = (k: ReturnType<typeof rsa>) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

describe('break-glass keys', () => {
  const a = rsa(3072);
  const b = rsa(3072);

  it('the worker pins every public key of its file; unset or a file without keys pins none; `any` is explicit', () => {
    const pins = loadBreakGlassRecipients({
      VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: file('pins.pem', `# ops\n${pub(a)}\n${pub(b)}`),
    });
    assert.equal(pins.kind, 'pinned');
    assert.deepEqual(
      pins.kind === 'pinned' ? [...pins.fingerprints].sort() : [],
      [fingerprintOfPem(pub(a)), fingerprintOfPem(pub(b))].sort(),
    );
    assert.deepEqual(loadBreakGlassRecipients({}), { kind: 'none' });
    assert.deepEqual(
      loadBreakGlassRecipients({
        VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: file('empty.pem', '# none pinned\n\n'),
      }),
      {
        kind: 'none',
      },
    );
    assert.deepEqual(loadBreakGlassRecipients({ VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: 'any' }), {
      kind: 'any',
    });
  });

  it('a pins file that is missing or holds no public key is named', () => {
    expectConfigError(
      () => loadBreakGlassRecipients({ VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: join(dir, 'nope.pem') }),
      'VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS',
      /nope\.pem \(ENOENT\)/,
    );
    expectConfigError(
      () => loadBreakGlassRecipients({ VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: file('priv.pem', priv(a)) }),
      'VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS',
      /PEM public keys/,
    );
  });

  it('the client reads its private key and sends the public half the worker pins', () => {
    const key = loadBreakGlassKey({ VAULT_BOOTSTRAP_BREAK_GLASS_KEY: file('op.key', priv(a)) });
    assert.equal(fingerprintOfPem(key!.publicKeyPem), fingerprintOfPem(pub(a)));
    assert.equal(loadBreakGlassKey({}), undefined);
  });

  it('a private key others can read, a short key or no key at all is named', () => {
    expectConfigError(
      () => loadBreakGlassKey({ VAULT_BOOTSTRAP_BREAK_GLASS_KEY: file('open.key', priv(a), 0o644) }),
      'VAULT_BOOTSTRAP_BREAK_GLASS_KEY',
      /only its owner can read \(chmod 600\)/,
    );
    expectConfigError(
      () => loadBreakGlassKey({ VAULT_BOOTSTRAP_BREAK_GLASS_KEY: file('short.key', priv(rsa(2048))) }),
      'VAULT_BOOTSTRAP_BREAK_GLASS_KEY',
      /3072 bits or more/,
    );
    expectConfigError(
      () => loadBreakGlassKey({ VAULT_BOOTSTRAP_BREAK_GLASS_KEY: file('pub.key', pub(a)) }),
      'VAULT_BOOTSTRAP_BREAK_GLASS_KEY',
      /unencrypted PEM private key/,
    );
  });
});
