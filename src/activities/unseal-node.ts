/**
 * Unsealing one node with the key from custody, shared by the steps that need it.
 */
import { LEADER_SLOT } from '../shared/constants';
import { ErrorType } from '../shared/errors';
import { VaultRequestError } from '../vault/gateway';
import type { ActivityDeps, VaultNode } from './deps';
import { custodyFailure, get, nonRetryable, waitFor, waitForNodes } from './deps';
import type { Failpoints } from './failpoints';

/** The fault points around the `sys/unseal` call of one activity (see failpoints.ts). */
export interface UnsealPoints {
  failpoints: Failpoints;
  before: string;
  after: string;
}

/**
 * Unseals `node` when it is sealed; returns whether it did. A key Vault refuses is a named,
 * non-retryable failure: retrying a wrong key changes nothing. `points` are hit right before and after
 * the `sys/unseal` call, so only when an unseal really happens.
 */
export async function unsealNode(
  node: VaultNode,
  key: string,
  keyId: string,
  points?: UnsealPoints,
): Promise<boolean> {
  const before = await node.client.sealStatus();
  if (!before.sealed) return false;
  let after;
  try {
    await points?.failpoints.hit(points.before);
    after = await node.client.unseal(key);
    await points?.failpoints.hit(points.after);
  } catch (err) {
    if (
      err instanceof VaultRequestError &&
      (err.status === 400 || err.status === 500) &&
      /key|decrypt|authentic/i.test(err.message)
    ) {
      throw nonRetryable(
        ErrorType.UnsealKeyRejected,
        `${node.name} rejected the key in custody (record ${keyId}): ${err.message}. Nothing was changed.`,
      );
    }
    throw err;
  }
  if (after.sealed) {
    // A joining peer stays sealed until it has answered the leader's Raft challenge: wait for it.
    await waitFor(`${node.name} to report sealed=false`, 60_000, async () =>
      (await node.client.sealStatus()).sealed ? undefined : true,
    );
  }
  return true;
}

/**
 * Proves the custody key belongs to this cluster before it is written anywhere: a sealed leader is
 * unsealed with it (a wrong key fails by name, nothing changed). An unsealed leader cannot be asked,
 * so the key is taken as it is (the step order makes that case rare: rotation precedes the unseal).
 */
export async function proveUnsealKey(
  deps: ActivityDeps,
  stack: string,
): Promise<'proven' | 'leader-already-unsealed'> {
  const { unsealKey, keyId } = await deps.custody.read(stack).catch((err: unknown) => {
    throw custodyFailure(err);
  });
  const leader = get(await waitForNodes(deps, stack, [LEADER_SLOT]), LEADER_SLOT);
  const points: UnsealPoints = {
    failpoints: deps.failpoints,
    before: 'rotateUnsealKeySecret:before-prove-unseal',
    after: 'rotateUnsealKeySecret:after-prove-unseal',
  };
  return (await unsealNode(leader, unsealKey, keyId, points)) ? 'proven' : 'leader-already-unsealed';
}
