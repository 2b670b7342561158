/**
 * The client's configuration (src/client.ts): Temporal, the stack's names and files, and what the client
 * sets on the schedules it creates (the health checks, the backups and the restore drills).
 */
import { loadBreakGlassKey } from './break-glass';
import type { BreakGlassKey } from './break-glass';
import { HEALTH_DEFAULTS } from '../shared/health';
import { ConfigError } from '../shared/errors';
import { HEALTH_INPUT_LIMITS } from '../shared/inputs';
import { duration, interval, intervalOrOff, positiveInt, str } from './env';
import type { Env } from './env';
import { loadStackConfig } from './stack';
import type { StackConfig } from './stack';
import { loadTemporalConfig } from './temporal';
import type { TemporalConfig } from './temporal';

export interface HealthConfig {
  /** Interval of the scheduled health check, e.g. `5m`. Env `VAULT_HEALTH_INTERVAL`; default `5m`. */
  interval: string;
  /** Random delay added to each scheduled run, e.g. `30s`. Env `VAULT_HEALTH_JITTER`; default `30s`. */
  jitter: string;
  /** Whether checks fix what is safe to fix. Env `VAULT_HEALTH_REMEDIATE` (`true`/`false`); default `true`. */
  remediate: boolean;
  /** Days before certificate expiry that raise `CertificateExpiring`. Env `VAULT_HEALTH_CERT_WARN_DAYS`; default 21. */
  certExpiryWarnDays: number;
}

/** The client's side of backups: how often its two schedules start a backup and a restore drill (issue 11). */
export interface BackupScheduleConfig {
  /** Interval of the scheduled `BackupVault`, e.g. `1h`. Env `VAULT_BACKUP_INTERVAL`; default `1h`. */
  interval: string;
  /**
   * Interval of the scheduled `RestoreDrill`, e.g. `24h`. Env `VAULT_DRILL_INTERVAL`; default `24h`.
   * `undefined` when it is `off`: the stack gets no drill schedule (a drill deploys a throwaway stack, which a
   * small swarm may not have room for).
   */
  drillInterval: string | undefined;
}

export interface ClientConfig {
  temporal: TemporalConfig;
  stack: StackConfig;
  health: HealthConfig;
  backup: BackupScheduleConfig;
  /** The operator's break-glass key (`VAULT_BOOTSTRAP_BREAK_GLASS_KEY`), when set: what `root-token` asks with. */
  breakGlassKey?: BreakGlassKey;
}

function loadHealthConfig(env: Env): HealthConfig {
  const remediate = str(env, 'VAULT_HEALTH_REMEDIATE', 'true');
  if (remediate !== 'true' && remediate !== 'false') {
    throw new ConfigError('VAULT_HEALTH_REMEDIATE', '"true" or "false"', remediate);
  }
  const certExpiryWarnDays = positiveInt(
    env,
    'VAULT_HEALTH_CERT_WARN_DAYS',
    HEALTH_DEFAULTS.certExpiryWarnDays,
  );
  // The workflow refuses more (InvalidInput): say so here, before a schedule is made with it.
  if (certExpiryWarnDays > HEALTH_INPUT_LIMITS.certExpiryWarnDays)
    throw new ConfigError(
      'VAULT_HEALTH_CERT_WARN_DAYS',
      `a positive integer of at most ${HEALTH_INPUT_LIMITS.certExpiryWarnDays}`,
      String(certExpiryWarnDays),
    );
  return {
    interval: duration(env, 'VAULT_HEALTH_INTERVAL', '5m'),
    jitter: duration(env, 'VAULT_HEALTH_JITTER', '30s'),
    remediate: remediate === 'true',
    certExpiryWarnDays,
  };
}

function loadBackupScheduleConfig(env: Env): BackupScheduleConfig {
  return {
    interval: interval(env, 'VAULT_BACKUP_INTERVAL', '1h'),
    drillInterval: intervalOrOff(env, 'VAULT_DRILL_INTERVAL', '24h'),
  };
}

export function loadClientConfig(env: Env, cwd = process.cwd()): ClientConfig {
  return {
    temporal: loadTemporalConfig(env),
    stack: loadStackConfig(env, cwd),
    health: loadHealthConfig(env),
    backup: loadBackupScheduleConfig(env),
    breakGlassKey: loadBreakGlassKey(env, cwd),
  };
}
