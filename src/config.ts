/**
 * The one validated configuration, read once at process start by the worker and the client.
 * Nothing else in the code reads `process.env`; everything receives the typed object below.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE, TLS_FILES } from './shared/constants';
import { ConfigError } from './shared/errors';
import { HEALTH_DEFAULTS } from './shared/health';
import { assertSecretNameFits, validateStackName } from './shared/names';

export { ConfigError } from './shared/errors';

export type Env = Record<string, string | undefined>;

export interface TemporalConfig {
  /** gRPC address `host:port` of the Temporal frontend. Env `TEMPORAL_ADDRESS`; default `127.0.0.1:7233`. */
  address: string;
  /** Namespace. Env `TEMPORAL_NAMESPACE`; default `default`. */
  namespace: string;
  /** Task queue the worker polls. Env `VAULT_BOOTSTRAP_TASK_QUEUE`; default `vault-bootstrap`. */
  taskQueue: string;
  /** Connection options (TLS, API key) in `@temporalio/envconfig` conventions (`TEMPORAL_TLS*`, `TEMPORAL_API_KEY`, `TEMPORAL_PROFILE`). */
  connection: NativeConnectionOptions;
  /** Web UI base URL printed for operators. Env `TEMPORAL_UI_URL`; default `http://127.0.0.1:8233`. */
  uiUrl: string;
}

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

export interface StackConfig {
  /** Default stack name for the client. Env `VAULT_BOOTSTRAP_STACK`; default `iklimco`. */
  defaultName: string;
  /** Compose files passed to `docker stack deploy -c`, in order. Env `VAULT_STACK_FILES` (comma separated); default `docker-stack-vault.yml`. */
  files: string[];
  /** Base name of the unseal-key secret, `{stack}` replaced by the stack name. Env `VAULT_UNSEAL_SECRET_NAME`; default `vault_unseal_key`. */
  unsealSecretTemplate: string;
  /** Docker CLI used for `docker stack deploy` only. Env `DOCKER_CLI`; default `docker`. */
  dockerCli: string;
  /**
   * Folder under which a per-stack folder with `vault-<slot>/{data,logs}` is made for bind mounts, exported
   * to the stack files as `TESTBED_STACK_DIR`. For the single-node test bed only; unset in production.
   * Env `VAULT_STACK_DIR_ROOT`.
   */
  stackDirRoot?: string;
  /**
   * Environment the stack files are rendered with (variable substitution): the variables the stack files
   * reference (`${NAME}`, `$NAME`) that are set at start, never a `TEMPORAL_*` or `DOCKER_*` one.
   */
  deployEnv: Record<string, string>;
  /**
   * The only process variables the docker CLI gets besides `deployEnv`: `PATH` (to find it) and `HOME` (its
   * config folder), when set. `DOCKER_HOST` is set from `DOCKER_SOCKET` by the gateway.
   */
  cliBaseEnv: Record<string, string>;
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
  /**
   * File the worker rewrites every 10 s while it polls, for a container HEALTHCHECK (`src/health-file.ts`).
   * Env `VAULT_BOOTSTRAP_HEALTH_FILE`, an absolute path in an existing folder; unset: none is written.
   */
  healthFile?: string;
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
}

/**
 * What a worker process runs. Env `VAULT_BOOTSTRAP_WORKER_ROLE`; default `full`.
 * - `full`: every activity on the main task queue (custody, Vault, Docker), plus the node-local ones on its
 *   own node's queue. Custody lives with these workers, so the steps that need it only ever run here.
 * - `node-agent`: only the node-local activities (signals, Docker events) on its own node's queue; it
 *   needs Temporal and its node's Docker socket, and holds no custody and no Vault credentials.
 */
export type WorkerRole = 'full' | 'node-agent';

/** The configuration of a node agent: the subset of `WorkerConfig` it reads. */
export type NodeAgentConfig = Pick<WorkerConfig, 'temporal' | 'dockerSocket' | 'healthFile'>;

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

