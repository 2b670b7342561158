/**
 * The worker's own Vault token: the bootstrap ends with no standing root token.
 *
 * - `revokeRootToken` (the bootstrap's last step): writes the `vault-bootstrap-worker` policy, gives the worker
 *   its own periodic token under it, keeps that token in custody, revokes the root token `sys/init` answered
 *   and drops it from custody. Every later call (health checks, a second bootstrap run) uses the worker token.
 * - `ensureBackupAccess` (`BackupVault`'s first step): brings the worker's policy of an older bootstrap up to
 *   what backups need, with a root token generated for that and revoked at once.
 *
 * Secrets (tokens, the key) stay in this process: inputs and results carry accessors only.
 */
import type { VaultNode } from '../ports';
import { serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError, VaultRequestError } from '../shared/errors';
import type { BootstrapInput, StepOutcome } from '../shared/types';
import { apiToken, readCustodyForTokens } from './cluster/custody';
import { activeNode } from './cluster/nodes';
import {
  BACKUP_CAPABILITIES,
  CANARY_MOUNT,
  CANARY_PATH,
  WORKER_POLICY,
  WORKER_POLICY_HCL,
} from './cluster/policies';
import { MADE_BY, rootGeneration } from './cluster/root-generation';
import type { ActivityDeps } from './deps';

/** Each renewal (every health run) gives the worker token this long again. */
export const WORKER_TOKEN_PERIOD = '168h';

const workerMeta = (stack: string) => ({ [MADE_BY]: 'worker', stack });

export function createTokenActivities(deps: ActivityDeps) {
  const { custody } = deps;
  const { withGeneratedRoot } = rootGeneration(deps);
  const keys = (stack: string) => readCustodyForTokens(deps, stack);

  /**
   * The bootstrap's last step. Order matters for a crash at any point: the worker token reaches custody before
   * the root token is revoked, and the root token leaves custody only after Vault revoked it. A worker token
   * created by an attempt that crashed before storing it is found by its metadata and revoked on the retry.
   */
  async function revokeRootToken(input: BootstrapInput): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const done: string[] = [];
    // The worker token the record keeps, and its accessor (the one worker token the sweep below spares).
    const kept = held.workerToken;
    const valid = kept ? await node.lookupSelf(kept) : undefined;
    let worker = kept && valid ? { token: kept, accessor: valid.accessor } : undefined;
    if (!worker) {
      const root = held.rootToken;
      if (!root || !(await node.lookupSelf(root))) {
        throw new NonRetryableError(
          ErrorType.VaultTokenUnavailable,
          `custody's ${held.workerToken ? 'worker token is rejected by Vault' : 'record has no worker token'} and ` +
            `it holds no working root token for ${serviceName(stack)}. Nothing was changed. Get a root token with ` +
            `\`vault-bootstrap root-token --stack ${stack}\` and look at what happened to the worker's token.`,
        );
      }
      await node.writePolicy(root, WORKER_POLICY, WORKER_POLICY_HCL);
      const made = await node.createOrphanToken(root, {
        policies: [WORKER_POLICY],
        displayName: `${WORKER_POLICY}-${stack}`,
        period: WORKER_TOKEN_PERIOD,
        renewable: true,
        meta: workerMeta(stack),
      });
      await deps.failpoints.hit('revokeRootToken:after-create-token');
      await custody.setTokens(stack, held.keyId, { rootToken: root, workerToken: made.token });
      worker = made;
      done.push(`issued the worker token (${made.accessor})`);
    }
    if (held.rootToken) {
      const root = held.rootToken;
      if (await node.lookupSelf(root)) {
        await sweepWorkerTokens(node, root, stack, worker.accessor);
        await node.revokeSelf(root);
        await deps.failpoints.hit('revokeRootToken:after-revoke');
        done.push('revoked the root token');
      }
      await custody.setTokens(stack, held.keyId, { workerToken: worker.token });
    }
    return {
      changed: done.length > 0,
      summary: done.length ? done.join(', ') : 'no root token left; the worker token is valid',
    };
  }

  /** Revokes this stack's worker tokens but `keep` (an accessor): left by an attempt that crashed before custody. */
  async function sweepWorkerTokens(
    node: VaultNode,
    root: string,
    stack: string,
    keep: string,
  ): Promise<void> {
    for (const accessor of await node.listAccessors(root)) {
      if (accessor === keep) continue;
      const info = await node.lookupAccessor(root, accessor);
      if (info?.meta[MADE_BY] === 'worker' && info.meta.stack === stack)
        await node.revokeAccessor(root, accessor);
    }
  }

  /**
   * Whether `token`'s policy allows what backups need. The worker's token has no `default` policy, so asking
   * `sys/capabilities-self` at all needs this version's policy: a 403 there is an older policy too.
   */
  async function allowsBackups(node: VaultNode, token: string): Promise<boolean> {
    for (const [path, capability] of BACKUP_CAPABILITIES) {
      let granted: string[];
      try {
        granted = await node.capabilitiesSelf(token, path);
      } catch (err) {
        if (err instanceof VaultRequestError && err.status === 403) return false;
        throw err;
      }
      if (!granted.includes(capability) && !granted.includes('root')) return false;
    }
    return true;
  }

  /**
   * What backups need, on a cluster bootstrapped by any version: the worker's policy as this version writes it
   * (`WORKER_POLICY_HCL`) and the canary's KV mount. When either is missing, a root token generated from the
   * unseal key rewrites the policy and makes the mount, and is revoked at once. Nothing to do (no root token
   * made) when both are there.
   */
  async function ensureBackupAccess(input: { stack: string }): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const token = apiToken(held, stack);
    const policyCurrent = await allowsBackups(node, token);
    if (policyCurrent && (await node.mountType(token, CANARY_MOUNT)) !== undefined)
      return { changed: false, summary: `the worker may take snapshots and write ${CANARY_PATH}` };
    const done: string[] = [];
    await withGeneratedRoot(node, held, stack, async (root) => {
      if (!policyCurrent) {
        await node.writePolicy(root, WORKER_POLICY, WORKER_POLICY_HCL);
        done.push(`rewrote the worker's policy (snapshots, ${CANARY_PATH})`);
      }
      if ((await node.mountType(root, CANARY_MOUNT)) === undefined) {
        await node.mountKv(root, CANARY_MOUNT);
        done.push(`mounted a KV engine at ${CANARY_MOUNT}/ for the backup canary`);
      }
    });
    return { changed: done.length > 0, summary: done.join('; ') || 'nothing was missing after all' };
  }

  return { revokeRootToken, ensureBackupAccess };
}
