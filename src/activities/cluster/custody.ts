/** What a step reads from custody before it can act: the stack's record, and the token a Vault call needs. */
import type { ActivityDeps } from '../deps';
import type { HeldKeys } from '../../ports';
import { serviceName } from '../../shared/constants';
import { CustodyError, ErrorType, NonRetryableError } from '../../shared/errors';

/**
 * The stack's custody record, for a step that cannot go on without it. No record is `UnsealKeyUnavailable`
 * (`without` says what cannot be done); a record that cannot be read keeps its custody error type
 * (`CustodyCorrupt`, `CustodyPermissionsTooOpen`). Both are non-retryable: a retry reads the same disk.
 */
export async function readCustody(
  deps: Pick<ActivityDeps, 'custody'>,
  stack: string,
  without: string,
): Promise<HeldKeys> {
  try {
    return await deps.custody.read(stack);
  } catch (err) {
    if (err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable') {
      throw new NonRetryableError(
        ErrorType.UnsealKeyUnavailable,
        `custody holds no unseal key for stack ${stack}, so ${without}. Nothing was changed. ` +
          `Restore the custody record and its key file from backup, then run again.`,
      );
    }
    throw err;
  }
}

/**
 * The token a call needs: the worker's own, or (before `revokeRootToken` has run) the root token. Neither is
 * `VaultTokenUnavailable`.
 */
export function apiToken(held: HeldKeys, stack: string): string {
  const token = held.workerToken ?? held.rootToken;
  if (token === undefined) {
    throw new NonRetryableError(
      ErrorType.VaultTokenUnavailable,
      `custody holds no Vault token for stack ${stack}: nothing can read its Raft configuration. ` +
        `Run \`vault-bootstrap root-token --stack ${stack}\` and inspect the cluster.`,
    );
  }
  return token;
}

/** The stack's custody record, for a step that makes or revokes Vault tokens (see `readCustody`). */
export function readCustodyForTokens(deps: Pick<ActivityDeps, 'custody'>, stack: string): Promise<HeldKeys> {
  return readCustody(deps, stack, `no Vault token of ${serviceName(stack)} can be made or revoked`);
}

/**
 * The token OpenBao's authenticated root generation is called with: the root generation token; on a cluster
 * bootstrapped before it existed, the worker's (whose policy of then allowed it) or a root token.
 */
export function rootGenerationAuth(held: HeldKeys, stack: string): string {
  return held.rootGenerationToken ?? apiToken(held, stack);
}

/**
 * The token Raft snapshots are read with: the snapshot token (or, before `revokeRootToken` has run, the root
 * token). None is `CredentialMissing`: the worker token may not read snapshots.
 */
export function snapshotToken(held: HeldKeys, stack: string): string {
  const token = held.snapshotToken ?? held.rootToken;
  if (token === undefined)
    throw new NonRetryableError(
      ErrorType.CredentialMissing,
      `custody holds no snapshot token for stack ${stack} (a cluster bootstrapped by an older version): no ` +
        `snapshot can be read. Nothing was changed. Run \`vault-bootstrap credentials repair --stack ${stack}\`.`,
    );
  return token;
}
