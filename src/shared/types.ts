/** Input of the `BootstrapVault` workflow. Holds names only, never key material. */
export interface BootstrapInput {
  /** Swarm stack name; the Vault service is `<stack>_vault`. */
  stack: string;
}

/** Input of `UpgradeVault`: an image, or back to the one the service ran before the last upgrade. */
export interface UpgradeInput extends BootstrapInput {
  image?: string;
  rollback?: boolean;
  /** How long a replaced node may take to serve before the upgrade stops with `UpgradeNodeUnhealthy` (default 5 min). */
  nodeTimeoutMs?: number;
}

/** Input of `RestoreVault`: the stack to bring back, from which snapshot. */
export interface RestoreInput extends BootstrapInput {
  /** A snapshot file in the stack's backup folder (its name), or an absolute path the worker can read. */
  snapshot: string;
  /** Names this restore's scratch custody record (`<stack>.restore-<id>`): the first characters of its run id. */
  restoreId: string;
}

/** What a completed bootstrap reports. No key material, only names and ids. */
export interface ClusterSummary {
  stack: string;
  service: string;
  leader: string;
  followers: string[];
  /** Docker secret currently attached at target `vault_unseal_key`. */
  unsealSecret: string;
  /** Version of that secret (`_vN` suffix), 0 for the placeholder. */
  unsealSecretVersion: number;
  /** Custody record id of the key (an opaque reference, not the key). */
  keyId: string;
  runningTasks: number;
}

export interface BootstrapResult {
  summary: ClusterSummary;
  /** Per-step one-line summaries, in order. */
  steps: { step: string; summary: string }[];
}

/** A secret the bootstrap manages, as the activities report it (names and labels, never data). */
export interface SecretRef {
  name: string;
  id: string;
  kind: 'placeholder' | 'unseal-key' | 'unknown';
  version: number;
}

/** Result shape every step activity returns: a one-line summary plus whether it changed anything. */
export interface StepOutcome {
  changed: boolean;
  summary: string;
}

/**
 * Input of the `BreakGlassRootToken` workflow: which stack, for how long, and the RSA public key (PEM) the
 * token is encrypted to. The private half never leaves the operator's client.
 */
export interface BreakGlassInput {
  stack: string;
  ttlSeconds: number;
  recipientPublicKeyPem: string;
  /** Who asked (user@host, from the client): kept in the token's metadata and the workflow's history. */
  requester: string;
}

/** A break-glass token handed over: its accessor (a handle, not a secret) and the token encrypted (base64). */
export interface BreakGlassIssued {
  accessor: string;
  sealedToken: string;
}

export interface BreakGlassRevocation {
  accessor: string;
  /** This run revoked it; `alreadyGone`: Vault no longer knew it (expired, or revoked by an operator). */
  revoked: boolean;
  alreadyGone: boolean;
}
