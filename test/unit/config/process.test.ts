/**
 * What a worker process reads in either role (src/config/process.ts): its role, its log format, its metrics
 * address and its liveness file (also read by the HEALTHCHECK command).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  loadLivenessFile,
  loadLogFormat,
  loadMetricsAddress,
  loadWorkerRole,
} from '../../../src/config/process';
import { ConfigError } from '../../../src/shared/errors';
import { testDir } from '../../support/tmp';

describe('worker role', () => {
  it('full by default, or node-agent', () => {
    assert.equal(loadWorkerRole({}), 'full');
    assert.equal(loadWorkerRole({ VAULT_BOOTSTRAP_WORKER_ROLE: 'node-agent' }), 'node-agent');
  });

  it('an unknown role is a named configuration error', () => {
    assert.throws(
      () => loadWorkerRole({ VAULT_BOOTSTRAP_WORKER_ROLE: 'agent' }),
      (err: unknown) => err instanceof ConfigError && /VAULT_BOOTSTRAP_WORKER_ROLE/.test(err.message),
    );
  });
});

describe('VAULT_BOOTSTRAP_LOG_FORMAT', () => {
  it('text when unset or empty; json or text when set', () => {
    assert.equal(loadLogFormat({}), 'text');
    assert.equal(loadLogFormat({ VAULT_BOOTSTRAP_LOG_FORMAT: '' }), 'text');
    assert.equal(loadLogFormat({ VAULT_BOOTSTRAP_LOG_FORMAT: 'json' }), 'json');
    assert.equal(loadLogFormat({ VAULT_BOOTSTRAP_LOG_FORMAT: 'text' }), 'text');
  });

  it('anything else is a configuration error naming the variable', () => {
    for (const bad of ['JSON', 'logfmt', ' json'])
      assert.throws(
        () => loadLogFormat({ VAULT_BOOTSTRAP_LOG_FORMAT: bad }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.setting === 'VAULT_BOOTSTRAP_LOG_FORMAT' &&
          err.message.includes(JSON.stringify(bad)),
      );
  });
});

describe('VAULT_BOOTSTRAP_HEALTH_FILE (the liveness file)', () => {
  const rejects = (raw: string, expected: RegExp): void =>
    assert.throws(
      () => loadLivenessFile({ VAULT_BOOTSTRAP_HEALTH_FILE: raw }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.setting === 'VAULT_BOOTSTRAP_HEALTH_FILE' &&
        expected.test(err.message),
    );

  it('is off when unset or empty, an absolute path in an existing folder otherwise', () => {
    assert.equal(loadLivenessFile({}), undefined);
    assert.equal(loadLivenessFile({ VAULT_BOOTSTRAP_HEALTH_FILE: '' }), undefined);
    const dir = testDir('vbt-cfg-');
    assert.equal(loadLivenessFile({ VAULT_BOOTSTRAP_HEALTH_FILE: join(dir, 'alive') }), join(dir, 'alive'));
    rejects('alive', /expected an absolute file path, got "alive"/);
    rejects(`${dir}/`, /absolute file path/);
    rejects('/nonexistent/folder/alive', /a file in an existing folder, got "\/nonexistent\/folder\/alive"/);
  });
});

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
