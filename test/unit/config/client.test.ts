/** The client's configuration (src/config/client.ts): the schedules it sets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadClientConfig } from '../../../src/config/client';
import { expectConfigError } from '../../support/config';

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
      /a duration like 30m, 1h, 1h30m or 24h, not 0.*"hourly"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_BACKUP_INTERVAL: 'off' }),
      'VAULT_BACKUP_INTERVAL',
      /a duration like 30m, 1h, 1h30m or 24h, not 0.*"off"/,
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

describe('health schedule config', () => {
  it('takes VAULT_HEALTH_CERT_WARN_DAYS up to what the workflow accepts, and names more', () => {
    assert.equal(loadClientConfig({ VAULT_HEALTH_CERT_WARN_DAYS: '3650' }).health.certExpiryWarnDays, 3650);
    expectConfigError(
      () => loadClientConfig({ VAULT_HEALTH_CERT_WARN_DAYS: '5000' }),
      'VAULT_HEALTH_CERT_WARN_DAYS',
      /a positive integer of at most 3650.*"5000"/,
    );
  });
});
