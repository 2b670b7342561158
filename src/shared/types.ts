/** Input of the `BootstrapVault` workflow. Holds names only, never key material. */
export interface BootstrapInput {
  /** Swarm stack name; the Vault service is `<stack>_vault`. */
  stack: string;
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
