/**
 * Where the unseal key and the worker's Vault token live after `sys/init` (the root token too, until the
 * bootstrap's last step revokes it). Implemented by `FileKeyCustody` (encrypted
 * files, src/custody/file-custody.ts); in tests by `FakeCustody`. Failures are `CustodyError`s
 * (src/shared/errors.ts) of one of the `CustodyErrorKind`s.
 */

/** The plaintext a record protects. */
export interface CustodySecrets {
  unsealKey: string;
  /** The root token `sys/init` answered; dropped from the record once `revokeRootToken` has revoked it. */
  rootToken?: string;
  /** The worker's own token (policy `vault-bootstrap-worker`, periodic), from `revokeRootToken` on. */
  workerToken?: string;
  /** The token backups and drills read Raft snapshots with (policy `vault-bootstrap-snapshot`, periodic). */
  snapshotToken?: string;
  /**
   * The token OpenBao's authenticated root generation is called with (policy `vault-bootstrap-root-generation`,
   * periodic): break glass does not depend on the worker token. Absent on HashiCorp Vault (unauthenticated).
   */
  rootGenerationToken?: string;
  /**
   * Break-glass tokens handed out and not revoked yet, by accessor: the workflow revokes one with the token
   * itself when its time is up, so no credential of the tool may revoke tokens by accessor.
   */
  breakGlassTokens?: Record<string, string>;
  /**
   * Root generations in flight (break glass, `repairCredentials`), by owner (`<workflow id>/<activity id>`):
   * what a retry, on this worker or another with the same custody, must clean up after a crash. Handles only.
   */
  rootGenerations?: Record<string, RootGenerationProgress>;
  /**
   * Which rotation of the unseal key `unsealKey` is: 0 (or absent) for the key `sys/init` answered, one more
   * for each rotation (`RekeyVault`). The unseal-key secrets and snapshot manifests carry it beside the record id.
   */
  keyGeneration?: number;
  /**
   * The key a rotation in progress made, stored before Vault makes it the key (docs/rekey.md): until the
   * rotation's verification completes the old key stays the one Vault takes, after it only this one does.
   */
  nextUnsealKey?: NextUnsealKey;
  /**
   * Keys of earlier generations, by generation: no longer the key of the live cluster (retired), kept because a
   * snapshot taken under one opens only with it.
   */
  formerUnsealKeys?: Record<string, string>;
}

/** The key of a rotation of the unseal key in progress (`CustodySecrets.nextUnsealKey`). */
export interface NextUnsealKey {
  /** The generation it becomes (the record's `keyGeneration` + 1). */
  generation: number;
  unsealKey: string;
  /** The nonce of the Vault rotation that made it. */
  nonce: string;
  /** When it was stored (ISO-8601, the worker's clock). */
  storedAt: string;
}

/**
 * What one activity's root generation has set in motion, written to custody before each step that could leave
 * something behind (docs/faults.md, "Root generation survives a crash"). Handles only: nonces, accessors and
 * times, never a token or an OTP.
 */
export interface RootGenerationProgress {
  /** When the owner last wrote this entry (ISO-8601, the worker's clock); an entry long untouched is stale. */
  updatedAt: string;
  /** Set just before an attempt is started, cleared once its nonce is recorded (ISO-8601). */
  startingAt?: string;
  /** Nonces of the attempts the owner started: a retry completes one of them still in progress (and sweeps its token). */
  nonces: string[];
  /**
   * When the unseal key was given to an attempt whose generated root token's accessor is not recorded yet
   * (ISO-8601): a retry looks for a root token Vault created around then and revokes it.
   */
  keyGivenAt: string[];
  /** Accessors of tokens the owner made and has not handed over or revoked. */
  accessors: string[];
}

/**
 * The token fields `setTokens` changes: a field given a token is set, a field given `undefined` is removed, a
 * field not named is kept.
 */
export type CustodyTokens = Partial<
  Pick<CustodySecrets, 'rootToken' | 'workerToken' | 'snapshotToken' | 'rootGenerationToken'>
>;

/** The names of `CustodyTokens`' fields, in a fixed order. */
export const CUSTODY_TOKEN_FIELDS = [
  'rootToken',
  'workerToken',
  'snapshotToken',
  'rootGenerationToken',
] as const;

/** What may be shown about a record: no key material. */
export interface CustodyRecordInfo {
  keyId: string;
  stack: string;
  createdAt: string;
}

/** A decrypted custody record: the key and token with their record id. */
export type HeldKeys = CustodySecrets & CustodyRecordInfo;

/**
 * What `sys/init` answers when it is given `pgp_keys` and `root_token_pgp_key`: the unseal key and the root token,
 * each an OpenPGP message (base64, binary) encrypted to the stack's init key. Useless without custody.
 */
export interface EncryptedInitAnswer {
  /** `unseal_keys_b64[0]`: decrypts to the unseal key, hex. */
  unsealKey: string;
  /** `root_token`: decrypts to the root token. */
  rootToken: string;
}

/**
 * Custody's side of an init whose answer must outlive the worker (src/custody/init-key.ts): an OpenPGP key pair
 * per stack whose private half custody stores, durably, before `sys/init` is sent with its public half; the
 * encrypted answer, wherever it waited, is opened only here and stored as the stack's record.
 */
