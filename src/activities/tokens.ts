/**
 * The tool's own Vault credentials: one token per job (cluster/policies.ts), and no standing root token.
 *
 * - `revokeRootToken` (the bootstrap's last step): makes sure of the audit device (cluster/audit.ts), writes the
 *   tool's policies, gives it a periodic token under each (the worker's, the snapshot token, on OpenBao the root
 *   generation token), keeps them in custody, mounts the backup canary's engine, revokes the root token
 *   `sys/init` answered and drops it from custody.
 * - `ensureBackupAccess` (`BackupVault`'s first step): checks that the snapshot token is there
 *   and valid, and the canary's mount too. It changes nothing: a missing credential is `CredentialMissing`.
 * - `repairCredentials` (`RepairVaultCredentials`, which only an operator starts): rewrites a policy that is
 *   missing or changed and replaces a token that is missing or rejected, with a root token generated from the
 *   unseal key for that and revoked at once. Nothing does this on its own.
 *
 * Secrets (tokens, the key) stay in this process: inputs and results carry accessors only.
 */
import type { CustodyTokens, HeldKeys, VaultNode } from '../ports';
import { serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { BootstrapInput, StepOutcome } from '../shared/types';
import { ensureAuditDevice } from './cluster/audit';
import { apiToken, readCustodyForTokens } from './cluster/custody';
import { credentialsFor } from './cluster/credentials';
import { writeExecAccess } from './cluster/exec-access';
import { activeNode } from './cluster/nodes';
import { CANARY_MOUNT, CANARY_PATH, SNAPSHOT_POLICY } from './cluster/policies';
import type { Credential } from './cluster/policies';
import { ATTEMPT_META, MADE_BY, rootGeneration } from './cluster/root-generation';
import type { ActivityDeps } from './deps';

/** Each renewal (every health run) gives the tool's tokens this long again. */
export const WORKER_TOKEN_PERIOD = '168h';

const repairHint = (stack: string) => `\`vault-bootstrap credentials repair --stack ${stack}\``;

export function createTokenActivities(deps: ActivityDeps) {
  const { custody } = deps;
  const { withGeneratedRoot } = rootGeneration(deps);
  const keys = (stack: string) => readCustodyForTokens(deps, stack);

  /** The credentials of `creds` whose token custody does not hold, or Vault rejects. */
  async function unusable(node: VaultNode, held: HeldKeys, creds: Credential[]): Promise<Credential[]> {
    const out: Credential[] = [];
    for (const c of creds) {
      const token = held[c.field];
      if (!token || !(await node.lookupSelf(token))) out.push(c);
    }
    return out;
  }

  /** Makes a periodic token of `cred` with `root`; its metadata names the tool, the stack (and the attempt). */
  function makeToken(node: VaultNode, root: string, stack: string, cred: Credential, nonce?: string) {
    return node.createOrphanToken(root, {
      policies: [cred.policy],
      displayName: `${cred.policy}-${stack}`,
      period: WORKER_TOKEN_PERIOD,
      renewable: true,
      meta: { [MADE_BY]: cred.madeBy, stack, ...(nonce ? { [ATTEMPT_META]: nonce } : {}) },
    });
  }

  /**
   * Revokes the tokens of `creds` this stack's runs made, but those custody keeps (`keep`, by field): left by
   * an attempt that crashed before custody had them, or replaced.
   */
  async function sweep(
    node: VaultNode,
    root: string,
    stack: string,
    creds: Credential[],
    keep: Set<string>,
    self?: string,
  ): Promise<number> {
    const kinds = new Set(creds.map((c) => c.madeBy));
    let revoked = 0;
    for (const accessor of await node.listAccessors(root)) {
      if (keep.has(accessor) || accessor === self) continue;
      const info = await node.lookupAccessor(root, accessor);
      if (info && kinds.has(info.meta[MADE_BY] ?? '') && info.meta.stack === stack) {
        await node.revokeAccessor(root, accessor);
        revoked++;
      }
    }
    return revoked;
  }

  /** The accessors of the tokens custody keeps now for `creds`. */
  async function keptAccessors(node: VaultNode, stack: string, creds: Credential[]): Promise<Set<string>> {
    const held = await keys(stack);
    const kept = new Set<string>();
    for (const c of creds) {
      const token = held[c.field];
      const info = token ? await node.lookupSelf(token) : undefined;
      if (info) kept.add(info.accessor);
    }
    return kept;
  }

  /**
   * The bootstrap's last step. Order matters for a crash at any point: every token reaches custody before the
   * root token is revoked, and the root token leaves custody only after Vault revoked it. A token created by
   * an attempt that crashed before storing it is found by its metadata and revoked on the retry.
   */
  async function revokeRootToken(input: BootstrapInput): Promise<StepOutcome> {
    const { stack } = input;
    let held = await keys(stack);
    const node = await activeNode(deps, stack);
    const creds = await credentialsFor(node);
    const done: string[] = [];
    const missing = await unusable(node, held, creds);
    const root = held.rootToken && (await node.lookupSelf(held.rootToken)) ? held.rootToken : undefined;
    if (missing.length && !root) {
      if (missing.some((c) => c.field === 'workerToken'))
        throw new NonRetryableError(
          ErrorType.VaultTokenUnavailable,
          `custody's ${held.workerToken ? 'worker token is rejected by Vault' : 'record has no worker token'} and ` +
            `it holds no working root token for ${serviceName(stack)}. Nothing was changed. Get a root token with ` +
            `\`vault-bootstrap root-token --stack ${stack}\` and look at what happened to the worker's token.`,
        );
      // A cluster bootstrapped by an older version: the health run reports it, an operator repairs it.
      return {
        changed: false,
        summary:
          `no root token left; the worker token is valid; custody holds no usable ` +
          `${missing.map((c) => c.name).join(', ')}: run ${repairHint(stack)}`,
      };
    }
    if (root) {
      // First: what the tool does next with the root token is audited, and a refusal changes nothing else.
      const audit = await ensureAuditDevice(node, root);
      if (audit) done.push(audit);
      for (const c of creds) await node.writePolicy(root, c.policy, c.hcl);
      done.push(...(await writeExecAccess(node, root)));
      for (const c of missing) {
        const made = await makeToken(node, root, stack, c);
        await deps.failpoints.hit('revokeRootToken:after-create-token');
        await custody.setTokens(stack, held.keyId, { rootToken: root, [c.field]: made.token });
        done.push(`issued the ${c.name} (${made.accessor})`);
      }
      if ((await node.mountType(root, CANARY_MOUNT)) === undefined) {
        await node.mountKv(root, CANARY_MOUNT);
        done.push(`mounted a KV engine at ${CANARY_MOUNT}/ for the backup canary`);
      }
      await sweep(node, root, stack, creds, await keptAccessors(node, stack, creds));
      await node.revokeSelf(root);
      await deps.failpoints.hit('revokeRootToken:after-revoke');
      done.push('revoked the root token');
    }
    held = await keys(stack);
    if (held.rootToken !== undefined) await custody.setTokens(stack, held.keyId, { rootToken: undefined });
    return {
      changed: done.length > 0,
      summary: done.length ? done.join(', ') : 'no root token left; the tool’s tokens are valid',
    };
  }

  /**
   * What a backup needs, checked, never granted: the snapshot token in custody, valid, under the snapshot
   * policy, and the canary's mount. Anything missing is `CredentialMissing` (`credentials repair` fixes it).
   */
  async function ensureBackupAccess(input: { stack: string }): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const refuse = (what: string) =>
      new NonRetryableError(
        ErrorType.CredentialMissing,
        `${what}: no backup of ${serviceName(stack)} can be taken. Nothing was changed. Run ${repairHint(stack)}.`,
      );
    if (!held.snapshotToken)
      throw refuse(
        `custody holds no snapshot token for ${stack} (a cluster bootstrapped by an older version)`,
      );
    const info = await node.lookupSelf(held.snapshotToken);
    if (!info) throw refuse(`Vault rejects the snapshot token of ${stack} (revoked or expired)`);
    if (!info.policies.includes(SNAPSHOT_POLICY))
      throw refuse(
        `the snapshot token of ${stack} carries ${info.policies.join(', ')}, not ${SNAPSHOT_POLICY}`,
      );
    if ((await node.mountType(apiToken(held, stack), CANARY_MOUNT)) === undefined)
      throw refuse(`no engine is mounted at ${CANARY_MOUNT}/ for the backup canary (${CANARY_PATH})`);
    return { changed: false, summary: `the snapshot token is valid; ${CANARY_PATH} can be written` };
  }

  /**
   * Brings the tool's access to what this version writes, because an operator asked (`credentials repair`): the
   * audit device enabled where the server allows it (cluster/audit.ts), a policy missing or changed is written
   * again, a token missing, rejected or under another policy is replaced (the old one revoked), the canary's
   * mount made; with a root token generated from the unseal key for that, revoked before this returns. Every token made is recorded (`use.made`) until custody holds it.
   */
  async function repairCredentials(input: { stack: string }): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const creds = await credentialsFor(node);
    const done: string[] = [];
    await withGeneratedRoot(node, held, stack, async (root, use) => {
      const audit = await ensureAuditDevice(node, root);
      if (audit) done.push(audit);
      for (const c of creds) {
        if ((await node.readPolicy(root, c.policy)) !== c.hcl) {
          await node.writePolicy(root, c.policy, c.hcl);
          done.push(`wrote the policy ${c.policy}`);
        }
      }
      done.push(...(await writeExecAccess(node, root)));
      const now = await keys(stack);
      for (const c of creds) {
        const token = now[c.field];
        const info = token ? await node.lookupSelf(token) : undefined;
        if (info && info.policies.length === 1 && info.policies[0] === c.policy) continue;
        const made = await makeToken(node, root, stack, c, use.nonce);
        await use.made(made.accessor);
        const change: CustodyTokens = { [c.field]: made.token };
        await custody.setTokens(stack, held.keyId, change);
        done.push(`issued the ${c.name} (${made.accessor})`);
      }
      const revoked = await sweep(node, root, stack, creds, await keptAccessors(node, stack, creds));
      if (revoked) done.push(`revoked ${revoked} token(s) custody no longer keeps`);
      if ((await node.mountType(root, CANARY_MOUNT)) === undefined) {
        await node.mountKv(root, CANARY_MOUNT);
        done.push(`mounted a KV engine at ${CANARY_MOUNT}/ for the backup canary`);
      }
    });
    return {
      changed: done.length > 0,
      summary: done.join('; ') || 'every policy and token of the tool was as this version writes it',
    };
  }

  return { revokeRootToken, ensureBackupAccess, repairCredentials };
}
