/**
 * The Vault-side names and policy text the tool writes: the worker's policy, what backups need of it, and the
 * canary a restore reads back (docs/backups.md).
 */
/** What a backup reads (`BackupVault`): a worker policy without it predates backups. */
export const SNAPSHOT_PATH = 'sys/storage/raft/snapshot';
/** The KV v1 mount the tool keeps its backup canary in, and the canary's path (docs/backups.md). */
export const CANARY_MOUNT = 'vault-bootstrap';
export const CANARY_PATH = `${CANARY_MOUNT}/canary`;

/** What the worker's token must be allowed for backups: a policy that does not allow all of it predates them. */
export const BACKUP_CAPABILITIES: [path: string, capability: string][] = [
  [SNAPSHOT_PATH, 'read'],
  [`sys/mounts/${CANARY_MOUNT}`, 'read'],
  [CANARY_PATH, 'update'],
];

/** The worker's policy: what it does after the bootstrap, nothing more. */
export const WORKER_POLICY = 'vault-bootstrap-worker';

export const WORKER_POLICY_HCL = `# ${WORKER_POLICY}: written by vault-swarm-bootstrap's revokeRootToken step.
# Health checks: the Raft configuration and autopilot.
path "sys/storage/raft/configuration" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state" { capabilities = ["read"] }
# Backups (BackupVault): the Raft snapshot, and the canary written just before it (the restore drill reads it
# back from the restored copy); the canary's mount is made once by ensureBackupAccess.
path "sys/storage/raft/snapshot" { capabilities = ["read"] }
path "sys/capabilities-self" { capabilities = ["update"] }
path "sys/mounts/vault-bootstrap" { capabilities = ["read"] }
path "vault-bootstrap/canary" { capabilities = ["create", "update", "read"] }
# joinPeers keeps autopilot's settings (dead-server clean-up, stabilization time) as the bootstrap decided.
path "sys/storage/raft/autopilot/configuration" { capabilities = ["read", "update"] }
# The worker's own periodic token: every health run renews it.
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
# Break glass: look up and revoke the operator's token by its accessor when its time is up.
path "auth/token/lookup-accessor" { capabilities = ["update"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
# OpenBao 2.6+: root generation is authenticated (it still needs the unseal key).
path "sys/generate-root-token/attempt" { capabilities = ["create", "read", "update", "delete"] }
path "sys/generate-root-token/update" { capabilities = ["create", "update"] }
`;
