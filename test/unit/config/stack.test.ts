/** The stack's settings (src/config/stack.ts), read by the full worker and the client. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadClientConfig } from '../../../src/config/client';
import { loadStackConfig } from '../../../src/config/stack';
import { expectConfigError } from '../../support/config';

describe('stack config', () => {
  it('names a bad stack name or secret template', () => {
    expectConfigError(
      () => loadClientConfig({ VAULT_BOOTSTRAP_STACK: 'bad name!' }),
      'VAULT_BOOTSTRAP_STACK',
      /letters, digits/,
    );
    expectConfigError(
      () => loadStackConfig({ VAULT_UNSEAL_SECRET_NAME: 'a b' }, '/srv'),
      'VAULT_UNSEAL_SECRET_NAME',
      /secret name/,
    );
  });

  it('resolves stack files and the per-stack secret template', () => {
    const s = loadStackConfig(
      { VAULT_STACK_FILES: 'a.yml, b.yml', VAULT_UNSEAL_SECRET_NAME: '{stack}_key' },
      '/srv',
    );
    assert.deepEqual(s.files, ['/srv/a.yml', '/srv/b.yml']);
    assert.equal(s.unsealSecretTemplate, '{stack}_key');
  });
});
