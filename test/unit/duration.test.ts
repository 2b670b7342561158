/** The one duration parser (src/shared/duration.ts) and the configuration's duration variables that use it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadClientConfig } from '../../src/config/client';
import { formatDuration, parseDuration } from '../../src/shared/duration';
import { expectConfigError } from '../support/config';

describe('parseDuration (Go-style durations)', () => {
  it('reads one or more numbers each with a unit, decimals included', () => {
    const cases: [string, number][] = [
      ['90s', 90_000],
      ['300ms', 300],
      ['30m', 1_800_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['.5s', 500],
      ['2.s', 2000],
      ['24h0m0s', 86_400_000],
      ['1m30.4s', 90_400],
      ['7d', 604_800_000],
      ['0s', 0],
      ['1h1ms', 3_600_001],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it('refuses what is not a duration', () => {
    for (const bad of [
      '',
      '10',
      'ten seconds',
      '1 h',
      '-5s',
      '+5s',
      '5sec',
      '1h30',
      'h',
      '.s',
      '5µs',
      '1e3s',
      ' 5s',
    ])
      assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
  });

  it('formats in the largest whole unit', () => {
    assert.equal(formatDuration(5_400_000), '90m');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(300), '300ms');
    assert.equal(formatDuration(0), '0s');
  });
});

describe('duration variables', () => {
  it('take Go-style durations, written back in a form Temporal reads', () => {
    const config = loadClientConfig({
      VAULT_HEALTH_INTERVAL: '1h30m',
      VAULT_HEALTH_JITTER: '1.5m',
      VAULT_BACKUP_INTERVAL: '1.5h',
      VAULT_DRILL_INTERVAL: '36h',
    });
    assert.equal(config.health.interval, '90m');
    assert.equal(config.health.jitter, '90s');
    assert.equal(config.backup.interval, '90m');
    assert.equal(config.backup.drillInterval, '36h', 'a whole number and a unit stays as written');
  });

  it('name a bad one', () => {
    expectConfigError(
      () => loadClientConfig({ VAULT_HEALTH_JITTER: '30 seconds' }),
      'VAULT_HEALTH_JITTER',
      /a duration like 90s, 30m, 1h30m or 1.5h, got "30 seconds"/,
    );
    expectConfigError(
      () => loadClientConfig({ VAULT_BACKUP_INTERVAL: '0h0m' }),
      'VAULT_BACKUP_INTERVAL',
      /not 0/,
    );
  });
});