export interface InitKeyCustody {
  /**
   * The stack's pending init key: made and stored durably (encrypted, fsynced, replicated like a record) on the
   * first call, the same one on every later call until `discardInitKey`. Returns the public half, armored.
   */
  prepareInitKey(stack: string): Promise<{ publicKey: string; fingerprint: string }>;
  /**
   * Decrypts `answer` with the stack's pending init key and stores it as the stack's record (`store`, durable
   * before this returns). `InitAnswerUnreadable` (a `CustodyError`) when there is no pending key or the answer
   * was not encrypted to it; nothing is stored then.
   */
  storeInitAnswer(stack: string, answer: EncryptedInitAnswer): Promise<CustodyRecordInfo>;
  /** Removes the stack's pending init key; nothing when there is none. */
  discardInitKey(stack: string): Promise<void>;
  /**
   * The stack's rotation key (`<stack>.rekey-key`), made like the init key: a rotation of the unseal key asks
   * Vault to encrypt the new key to its public half, so the answer (and Vault's backup of it) is useless to
   * anyone but custody.
   */
  prepareRekeyKey(stack: string): Promise<{ publicKey: string; fingerprint: string }>;
  /**
   * Decrypts one new key share a rotation answered (base64 of the OpenPGP message) with the rotation key:
   * the key, base64. `InitAnswerUnreadable` when there is no rotation key or the share is not encrypted to it.
   */
  openRekeyShare(stack: string, share: string): Promise<string>;
  /** Removes the stack's rotation key; nothing when there is none. */
  discardRekeyKey(stack: string): Promise<void>;
}

/** The record store an `InitKeyCustody` keeps its pending keys in (a `KeyCustody` that can also remove). */
export interface RemovableCustody extends KeyCustody {
  /** Removes the stack's record `keyId`, durably, from every copy; nothing when there is none. */
  remove(stack: string, keyId: string): Promise<void>;
}

export interface KeyCustody {
  /** Proves the record folder and the encryption key are usable: writes, fsyncs, reads back and removes a probe. */
  assertWritable(stack: string): Promise<void>;
  /** Metadata of the stack's record, or undefined when there is none. */
  describe(stack: string): Promise<CustodyRecordInfo | undefined>;
  /** Persists the secrets durably before returning; refuses to overwrite an existing record. */
  store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo>;
  /** The stack's record, decrypted; `UnsealKeyUnavailable` when there is none. */
  read(stack: string): Promise<HeldKeys>;
  /**
   * Changes the token fields `tokens` names in the stack's record `keyId` (see `CustodyTokens`), durably; the
   * unseal key and everything else are copied from the record itself, never from the caller. `CustodyCorrupt`
   * when the record there is not `keyId`.
   */
  setTokens(stack: string, keyId: string, tokens: CustodyTokens): Promise<void>;
  /**
   * Keeps the break-glass token `token` under its `accessor` in the stack's record `keyId` (`undefined` removes
   * it), durably, keeping everything else; `CustodyCorrupt` when the record there is not `keyId`.
   */
  setBreakGlassToken(
    stack: string,
    keyId: string,
    accessor: string,
    token: string | undefined,
  ): Promise<void>;
  /**
   * Replaces the root generation entry of `owner` in the stack's record `keyId` (`undefined` removes it),
   * durably, keeping everything else; `CustodyCorrupt` when the record there is not `keyId`.
   */
  setRootGeneration(
    stack: string,
    keyId: string,
    owner: string,
    progress: RootGenerationProgress | undefined,
  ): Promise<void>;
  /**
   * Stores the key a rotation made as the record's `nextUnsealKey` (`undefined` removes it), durably, keeping
   * everything else; `CustodyCorrupt` when the record there is not `keyId`.
   */
  setNextUnsealKey(stack: string, keyId: string, next: NextUnsealKey | undefined): Promise<void>;
  /**
   * Makes the record's `nextUnsealKey` of `generation` its unseal key (the old one kept in `formerUnsealKeys`),
   * durably, in one write: the key only ever changes to one the record already held. Nothing when the record is
   * at `generation` already; `CustodyCorrupt` when it holds no next key of that generation or is not `keyId`.
   */
  promoteNextUnsealKey(stack: string, keyId: string, generation: number): Promise<void>;
}

/** A copy of a stack's encrypted custody record kept outside the worker's node. */
export interface CustodyReplica {
  /** The store's id of this copy (to remove it). */
  id: string;
  keyId: string;
  /** The record's revision (`setTokens`, `setBreakGlassToken` and `setRootGeneration` add one). */
  seq: number;
  /** The record file's JSON: encrypted fields only, no key material in clear. */
  text: string;
}

/**
 * Where `ReplicatedKeyCustody` keeps its copies: Docker configs in the swarm's Raft store
 * (`SwarmCustodyReplicas`, src/custody/swarm-replicas.ts); in tests a map.
 */
export interface CustodyReplicaStore {
  /** Every copy of the stack's record, any revision. */
  list(stack: string): Promise<CustodyReplica[]>;
  /** Adds a copy (copies are immutable: a new revision is a new copy). */
  put(stack: string, keyId: string, seq: number, text: string): Promise<void>;
  remove(id: string): Promise<void>;
}
