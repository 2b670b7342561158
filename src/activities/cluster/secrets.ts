/**
 * The stack's unseal-key secret family as the steps see it: its base name, the stack's own members, the names
 * taken, and the member the stack mounts.
 */
import { SECRET_NAME_MAX, unsealSecretBase } from '../../shared/names';
import type { FailpointName, HeldKeys, SecretInfo } from '../../ports';
import {
  LABEL_KEY_GENERATION,
  LABEL_KEY_ID,
  LABEL_KIND,
  LABEL_STACK,
  LABEL_VERSION,
  serviceName,
} from '../../shared/constants';
import { ErrorType, NonRetryableError } from '../../shared/errors';
import { keyGenerationOf } from '../../shared/key-generation';
import type { ActivityDeps } from '../deps';

export function secretBase(deps: Pick<ActivityDeps, 'config'>, stack: string): string {
  return unsealSecretBase(deps.config.stack, stack);
}

/** A stack's view of the unseal-key secret family. */
export interface StackSecrets {
  /** The family's base name (`vault_unseal_key` by default, the same for every stack). */
  base: string;
  /** The stack's own secrets (label `LABEL_STACK` = the stack), oldest version first. */
  own: SecretInfo[];
  /** Every name of the family that exists, any stack's: a new secret must take none of them. */
  taken: Set<string>;
  /** The next version number free in the whole family. */
  nextVersion: number;
}

/**
 * The stack's own unseal-key secrets and what the family leaves free. With the default name
 * (`vault_unseal_key`, no `{stack}`) two stacks on one swarm share the names: only the secrets labelled with
 * this stack are ever mounted, deployed with or removed; another stack's are only avoided when naming.
 */
export async function stackSecrets(
  deps: Pick<ActivityDeps, 'config' | 'swarm'>,
  stack: string,
): Promise<StackSecrets> {
  const base = secretBase(deps, stack);
  const family = await deps.swarm.listSecretFamily(base);
  return {
    base,
    own: family.filter((s) => s.stack === stack),
    taken: new Set(family.map((s) => s.name)),
    nextVersion: Math.max(0, ...family.map((s) => s.version)) + 1,
  };
}

/** The secret the stack should mount: the one the service uses, else the newest of the family. */
export async function currentUnsealSecret(
  deps: ActivityDeps,
  stack: string,
): Promise<SecretInfo | undefined> {
  const family = (await stackSecrets(deps, stack)).own;
  const svc = await deps.swarm.inspectService(serviceName(stack));
  if (svc?.unsealSecret) {
    const used = family.find((s) => s.id === svc.unsealSecret?.id);
    if (used) return used;
  }
  return family.at(-1);
}

/** Whether Docker answered 409: a secret of that name exists already (a retry, or another stack's). */
export function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 409;
}

/**
 * Removes the stack's own unseal-key secrets other than `keep` that no service mounts; returns their names.
 * `points` are hit around each removal.
 */
export async function removeUnmountedSecrets(
  deps: Pick<ActivityDeps, 'config' | 'swarm' | 'failpoints'>,
  stack: string,
  keep: string,
  points: { before?: FailpointName; after?: FailpointName } = {},
): Promise<string[]> {
  const inUse = await deps.swarm.secretsInUse();
  const removed: string[] = [];
  for (const s of (await stackSecrets(deps, stack)).own) {
    if (s.id === keep || inUse.has(s.id)) continue;
    if (points.before) await deps.failpoints.hit(points.before);
    await deps.swarm.removeSecret(s.id);
    if (points.after) await deps.failpoints.hit(points.after);
    removed.push(s.name);
  }
  return removed;
}

/** Whether `secret` is an unseal-key secret holding `held`'s key: its record id and its key generation. */
export function holdsKey(secret: SecretInfo, held: Pick<HeldKeys, 'keyId' | 'keyGeneration'>): boolean {
  return (
    secret.kind === 'unseal-key' &&
    secret.keyId === held.keyId &&
    secret.keyGeneration === keyGenerationOf(held)
  );
}

/**
 * Creates the next version of the stack's unseal-key secret holding custody's key (labelled with its record id
 * and key generation) and returns it. `step` names the fault points around the create
 * (`<step>:before-create`, `<step>:after-create`). A name another stack took meanwhile, or a secret of that name
 * holding another key, is a retryable error: the retry takes the next version.
 */
export async function createKeySecret(
  deps: Pick<ActivityDeps, 'config' | 'swarm' | 'failpoints'>,
  stack: string,
  held: Pick<HeldKeys, 'keyId' | 'keyGeneration' | 'unsealKey'>,
  step: 'rotateUnsealKeySecret' | 'rollUnsealKeySecret',
): Promise<SecretInfo> {
  const { base, nextVersion: version } = await stackSecrets(deps, stack);
  const secretName = `${base}_v${version}`;
  if (secretName.length > SECRET_NAME_MAX) {
    throw new NonRetryableError(
      ErrorType.NameTooLong,
      `the next unseal-key secret ${secretName} exceeds Swarm's ${SECRET_NAME_MAX}-character limit; remove unused versions. No secret was created.`,
    );
  }
  const generation = keyGenerationOf(held);
  await deps.failpoints.hit(`${step}:before-create` as FailpointName);
  try {
    await deps.swarm.createSecret(secretName, Buffer.from(held.unsealKey), {
      [LABEL_KIND]: 'unseal-key',
      [LABEL_KEY_ID]: held.keyId,
      ...(generation > 0 ? { [LABEL_KEY_GENERATION]: String(generation) } : {}),
      [LABEL_VERSION]: String(version),
      [LABEL_STACK]: stack,
    });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  await deps.failpoints.hit(`${step}:after-create` as FailpointName);
  const target = (await stackSecrets(deps, stack)).own.find((s) => s.name === secretName);
  if (!target)
    throw new Error(`secret ${secretName} was taken by another stack meanwhile; retrying with a new version`);
  if (!holdsKey(target, held)) {
    throw new Error(
      `secret ${secretName} exists but holds another key (key id ${String(target.keyId)}, generation ` +
        `${target.keyGeneration}); retrying with a new version`,
    );
  }
  return target;
}
