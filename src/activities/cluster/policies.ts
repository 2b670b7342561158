/**
 * The Vault-side names and policy text the tool writes: one policy, and one token, per job (README, "What each
 * credential can do"), the canary a restore reads back (docs/backups.md).
 *
 * - `vault-bootstrap-worker` (custody's `workerToken`): the health run, joins, unseals, the backup canary.
 * - `vault-bootstrap-snapshot` (`snapshotToken`): reads Raft snapshots, nothing else.
 * - `vault-bootstrap-root-generation` (`rootGenerationToken`, OpenBao only): starts a root generation and gives
 *   it the unseal key (break glass; `credentials repair`). It cannot cancel an attempt: the tool completes its
 *   own unfinished attempts instead (root-generation.ts), so an operator's attempt is never interrupted.
 *
 * None of them may look up or revoke a token by its accessor: break glass keeps the token it hands out in
 * custody and revokes it with that token itself (break-glass.ts). None may write a policy: a missing or
 * changed policy is a health finding (`CredentialPolicyChanged`), repaired only when an operator asks.
 */
import { EXEC_POLICY, EXEC_ROLE, tokenRolePath } from './exec-access';
import type { RootGenerationApi } from '../../shared/vault-server';

/** What a backup reads (`BackupVault`), with the snapshot token. */
export const SNAPSHOT_PATH = 'sys/storage/raft/snapshot';
/** The KV v1 mount the tool keeps its backup canary in, and the canary's path (docs/backups.md). */
export const CANARY_MOUNT = 'vault-bootstrap';
export const CANARY_PATH = `${CANARY_MOUNT}/canary`;

/** The worker's policy: the health run, joins and unseals, the backup canary. */
export const WORKER_POLICY = 'vault-bootstrap-worker';
/** The snapshot token's policy. */
export const SNAPSHOT_POLICY = 'vault-bootstrap-snapshot';
/** The root generation token's policy (OpenBao's authenticated `sys/generate-root-token`). */
export const ROOT_GENERATION_POLICY = 'vault-bootstrap-root-generation';

/** Every token may look itself up and renew itself (a periodic token lapses unless renewed). */
const SELF = `path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
`;

/** The policy's path of `name`: where the health run reads the text back to compare it. */
export const policyPath = (name: string) => `sys/policies/acl/${name}`;

export const WORKER_POLICY_HCL = `# ${WORKER_POLICY}: written by vault-swarm-bootstrap (health, joins, unseals, the backup canary).
# Health checks: the Raft configuration and autopilot; joinPeers keeps autopilot's settings as decided.
path "sys/storage/raft/configuration" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/configuration" { capabilities = ["read", "update"] }
# The backup canary, written just before a snapshot (the restore drill reads it back from the restored copy).
path "sys/mounts/vault-bootstrap" { capabilities = ["read"] }
path "vault-bootstrap/canary" { capabilities = ["create", "update", "read"] }
path "sys/capabilities-self" { capabilities = ["update"] }
# The health run compares the tool's policies with what this version writes (CredentialPolicyChanged).
path "${policyPath(WORKER_POLICY)}" { capabilities = ["read"] }
path "${policyPath(SNAPSHOT_POLICY)}" { capabilities = ["read"] }
path "${policyPath(ROOT_GENERATION_POLICY)}" { capabilities = ["read"] }
# vault-bootstrap exec (exec-access.ts): tokens that only read the Raft configuration, through one role.
path "auth/token/create/${EXEC_ROLE}" { capabilities = ["update"] }
path "${tokenRolePath(EXEC_ROLE)}" { capabilities = ["read"] }
path "${policyPath(EXEC_POLICY)}" { capabilities = ["read"] }
${SELF}`;

export const SNAPSHOT_POLICY_HCL = `# ${SNAPSHOT_POLICY}: written by vault-swarm-bootstrap (backups and drills read Raft snapshots).
path "${SNAPSHOT_PATH}" { capabilities = ["read"] }
${SELF}`;

export const ROOT_GENERATION_POLICY_HCL = rootGenerationPolicyHcl('sys/generate-root-token');

/**
 * The root generation token's policy on a server whose root generation is authenticated at `api`: OpenBao's
 * `sys/generate-root-token` (2.6.0 and later), HashiCorp Vault 2.x's `sys/generate-root` (src/shared/vault-server.ts).
 * Only the server's own path: the policy the health run compares is the one this server needs.
 */
export function rootGenerationPolicyHcl(api: RootGenerationApi): string {
  const on = api === 'sys/generate-root-token' ? 'OpenBao' : 'HashiCorp Vault 2.x';
  return `# ${ROOT_GENERATION_POLICY}: written by vault-swarm-bootstrap (break glass on ${on}).
# Root generation still needs the unseal key, which only custody holds. No delete: no attempt is cancelled.
path "${api}/attempt" { capabilities = ["create", "read", "update"] }
path "${api}/update" { capabilities = ["create", "update"] }
${SELF}`;
}

/** Custody's fields that hold the tool's tokens, one per credential. */
export type CredentialField = 'workerToken' | 'snapshotToken' | 'rootGenerationToken';

/** One credential: its custody field, its policy, and the `made-by` metadata its tokens carry. */
export interface Credential {
  /** Shown in findings and summaries (`the snapshot token`). */
  name: string;
  field: CredentialField;
  policy: string;
  hcl: string;
  /** The `vault-bootstrap` metadata value of its tokens: how a sweep finds one an attempt left. */
  madeBy: string;
  /** Only on a server whose root generation is authenticated (OpenBao's `sys/generate-root-token`). */
  onlyForAuthenticatedRootGeneration?: boolean;
}

export const CREDENTIALS: readonly Credential[] = [
  {
    name: 'worker token',
    field: 'workerToken',
    policy: WORKER_POLICY,
    hcl: WORKER_POLICY_HCL,
    madeBy: 'worker',
  },
  {
    name: 'snapshot token',
    field: 'snapshotToken',
    policy: SNAPSHOT_POLICY,
    hcl: SNAPSHOT_POLICY_HCL,
    madeBy: 'snapshot',
  },
  {
    name: 'root generation token',
    field: 'rootGenerationToken',
    policy: ROOT_GENERATION_POLICY,
    hcl: ROOT_GENERATION_POLICY_HCL,
    madeBy: 'root-generation',
    onlyForAuthenticatedRootGeneration: true,
  },
];

export const credential = (field: CredentialField): Credential => CREDENTIALS.find((c) => c.field === field)!;
