/**
 * The configuration of a worker in the `full` role (see `WorkerRole`): everything its activities need to
 * deploy the stack, reach Vault, keep custody of the key and take snapshots. Read once at start
 * (src/worker.ts); the activities receive the typed object, never the environment.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TLS_FILES } from '../shared/constants';
import { ConfigError } from '../shared/errors';
import { loadBreakGlassRecipients } from './break-glass';
import type { BreakGlassRecipients } from './break-glass';
import { count, hostPort, oneOf, positiveInt, str } from './env';
import type { Env } from './env';
import { loadDockerSocket, loadLivenessFile } from './process';
import { loadStackConfig } from './stack';
import type { StackConfig } from './stack';
import { loadTemporalConfig } from './temporal';
import type { TemporalConfig } from './temporal';

export type VaultAddressing =
  /** Connect to each task's address on the overlay network: the worker runs in a container attached to `iklimco-net`. */
  | { mode: 'direct' }
  /** Connect through the project's TCP tunnel (a container on `iklimco-net`, published on the manager's loopback). */
  | { mode: 'tunnel'; host: string; port: number };

export interface VaultConfig {
  /** Folder holding the TLS files Vault serves (mounted at /vault/certs). Env `VAULT_CERT_DIR`; default `/opt/iklimco/ssl`. */
  certDir: string;
  /** CA bundle the worker verifies Vault with. Env `VAULT_CA_FILE`; default `<certDir>/ca.pem`. */
  caFile: string;
  /** The PEM text of `caFile`, read once at start (the one read of the CA file). */
  caPem: string;
  /**
   * Whether the worker's `certDir` holds Vault's private key too. Env `VAULT_CERT_DIR_CONTENTS`: `all` (default:
   * the folder as it is on the host, `privkey.pem` included) or `public` (only `ca.pem` and `fullchain.pem`, the
   * two files the worker reads: the worker stack mounts no private key). Preflight looks for `privkey.pem` only
   * with `all`; with `public`, init-infra-prod.sh checks it on the manager it runs on.
   */
  certDirHoldsKey: boolean;
  /** TLS server name per node, `{slot}` replaced by the task slot. Env `VAULT_TLS_SERVER_NAME`; default `vault-{slot}`. */
  serverNameTemplate: string;
  /** How the worker reaches each node. Env `VAULT_ADDRESSING` (`tunnel` | `direct`, default `tunnel`) and `VAULT_TUNNEL_ADDRESS` (default `127.0.0.1:18200`). */
  addressing: VaultAddressing;
  /** Timeout of one HTTP call to Vault, in milliseconds. Env `VAULT_REQUEST_TIMEOUT_MS`; default 10000. */
  requestTimeoutMs: number;
  /**
   * Timeout of the one `sys/init` call, in milliseconds. Env `VAULT_INIT_TIMEOUT_MS`; default 240000, at most
   * 280000. Giving up on `sys/init` early loses the key when Vault completes it anyway (Raft bootstrap plus
   * key generation took 5–10 s on a loaded 2-core test bed), so it waits almost the whole of the step's
   * 5-minute start-to-close timeout instead of `requestTimeoutMs`.
   */
  initTimeoutMs: number;
}

export interface CustodyConfig {
  /** Folder of the encrypted custody records (mode 0700). Env `VAULT_BOOTSTRAP_CUSTODY_DIR`; default `/var/lib/vault-bootstrap/custody`. */
  dir: string;
  /** 32-byte key encrypting the records, base64 in a 0600 file, created on first use. Env `VAULT_BOOTSTRAP_CUSTODY_KEY_FILE`; default `<dir>/../custody.key`. */
  keyFile: string;
  /**
   * Where a copy of each encrypted record is kept besides the folder. Env `VAULT_BOOTSTRAP_CUSTODY_REPLICA`:
   * `none` (default) or `swarm`: Docker configs in the swarm's Raft store, so a worker on any manager finds the
   * record when the node that wrote it is gone (src/custody/replicated-custody.ts). `swarm` needs
   * `VAULT_BOOTSTRAP_CUSTODY_KEY_FILE` set explicitly: every worker must decrypt with the same key (the worker
   * stack mounts it from a Docker secret).
   */
  replica: 'none' | 'swarm';
}

export interface BackupConfig {
  /**
   * The folder of every stack's snapshots (`<dir>/<stack>/`, which must exist: a missing storage mount is
   * refused, not filled). Env `VAULT_BACKUP_DIR`; default `/mnt/storagebox/vault-snapshots`, the storage box
   * the nodes mount.
   */
  dir: string;
  /** Retention: the newest snapshot per hour, day and ISO week, for this many of each (`VAULT_BACKUP_KEEP_*`). */
  keep: { hourly: number; daily: number; weekly: number };
  /**
   * Manifests without a MAC (written before issue 27) taken before this time are used; none when unset. The
   * operator's word that nobody else wrote the folder until then. Env `VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`
   * (ISO 8601 with a zone, e.g. `2026-12-01T00:00:00Z`).
   */
  trustUnsignedBefore?: Date;
}

export interface WorkerConfig {
  temporal: TemporalConfig;
  stack: StackConfig;
  vault: VaultConfig;
  custody: CustodyConfig;
  /** Docker Engine socket. Env `DOCKER_SOCKET`; default `/var/run/docker.sock`. */
  dockerSocket: string;
  /** Fault points enabled for tests (`VAULT_BOOTSTRAP_FAILPOINTS`); empty in production. */
  failpoints: string[];
  /** Raft snapshots (issue 11): where they go and what retention keeps. */
  backup: BackupConfig;
  /** The operators' public keys break glass encrypts to. Env `VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS`; unset: none. */
  breakGlass: BreakGlassRecipients;
  /**
   * File the worker rewrites every 10 s while it polls, for a container HEALTHCHECK (`src/liveness-file.ts`).
   * Env `VAULT_BOOTSTRAP_HEALTH_FILE`, an absolute path in an existing folder; unset: none is written.
   */
  livenessFile?: string;
}