export type ClientConfig = Pick<WorkerConfig, 'temporal' | 'stack'> & {
  health: HealthConfig;
  backup: BackupScheduleConfig;
};

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function str(env: Env, key: string, fallback: string): string {
  const v = env[key];
  return v === undefined || v === '' ? fallback : v;
}

function positiveInt(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) <= 0) throw new ConfigError(key, 'a positive integer', raw);
  return Number(raw);
}

/** A whole number of 0 or more (retention counts: 0 turns one kind off). */
function count(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(key, 'a whole number of 0 or more', raw);
  return Number(raw);
}

function loadBackupConfig(env: Env, cwd: string): BackupConfig {
  return {
    dir: resolve(cwd, str(env, 'VAULT_BACKUP_DIR', '/mnt/storagebox/vault-snapshots')),
    keep: {
      hourly: count(env, 'VAULT_BACKUP_KEEP_HOURLY', 24),
      daily: count(env, 'VAULT_BACKUP_KEEP_DAILY', 7),
      weekly: count(env, 'VAULT_BACKUP_KEEP_WEEKLY', 4),
    },
  };
}

function hostPort(key: string, raw: string, expected = 'host:port'): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):([0-9]{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConfigError(key, expected, raw);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** A Docker-compatible name: the stack name is used in service, secret and workflow ids (src/shared/names.ts). */
export { validateStackName } from './shared/names';

function loadTemporalConfig(env: Env): TemporalConfig {
  const address = str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  hostPort('TEMPORAL_ADDRESS', address);
  const namespace = str(env, 'TEMPORAL_NAMESPACE', 'default');
  if (!NAME_RE.test(namespace)) throw new ConfigError('TEMPORAL_NAMESPACE', 'a namespace name', namespace);
  const taskQueue = str(env, 'VAULT_BOOTSTRAP_TASK_QUEUE', DEFAULT_TASK_QUEUE);
  if (!NAME_RE.test(taskQueue))
    throw new ConfigError('VAULT_BOOTSTRAP_TASK_QUEUE', 'a task queue name', taskQueue);
  const uiUrl = str(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233');
  if (!/^https?:\/\/\S+$/.test(uiUrl)) throw new ConfigError('TEMPORAL_UI_URL', 'an http(s) URL', uiUrl);

  // TLS / API key / profile in the SDK's own env conventions; the config file is off unless a profile is named.
  const overrideEnvVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith('TEMPORAL_') && v !== undefined) overrideEnvVars[k] = v;
  overrideEnvVars.TEMPORAL_ADDRESS = address;
  overrideEnvVars.TEMPORAL_NAMESPACE = namespace;
  let connection: NativeConnectionOptions;
  try {
    const profile = loadClientConfigProfile({
      disableFile: env.TEMPORAL_CONFIG_FILE === undefined && env.TEMPORAL_PROFILE === undefined,
      overrideEnvVars,
    });
    connection = toClientOptions(profile).connectionOptions;
  } catch (err) {
    throw new ConfigError('TEMPORAL_* connection settings', 'a valid Temporal client profile', String(err));
  }
  return { address, namespace, taskQueue, connection, uiUrl };
}

function loadStackConfig(env: Env, cwd: string): StackConfig {
  const defaultName = validateStackName(
    str(env, 'VAULT_BOOTSTRAP_STACK', 'iklimco'),
    'VAULT_BOOTSTRAP_STACK',
  );
  const files = str(env, 'VAULT_STACK_FILES', 'docker-stack-vault.yml')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => (isAbsolute(f) ? f : resolve(cwd, f)));
  if (files.length === 0) throw new ConfigError('VAULT_STACK_FILES', 'at least one compose file');
  const unsealSecretTemplate = str(env, 'VAULT_UNSEAL_SECRET_NAME', 'vault_unseal_key');
  if (!/^[a-zA-Z0-9_.{}-]+$/.test(unsealSecretTemplate)) {
    throw new ConfigError(
      'VAULT_UNSEAL_SECRET_NAME',
      'a secret name, optionally with {stack}',
      unsealSecretTemplate,
    );
  }
  stackNamesFit({ unsealSecretTemplate }, defaultName, 'VAULT_BOOTSTRAP_STACK');
  const stackDirRoot = env.VAULT_STACK_DIR_ROOT ? resolve(cwd, env.VAULT_STACK_DIR_ROOT) : undefined;
  const deployEnv: Record<string, string> = {};
  for (const name of stackFileVariables(files)) {
    const v = env[name];
    if (v !== undefined && !/^(TEMPORAL|DOCKER)_/.test(name)) deployEnv[name] = v;
  }
  const cliBaseEnv: Record<string, string> = {};
  for (const name of ['PATH', 'HOME'] as const) {
    const v = env[name];
    if (v !== undefined && v !== '') cliBaseEnv[name] = v;
  }
  return {
    defaultName,
    files,
    unsealSecretTemplate,
    dockerCli: str(env, 'DOCKER_CLI', 'docker'),
    stackDirRoot,
    deployEnv,
    cliBaseEnv,
  };
}

/** The variable names the stack files reference (`${NAME...}` or `$NAME`); unreadable files are preflight's to report. */
function stackFileVariables(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) if (m[1]) names.add(m[1]);
  }
  return names;
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
  return {
    certDir,
    caFile,
    caPem,
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

function duration(
  env: Env,
  key: string,
  fallback: string,
  expected = 'a duration like 30s, 5m or 1h',
): string {
  const v = str(env, key, fallback);
  if (!/^[0-9]+(ms|s|m|h|d)$/.test(v)) throw new ConfigError(key, expected, v);
  return v;
}

/** A duration as `duration` checks it, but not zero: how often something repeats (a zero interval never ends). */
function interval(
  env: Env,
  key: string,
  fallback: string,
  expected = 'a duration like 30m, 1h or 24h, not 0',
): string {
  const v = duration(env, key, fallback, expected);
  if (/^0+[a-z]+$/.test(v)) throw new ConfigError(key, expected, v);
  return v;
}

/** An interval, or `off` (then `undefined`): for what an operator may turn off. */
function intervalOrOff(env: Env, key: string, fallback: string): string | undefined {
  if (str(env, key, fallback) === 'off') return undefined;
  return interval(env, key, fallback, 'a duration like 30m, 24h or 7d (not 0), or off');
}

function loadHealthConfig(env: Env): HealthConfig {
  const remediate = str(env, 'VAULT_HEALTH_REMEDIATE', 'true');
  if (remediate !== 'true' && remediate !== 'false') {
    throw new ConfigError('VAULT_HEALTH_REMEDIATE', '"true" or "false"', remediate);
  }
  return {
    interval: duration(env, 'VAULT_HEALTH_INTERVAL', '5m'),
    jitter: duration(env, 'VAULT_HEALTH_JITTER', '30s'),
    remediate: remediate === 'true',
    certExpiryWarnDays: positiveInt(env, 'VAULT_HEALTH_CERT_WARN_DAYS', HEALTH_DEFAULTS.certExpiryWarnDays),
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
  };
}

function loadCustodyReplica(env: Env): CustodyConfig['replica'] {
  const replica = str(env, 'VAULT_BOOTSTRAP_CUSTODY_REPLICA', 'none');
  if (replica !== 'none' && replica !== 'swarm')
    throw new ConfigError('VAULT_BOOTSTRAP_CUSTODY_REPLICA', '`none` or `swarm`', replica);
  if (replica === 'swarm' && !env.VAULT_BOOTSTRAP_CUSTODY_KEY_FILE)
    throw new ConfigError(
      'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE',
      'the custody key shared by every worker (e.g. a Docker secret) when VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm',
    );
  return replica;
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
    dockerSocket: str(env, 'DOCKER_SOCKET', '/var/run/docker.sock'),
    failpoints,
    backup: loadBackupConfig(env, cwd),
    healthFile: loadHealthFile(env),
  };
}

