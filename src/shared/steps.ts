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
