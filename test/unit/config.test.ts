import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError,
  loadClientConfig,
  loadNodeAgentConfig,
  loadWorkerConfig,
  loadWorkerRole,
} from '../../src/config';

function certDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vbt-cfg-'));
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  return dir;
}

function expectConfigError(fn: () => unknown, setting: string, expected: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.setting, setting);
    assert.match(err.message, expected);
    return true;
  });
}

describe('config', () => {
  it('has production defaults', () => {
    const dir = certDir();
    const c = loadWorkerConfig({ VAULT_CERT_DIR: dir });
    assert.equal(c.temporal.address, '127.0.0.1:7233');
    assert.equal(c.temporal.namespace, 'default');
    assert.equal(c.temporal.taskQueue, 'vault-bootstrap');
    assert.equal(c.stack.defaultName, 'iklimco');
    assert.equal(c.stack.unsealSecretTemplate, 'vault_unseal_key');
    assert.equal(c.vault.caFile, join(dir, 'ca.pem'));
    assert.deepEqual(c.vault.addressing, { mode: 'tunnel', host: '127.0.0.1', port: 18200 });
    assert.deepEqual(c.failpoints, []);
    assert.equal(c.vault.requestTimeoutMs, 10_000);
    assert.equal(c.vault.initTimeoutMs, 240_000);
  });

  it('names a missing cert folder', () => {
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: '/nonexistent/ssl' }),
      'VAULT_CERT_DIR',
      /existing folder.*\/nonexistent\/ssl/,
    );
  });

  it('names a cert folder without the CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-cfg-'));
    expectConfigError(() => loadWorkerConfig({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /PEM CA bundle/);
  });

  it('names a CA file that is not PEM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-cfg-'));
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate');
    expectConfigError(() => loadWorkerConfig({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /CERTIFICATE block/);
  });

  it('rejects malformed values with the setting name and what was expected', () => {
    const dir = certDir();
    expectConfigError(
      () => loadClientConfig({ TEMPORAL_ADDRESS: 'no-port' }),
      'TEMPORAL_ADDRESS',
      /host:port.*"no-port"/,
    );
    expectConfigError(
      () => loadClientConfig({ TEMPORAL_ADDRESS: 'h:99999' }),
      'TEMPORAL_ADDRESS',
      /host:port/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_BOOTSTRAP_STACK: 'bad name!' }),
      'VAULT_BOOTSTRAP_STACK',
      /letters, digits/,
    );
    expectConfigError(() => loadClientConfig({ TEMPORAL_UI_URL: 'ftp://x' }), 'TEMPORAL_UI_URL', /http/);
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_ADDRESSING: 'magic' }),
      'VAULT_ADDRESSING',
      /"tunnel" or "direct"/,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_TUNNEL_ADDRESS: 'x' }),
      'VAULT_TUNNEL_ADDRESS',
      /host:port/,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_REQUEST_TIMEOUT_MS: '-1' }),
      'VAULT_REQUEST_TIMEOUT_MS',
      /positive integer/,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_INIT_TIMEOUT_MS: '300000' }),
      'VAULT_INIT_TIMEOUT_MS',
      /at most 280000 \(below the init step's 5-minute start-to-close timeout\)/,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_UNSEAL_SECRET_NAME: 'a b' }),
      'VAULT_UNSEAL_SECRET_NAME',
      /secret name/,
    );
  });

  it('resolves stack files and the per-stack secret template', () => {
    const dir = certDir();
    const c = loadWorkerConfig(
      { VAULT_CERT_DIR: dir, VAULT_STACK_FILES: 'a.yml, b.yml', VAULT_UNSEAL_SECRET_NAME: '{stack}_key' },
      '/srv',
    );
    assert.deepEqual(c.stack.files, ['/srv/a.yml', '/srv/b.yml']);
    assert.equal(c.stack.unsealSecretTemplate, '{stack}_key');
  });
});