export function loadWorkerConfig(env: Env, cwd = process.cwd()): WorkerConfig {
  const custodyDir = resolve(
    cwd,
    str(env, 'VAULT_BOOTSTRAP_CUSTODY_DIR', '/var/lib/vault-bootstrap/custody'),
  );
  const failpoints = str(env, 'VAULT_BOOTSTRAP_FAILPOINTS', '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    temporal: loadTemporalConfig(env),
    stack: loadStackConfig(env, cwd),
    vault: loadVaultConfig(env, cwd),
    custody: {
      dir: custodyDir,
      keyFile: resolve(
        cwd,
        str(env, 'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE', resolve(custodyDir, '..', 'custody.key')),
      ),
      replica: loadCustodyReplica(env),
    },
    dockerSocket: loadDockerSocket(env),
    failpoints,
    backup: loadBackupConfig(env, cwd),
    breakGlass: loadBreakGlassRecipients(env, cwd),
    livenessFile: loadLivenessFile(env),
  };
}

function loadVaultConfig(env: Env, cwd: string): VaultConfig {
  const certDir = resolve(cwd, str(env, 'VAULT_CERT_DIR', '/opt/iklimco/ssl'));
  if (!existsSync(certDir) || !statSync(certDir).isDirectory()) {
    throw new ConfigError(
      'VAULT_CERT_DIR',
      'an existing folder with the Vault TLS files (ca.pem, fullchain.pem)',
      certDir,
    );
  }
  const caFile = resolve(cwd, str(env, 'VAULT_CA_FILE', `${certDir}/${TLS_FILES.ca}`));
  if (!existsSync(caFile)) throw new ConfigError('VAULT_CA_FILE', 'a PEM CA bundle file', caFile);
  const caPem = readFileSync(caFile, 'utf8');
  if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('VAULT_CA_FILE', 'a PEM file with at least one CERTIFICATE block', caFile);
  }
  const serverNameTemplate = str(env, 'VAULT_TLS_SERVER_NAME', 'vault-{slot}');
  const mode = str(env, 'VAULT_ADDRESSING', 'tunnel');
  let addressing: VaultAddressing;
  if (mode === 'direct') addressing = { mode: 'direct' };
  else if (mode === 'tunnel') {
    const tunnel = str(env, 'VAULT_TUNNEL_ADDRESS', '127.0.0.1:18200');
    addressing = { mode: 'tunnel', ...hostPort('VAULT_TUNNEL_ADDRESS', tunnel) };
  } else throw new ConfigError('VAULT_ADDRESSING', '"tunnel" or "direct"', mode);
  const contents = oneOf(env, 'VAULT_CERT_DIR_CONTENTS', ['all', 'public'], 'all');
  return {
    certDir,
    caFile,
    caPem,
    certDirHoldsKey: contents === 'all',
    serverNameTemplate,
    addressing,
    requestTimeoutMs: positiveInt(env, 'VAULT_REQUEST_TIMEOUT_MS', 10_000),
    initTimeoutMs: initTimeout(env),
  };
}

/** Must end before the init step's start-to-close timeout (5 minutes), or a retry could overlap the call. */
const MAX_INIT_TIMEOUT_MS = 280_000;

function initTimeout(env: Env): number {
  const v = positiveInt(env, 'VAULT_INIT_TIMEOUT_MS', 240_000);
  if (v > MAX_INIT_TIMEOUT_MS) {
    throw new ConfigError(
      'VAULT_INIT_TIMEOUT_MS',
      `milliseconds, at most ${MAX_INIT_TIMEOUT_MS} (below the init step's 5-minute start-to-close timeout)`,
      String(v),
    );
  }
  return v;
}

function loadCustodyReplica(env: Env): CustodyConfig['replica'] {
  const replica = oneOf(env, 'VAULT_BOOTSTRAP_CUSTODY_REPLICA', ['none', 'swarm'], 'none');
  if (replica === 'swarm' && !env.VAULT_BOOTSTRAP_CUSTODY_KEY_FILE)
    throw new ConfigError(
      'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE',
      'the custody key shared by every worker (e.g. a Docker secret) when VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm',
    );
  return replica;
}

function loadBackupConfig(env: Env, cwd: string): BackupConfig {
  return {
    dir: resolve(cwd, str(env, 'VAULT_BACKUP_DIR', '/mnt/storagebox/vault-snapshots')),
    keep: {
      hourly: count(env, 'VAULT_BACKUP_KEEP_HOURLY', 24),
      daily: count(env, 'VAULT_BACKUP_KEEP_DAILY', 7),
      weekly: count(env, 'VAULT_BACKUP_KEEP_WEEKLY', 4),
    },
    ...trustUnsignedBefore(env),
  };
}

/** `VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`: a time with its zone (a bare date would be read in local time). */
function trustUnsignedBefore(env: Env): { trustUnsignedBefore?: Date } {
  const raw = env.VAULT_BACKUP_TRUST_UNSIGNED_BEFORE?.trim();
  if (!raw) return {};
  const t = Date.parse(raw);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(raw) || !Number.isFinite(t))
    throw new ConfigError(
      'VAULT_BACKUP_TRUST_UNSIGNED_BEFORE',
      'an ISO 8601 time with its zone, e.g. 2026-12-01T00:00:00Z',
      raw,
    );
  return { trustUnsignedBefore: new Date(t) };
}
