/**
 * Where Temporal is and how to connect to it: read by every process (the worker in either role and the
 * client).
 */
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../shared/constants';
import { ConfigError } from '../shared/errors';
import { hostPort, str } from './env';
import type { Env } from './env';
import { checkTemporalTlsFiles } from './temporal-tls';
import type { TemporalTlsFiles } from './temporal-tls';

export interface TemporalConfig {
  /** gRPC address `host:port` of the Temporal frontend. Env `TEMPORAL_ADDRESS`; default `127.0.0.1:7233`. */
  address: string;
  /** Namespace. Env `TEMPORAL_NAMESPACE`; default `default`. */
  namespace: string;
  /** Task queue the worker polls. Env `VAULT_BOOTSTRAP_TASK_QUEUE`; default `vault-bootstrap`. */
  taskQueue: string;
  /** Connection options (TLS, API key) in `@temporalio/envconfig` conventions (`TEMPORAL_TLS*`, `TEMPORAL_API_KEY`, `TEMPORAL_PROFILE`). */
  connection: NativeConnectionOptions;
  /** The TLS files `connection` uses (`TEMPORAL_TLS_*_PATH`), checked at load; named when a connection fails. */
  tlsFiles: TemporalTlsFiles;
  /** Web UI base URL printed for operators. Env `TEMPORAL_UI_URL`; default `http://127.0.0.1:8233`. */
  uiUrl: string;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * The variables that have a flag of the client (`--address`, `--namespace`, `--ui-url`, `--profile`): set
 * empty, they are refused rather than taken as unset, so `TEMPORAL_ADDRESS=$TYPO` never quietly reaches the
 * local default instead of the cluster meant.
 */
export const NO_EMPTY_TEMPORAL_VARS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_UI_URL',
  'TEMPORAL_PROFILE',
];

export function loadTemporalConfig(env: Env): TemporalConfig {
  for (const key of NO_EMPTY_TEMPORAL_VARS) {
    const value = env[key];
    if (value !== undefined && value.trim() === '')
      throw new ConfigError(key, 'a value (unset it for the default)', value);
  }
  const tlsFiles = checkTemporalTlsFiles(env);
  // TLS / API key / profile in the SDK's own env conventions; the config file is off unless a profile is named.
  // The environment wins over the profile, the profile over the defaults.
  const overrideEnvVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith('TEMPORAL_') && v !== undefined && v !== '') overrideEnvVars[k] = v;
  let connection: NativeConnectionOptions;
  let profile: ReturnType<typeof loadClientConfigProfile>;
  try {
    profile = loadClientConfigProfile({
      disableFile: env.TEMPORAL_CONFIG_FILE === undefined && env.TEMPORAL_PROFILE === undefined,
      overrideEnvVars,
    });
  } catch (err) {
    throw new ConfigError('TEMPORAL_* connection settings', 'a valid Temporal client profile', String(err));
  }
  const address = profile.address ?? '127.0.0.1:7233';
  hostPort('TEMPORAL_ADDRESS', address);
  const namespace = profile.namespace ?? 'default';
  if (!NAME_RE.test(namespace)) throw new ConfigError('TEMPORAL_NAMESPACE', 'a namespace name', namespace);
  const taskQueue = str(env, 'VAULT_BOOTSTRAP_TASK_QUEUE', DEFAULT_TASK_QUEUE);
  if (!NAME_RE.test(taskQueue))
    throw new ConfigError('VAULT_BOOTSTRAP_TASK_QUEUE', 'a task queue name', taskQueue);
  const uiUrl = str(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233');
  if (!/^https?:\/\/\S+$/.test(uiUrl)) throw new ConfigError('TEMPORAL_UI_URL', 'an http(s) URL', uiUrl);
  try {
    connection = toClientOptions({ ...profile, address, namespace }).connectionOptions;
  } catch (err) {
    throw new ConfigError('TEMPORAL_* connection settings', 'a valid Temporal client profile', String(err));
  }
  return { address, namespace, taskQueue, connection, tlsFiles, uiUrl };
}
