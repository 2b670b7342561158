/** The full worker's configuration (src/config/worker.ts): defaults, and each bad value named. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadWorkerConfig } from '../../../src/config/worker';
import { certDir, expectConfigError } from '../../support/config';
import { testDir } from '../../support/tmp';

describe('worker config', () => {
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
    assert.equal(c.dockerSocket, '/var/run/docker.sock');
    assert.equal(c.livenessFile, undefined);
  });

  it('VAULT_CERT_DIR_CONTENTS: all (the private key too) by default, public in the worker stack', () => {
    const dir = certDir();
    assert.equal(loadWorkerConfig({ VAULT_CERT_DIR: dir }).vault.certDirHoldsKey, true);
    assert.equal(
      loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_CERT_DIR_CONTENTS: 'public' }).vault.certDirHoldsKey,
      false,
    );
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_CERT_DIR_CONTENTS: 'none' }),
      'VAULT_CERT_DIR_CONTENTS',
      /`all` or `public`/,
    );
  });

  it('names a missing cert folder', () => {
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: '/nonexistent/ssl' }),
      'VAULT_CERT_DIR',
      /existing folder.*\/nonexistent\/ssl/,
    );
  });

  it('names a cert folder without the CA', () => {
    const dir = testDir('vbt-cfg-');
    expectConfigError(() => loadWorkerConfig({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /PEM CA bundle/);
  });

  it('names a CA file that is not PEM', () => {
    const dir = testDir('vbt-cfg-');
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate');
    expectConfigError(() => loadWorkerConfig({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /CERTIFICATE block/);
  });

  it('rejects malformed values with the setting name and what was expected', () => {
    const dir = certDir();
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
    // The stack and Temporal settings are the shared readers' (stack.test.ts, temporal.test.ts), checked here too.
    expectConfigError(
      () => loadWorkerConfig({ VAULT_CERT_DIR: dir, VAULT_UNSEAL_SECRET_NAME: 'a b' }),
      'VAULT_UNSEAL_SECRET_NAME',
      /secret name/,
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

  it('takes the liveness file from VAULT_BOOTSTRAP_HEALTH_FILE', () => {
    const file = join(testDir('vbt-cfg-'), 'alive');
    const c = loadWorkerConfig({ VAULT_CERT_DIR: certDir(), VAULT_BOOTSTRAP_HEALTH_FILE: file });
    assert.equal(c.livenessFile, file);
  });

  it('trusts unsigned snapshot manifests only before VAULT_BACKUP_TRUST_UNSIGNED_BEFORE, a time with its zone', () => {
    assert.equal(loadWorkerConfig({ VAULT_CERT_DIR: certDir() }).backup.trustUnsignedBefore, undefined);
    const c = loadWorkerConfig({
      VAULT_CERT_DIR: certDir(),
      VAULT_BACKUP_TRUST_UNSIGNED_BEFORE: '2026-12-01T00:00:00+01:00',
    });
    assert.equal(c.backup.trustUnsignedBefore?.toISOString(), '2026-11-30T23:00:00.000Z');
    for (const bad of ['2026-12-01', 'yesterday', '2026-13-01T00:00:00Z'])
      expectConfigError(
        () => loadWorkerConfig({ VAULT_CERT_DIR: certDir(), VAULT_BACKUP_TRUST_UNSIGNED_BEFORE: bad }),
        'VAULT_BACKUP_TRUST_UNSIGNED_BEFORE',
        /ISO 8601 time with its zone/,
      );
  });
});