export function loadWorkerRole(env: Env): WorkerRole {
  const role = str(env, 'VAULT_BOOTSTRAP_WORKER_ROLE', 'full');
  if (role !== 'full' && role !== 'node-agent')
    throw new ConfigError('VAULT_BOOTSTRAP_WORKER_ROLE', '`full` or `node-agent`', role);
  return role;
}

/**
 * How the worker writes its log lines (`src/logging.ts`). Env `VAULT_BOOTSTRAP_LOG_FORMAT`; default `text`.
 * - `text`: the human lines of before, and the SDK's own console output.
 * - `json`: one JSON object per line on stdout, the SDK's and Core's logs included, for `docker service logs`.
 *
 * Read apart from, and before, the rest of the worker's settings, so that an error in those is already
 * written in the chosen format.
 */
export type LogFormat = 'text' | 'json';

export function loadLogFormat(env: Env): LogFormat {
  const format = str(env, 'VAULT_BOOTSTRAP_LOG_FORMAT', 'text');
  if (format !== 'text' && format !== 'json')
    throw new ConfigError('VAULT_BOOTSTRAP_LOG_FORMAT', '`text` or `json`', format);
  return format;
}

export function loadNodeAgentConfig(env: Env): NodeAgentConfig {
  return {
    temporal: loadTemporalConfig(env),
    dockerSocket: str(env, 'DOCKER_SOCKET', '/var/run/docker.sock'),
    healthFile: loadHealthFile(env),
  };
}

