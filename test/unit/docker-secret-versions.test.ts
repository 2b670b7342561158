import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretVersionOf } from '../../src/docker/gateway';

describe('secret versions', () => {
  it('reads the family from names', () => {
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key'), 0);
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key_v12'), 12);
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key_old'), undefined);
    assert.equal(secretVersionOf('a.b', 'axb_v1'), undefined);
  });
});
