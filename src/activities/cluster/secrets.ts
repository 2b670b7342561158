/**
 * The stack's unseal-key secret family as the steps see it: its base name, the stack's own members, the names
 * taken, and the member the stack mounts.
 */
import { unsealSecretBase } from '../../shared/names';
import type { SecretInfo } from '../../ports';
import { serviceName } from '../../shared/constants';
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