describe('backup schedule config', () => {
  it('backs up every hour and drills every day by default', () => {
    assert.deepEqual(loadClientConfig({}).backup, { interval: '1h', drillInterval: '24h' });
  });

  it('takes VAULT_BACKUP_INTERVAL and VAULT_DRILL_INTERVAL as durations, and off for no drill', () => {
    assert.deepEqual(loadClientConfig({ VAULT_BACKUP_INTERVAL: '15m', VAULT_DRILL_INTERVAL: '7d' }).backup, {
      interval: '15m',
      drillInterval: '7d',
    });
    assert.deepEqual(loadClientConfig({ VAULT_DRILL_INTERVAL: 'off' }).backup, {
      interval: '1h',
      drillInterval: undefined,
    });
    // Empty is unset, as for every other setting.
    assert.deepEqual(loadClientConfig({ VAULT_BACKUP_INTERVAL: '', VAULT_DRILL_INTERVAL: '' }).backup, {
      interval: '1h',
      drillInterval: '24h',
    });
  });

  it('names a bad interval, and backups cannot be turned off this way', () => {
    expectConfigError(
      () => loadClientConfig({ VAULT_BACKUP_INTERVAL: 'hourly' }),
      'VAULT_BACKUP_INTERVAL',
      /a duration like 30m, 1h or 24h, not 0.*"hourly"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_BACKUP_INTERVAL: 'off' }),
      'VAULT_BACKUP_INTERVAL',
      /a duration like 30m, 1h or 24h, not 0.*"off"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_BACKUP_INTERVAL: '0m' }),
      'VAULT_BACKUP_INTERVAL',
      /not 0.*"0m"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_DRILL_INTERVAL: '0s' }),
      'VAULT_DRILL_INTERVAL',
      /\(not 0\), or off.*"0s"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_DRILL_INTERVAL: 'daily' }),
      'VAULT_DRILL_INTERVAL',
      /a duration like 30m, 24h or 7d \(not 0\), or off.*"daily"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_DRILL_INTERVAL: 'OFF' }),
      'VAULT_DRILL_INTERVAL',
      /or off/,
    );
  });
});

describe('worker role', () => {
  it('full by default; node-agent needs only Temporal and the Docker socket', () => {
    assert.equal(loadWorkerRole({}), 'full');
    assert.equal(loadWorkerRole({ VAULT_BOOTSTRAP_WORKER_ROLE: 'node-agent' }), 'node-agent');
    // No certificate folder, custody or stack settings: an agent starts where none of them exist.
    const agent = loadNodeAgentConfig({
      DOCKER_SOCKET: '/run/vbt-n2/docker.sock',
      VAULT_CERT_DIR: '/nonexistent',
    });
    assert.equal(agent.dockerSocket, '/run/vbt-n2/docker.sock');
    assert.equal(agent.temporal.taskQueue, 'vault-bootstrap');
  });

  it('an unknown role is a named configuration error', () => {
    assert.throws(
      () => loadWorkerRole({ VAULT_BOOTSTRAP_WORKER_ROLE: 'agent' }),
      (err: unknown) => err instanceof ConfigError && /VAULT_BOOTSTRAP_WORKER_ROLE/.test(err.message),
    );
  });

  it('custody copies in the swarm only with a custody key every worker shares', () => {
    const dir = certDir();
    assert.equal(loadWorkerConfig({ VAULT_CERT_DIR: dir }).custody.replica, 'none');
    const swarm = loadWorkerConfig({
      VAULT_CERT_DIR: dir,
      VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'swarm',
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: '/run/secrets/vault_bootstrap_custody_key',
    });
    assert.equal(swarm.custody.replica, 'swarm');
    assert.equal(swarm.custody.keyFile, '/run/secrets/vault_bootstrap_custody_key');
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'swarm' }),
      'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE',
      /shared by every worker/,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'nfs' }),
      'VAULT_BOOTSTRAP_CUSTODY_REPLICA',
      /`none` or `swarm`/,
    );
  });
});
