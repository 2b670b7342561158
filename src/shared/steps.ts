/**
 * The bootstrap steps, in order: the preflight that validates input before anything changes, the eight steps
 * of the seed, and `revokeRootToken`, which leaves the worker its own token and no standing root token.
 * Imported by workflows (to order and report them) and by activities (to name their errors).
 */
export const BOOTSTRAP_STEPS = [
  'preflight',
  'ensurePlaceholderSecret',
  'deployStack',
  'initLeader',
  'rotateUnsealKeySecret',
  'unsealLeader',
  'joinPeers',
  'unsealPeers',
  'verifyCluster',
  'revokeRootToken',
] as const;

export type BootstrapStep = (typeof BOOTSTRAP_STEPS)[number];

/**
 * The steps of `RekeyVault` (the rotation of the unseal key), in order: the cluster checked, the key rotated
 * (custody holds the new one before Vault takes it), the new secret rolled out one node at a time, the cluster
 * verified, a fresh snapshot taken and drilled with the new key, and only then the old secret retired.
 */
export const REKEY_STEPS = [
  'checkCluster',
  'rekeyUnsealKey',
  'rollUnsealKeySecret',
  'verifyCluster',
  'backupSnapshot',
  'drillSnapshot',
  'retireFormerUnsealKey',
] as const;

export type RekeyStep = (typeof REKEY_STEPS)[number];

export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

/** One row of the `progress` query. Times are ISO-8601 strings (workflow time). */
export interface StepProgress {
  step: BootstrapStep;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** Short, key-free summary of what the step observed or did ("already initialized", "created vault_unseal_key_v1"). */
  summary?: string;
  /** Failure message when status is `failed` (never contains key material). */
  error?: string;
}