/** An address to listen on; an IPv6 host without its brackets. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Where the worker serves its Prometheus metrics (docs/metrics.md), in both roles. Env
 * `VAULT_BOOTSTRAP_METRICS_ADDRESS`, `host:port` (an IPv6 host in brackets); default `127.0.0.1:9464` (this
 * host only; 9464 is the usual port of OpenTelemetry's Prometheus exporter). Empty: no metrics are served and
 * the worker runs exactly as without them. Read apart from the rest, like the role: both roles read it.
 */
export function loadMetricsAddress(env: Env): ListenAddress | undefined {
  const raw = env.VAULT_BOOTSTRAP_METRICS_ADDRESS ?? '127.0.0.1:9464';
  if (raw === '') return undefined;
  return hostPort('VAULT_BOOTSTRAP_METRICS_ADDRESS', raw, 'host:port (e.g. 0.0.0.0:9464), or empty for none');
}

/**
 * The worker's health file (`VAULT_BOOTSTRAP_HEALTH_FILE`), read by the worker and by the HEALTHCHECK that
 * checks it: an absolute path whose folder exists, or `undefined` when unset.
 */
export function loadHealthFile(env: Env): string | undefined {
  const raw = env.VAULT_BOOTSTRAP_HEALTH_FILE;
  if (raw === undefined || raw === '') return undefined;
  if (!isAbsolute(raw) || raw.endsWith('/')) {
    throw new ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'an absolute file path', raw);
  }
  const dir = dirname(raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'a file in an existing folder', raw);
  }
  return raw;
}

/**
 * Checks that every name built from `stackName` fits Docker's limits (the unseal-key secrets, `<base>_vN`);
 * a name that does not is a `ConfigError` for `setting`, before anything is created.
 */
export function stackNamesFit(
  stack: Pick<StackConfig, 'unsealSecretTemplate'>,
  stackName: string,
  setting = 'stack',
): string {
  try {
    assertSecretNameFits(unsealSecretBase(stack, stackName), stackName);
  } catch (err) {
    throw new ConfigError(setting, err instanceof Error ? err.message : String(err));
  }
  return stackName;
}

/** The unseal-key secret base name for a stack (`vault_unseal_key` in production). */
export function unsealSecretBase(
  stack: Pick<StackConfig, 'unsealSecretTemplate'>,
  stackName: string,
): string {
  return stack.unsealSecretTemplate.replaceAll('{stack}', stackName);
}
