/**
 * The rules for the names the stack name flows into (service, Docker secrets, custody file, workflow ids),
 * checked once at every entry: configuration, the client's `--stack`, and every activity's input.
 * Sandbox-safe (workflows import `workflow-ids.ts`, which builds ids from these rules): no Node builtins.
 */
import { ConfigError, ErrorType, messageOf, NonRetryableError } from './errors';

/** Letters, digits, `_`, `-`, `.`, starting with a letter or digit: no `/`, no `:`, no `..` path. */
export const STACK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The longest stack name accepted (`<stack>_vault` stays well inside Swarm's 63-character service names). */
export const STACK_NAME_MAX = 48;

/** Swarm's limit on secret (and config) names: 64 characters (swarmkit `validateConfigOrSecretAnnotations`). */
export const SECRET_NAME_MAX = 64;

/** The longest version suffix the bootstrap reserves room for up front: `_v9999`. */
export const SECRET_VERSION_SUFFIX_MAX = '_v9999'.length;

/**
 * The separator between an id's kind and the stack in the workflow ids (`vault-health:<stack>`): a stack name
 * cannot contain it (`STACK_NAME_RE`), so an id names exactly one kind and one stack.
 */
export const ID_SEPARATOR = ':';

/**
 * The suffix of the throwaway stack a restore drill deploys (`<stack>-drill`, `drillStackName` in backup.ts).
 * A drill removes that stack, so no stack of this tool may be named with it: a real `prod-drill` would be
 * taken for the drill stack of `prod`.
 */
export const DRILL_SUFFIX = '-drill';

/** What a stack name is made of, as the errors that refuse one say it. */
export const STACK_NAME_RULE = `letters, digits, "_", "-", "." starting with a letter or digit (max ${STACK_NAME_MAX})`;

/** Whether `name` is a string the stack, secret, custody and workflow-id names can be built from. */
export function isStackName(name: unknown): name is string {
  return typeof name === 'string' && STACK_NAME_RE.test(name) && name.length <= STACK_NAME_MAX;
}

/**
 * A stack name the stack, secret, custody and workflow-id names can be built from, and not one ending in
 * `DRILL_SUFFIX`; else `ConfigError` (`InvalidConfig`) for `setting`.
 */
export function validateStackName(name: string, setting = 'stack'): string {
  if (!isStackName(name)) throw new ConfigError(setting, `a name of ${STACK_NAME_RULE}`, String(name));
  if (name.endsWith(DRILL_SUFFIX))
    throw new ConfigError(
      setting,
      `a name that does not end in "${DRILL_SUFFIX}" (reserved for the restore drill's throwaway stacks)`,
      name,
    );
  return name;
}

/**
 * Refuses, before anything is created, an unseal-key secret base whose versions (`<base>_v9999`) would exceed
 * Swarm's 64-character limit: Docker would refuse the create with HTTP 400, which no retry changes.
 * Non-retryable `NameTooLong`.
 */
export function assertSecretNameFits(base: string, stack: string): void {
  const longest = base.length + SECRET_VERSION_SUFFIX_MAX;
  if (longest > SECRET_NAME_MAX) {
    throw new NonRetryableError(
      ErrorType.NameTooLong,
      `the unseal-key secret names of stack ${stack} (${base}_vN, up to ${longest} characters) exceed Swarm's ` +
        `${SECRET_NAME_MAX}-character limit; use a shorter stack name or VAULT_UNSEAL_SECRET_NAME. Nothing was changed.`,
    );
  }
}

/** The stack settings the names depend on (`StackConfig` in src/config/stack.ts). */
export interface SecretNaming {
  /** `VAULT_UNSEAL_SECRET_NAME`, `{stack}` replaced by the stack name. */
  unsealSecretTemplate: string;
}

/** The unseal-key secret base name for a stack (`vault_unseal_key` in production). */
export function unsealSecretBase(naming: SecretNaming, stackName: string): string {
  return naming.unsealSecretTemplate.replaceAll('{stack}', stackName);
}

/**
 * Checks that every name built from `stackName` fits Docker's limits (the unseal-key secrets, `<base>_vN`);
 * a name that does not is a `ConfigError` for `setting`, before anything is created.
 */
export function stackNamesFit(naming: SecretNaming, stackName: string, setting = 'stack'): string {
  try {
    assertSecretNameFits(unsealSecretBase(naming, stackName), stackName);
  } catch (err) {
    throw new ConfigError(setting, messageOf(err));
  }
  return stackName;
}
