import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadMetricsAddress } from '../../src/config';

const KEY = 'VAULT_BOOTSTRAP_METRICS_ADDRESS';

describe('VAULT_BOOTSTRAP_METRICS_ADDRESS', () => {
  it('unset: 127.0.0.1:9464, this host only', () => {
    assert.deepEqual(loadMetricsAddress({}), { host: '127.0.0.1', port: 9464 });
  });

  it('empty: no metrics are served', () => {
    assert.equal(loadMetricsAddress({ [KEY]: '' }), undefined);
  });

  it('host:port, a name or an address; an IPv6 address in brackets, returned without them', () => {
    assert.deepEqual(loadMetricsAddress({ [KEY]: '0.0.0.0:9464' }), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(loadMetricsAddress({ [KEY]: 'localhost:1' }), { host: 'localhost', port: 1 });
    assert.deepEqual(loadMetricsAddress({ [KEY]: '[::]:65535' }), { host: '::', port: 65535 });
    assert.deepEqual(loadMetricsAddress({ [KEY]: '[::1]:9464' }), { host: '::1', port: 9464 });
  });

  it('anything else is a configuration error naming the variable and the value', () => {
    for (const bad of [
      '9464',
      ':9464',
      '127.0.0.1',
      '127.0.0.1:',
      '127.0.0.1:0',
      '127.0.0.1:65536',
      'host:port',
      '::1:9464',
      ' 127.0.0.1:9464',
      'http://127.0.0.1:9464',
    ]) {
      assert.throws(
        () => loadMetricsAddress({ [KEY]: bad }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `${JSON.stringify(bad)}: ${String(err)}`);
          assert.equal(err.setting, KEY);
          assert.equal(
            err.message,
            `${KEY}: expected host:port (e.g. 0.0.0.0:9464), or empty for none, got ${JSON.stringify(bad)}`,
          );
          return true;
        },
      );
    }
  });
});
