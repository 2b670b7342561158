/**
 * The Vault stack's deployment settings: read by the full worker (which deploys) and the client (which names
 * the stack and checks its names before starting anything).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../shared/errors';
import { stackNamesFit, validateStackName } from '../shared/names';
import { str } from './env';
import type { Env } from './env';

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

export function loadStackConfig(env: Env, cwd: string): StackConfig {
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
