/** What the configuration tests (test/unit/config/) share: a certificate folder, and the error they expect. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/shared/errors';
import { testDir } from './tmp';

/** A fresh folder with a `ca.pem` that passes the PEM check (the worker reads no more of it at start). */
export function certDir(): string {
  const dir = testDir('vbt-cfg-');
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  return dir;
}

/** `fn` throws a `ConfigError` for `setting` whose message matches `expected`. */
export function expectConfigError(fn: () => unknown, setting: string, expected: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.setting, setting);
    assert.match(err.message, expected);
    return true;
  });
}
