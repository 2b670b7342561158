/**
 * What the activities need from one Vault node: bank-vaults' small verbs (seal status, init, unseal, Raft
 * join, leader) plus the Raft configuration, autopilot and the certificate the node serves.
 * Implemented over node-vault by `VaultNodeClient` (src/vault/gateway.ts); in tests by `FakeVaultCluster`.
 * Key material goes in as arguments and comes out in plaintext only from `init` (a rotation's new key only
 * encrypted to the caller's OpenPGP key); it never enters an error.
 */
import type { Readable } from 'node:stream';
import type { HealthState, RekeyApi, RootGenerationApi, VaultServer } from '../shared/vault-server';

export type { HealthState, RekeyApi, RootGenerationApi } from '../shared/vault-server';

/** How the worker reaches one node. */
export interface NodeTarget {
  /** Host the node listens on, as seen from the overlay network (task IP). */
  host: string;
  port: number;
  /** Name the node's certificate is verified against. */
  serverName: string;
}

export interface SealStatus {
  initialized: boolean;
  sealed: boolean;
  /** The product version, checked to be a Vault or OpenBao this tool knows. */
  version: string;
  /** Which server the node is (src/shared/vault-server.ts): what `capabilitiesOf` answers for. */
  server: VaultServer;
  /**
   * `removed_from_cluster` as the node reports it (HashiCorp Vault 1.19 and later); absent where the server
   * does not say (OpenBao, older Vault). A removed node is never unsealed or joined by the tool.
   */
  removedFromCluster?: boolean;
}

/**
 * `sys/health` as one node answers it with the default status codes: what the code says of the node, and the
 * fields of the body the tool reads (no replication modes, no cluster id: nothing here acts on them).
 */
export interface SysHealth {
  /** What the status code says, by the node's server (`healthStateOf`, src/shared/vault-server.ts). */
  state: HealthState;
  /** The status code itself (200, 429, ...). */
  status: number;
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  /** `removed_from_cluster` where the server answers it (HashiCorp Vault 1.19 and later); absent otherwise. */
  removedFromCluster?: boolean;
}

export interface RaftServer {
  nodeId: string;
  leader: boolean;
  voter: boolean;
}

export interface InitResponse {
  /** The single unseal key, base64. */
  unsealKey: string;
  rootToken: string;
}

/** Autopilot's view of the Raft cluster. */
export interface AutopilotState {
  healthy: boolean;
  /** Voters that may fail with quorum kept (`failure_tolerance`); absent when the server does not say. */
  failureTolerance?: number;
  /** Each server autopilot tracks, by Raft node id: whether it calls that server healthy. */
  servers?: Record<string, { healthy: boolean }>;
}

/**
 * The autopilot settings the bootstrap decides (`sys/storage/raft/autopilot/configuration`); the ones it
 * leaves alone (last-contact threshold, trailing logs) are not part of it. Durations as Vault writes them.
 */
export interface AutopilotConfig {
  cleanupDeadServers: boolean;
  deadServerLastContactThreshold: string;
  minQuorum: number;
  serverStabilizationTime: string;
}

/** `sys/leader` as seen from one node. */
export interface LeaderStatus {
  /** This node is the active one. */
  isSelf: boolean;
  /** The active node's API address; '' while there is none. */
  leaderAddress: string;
}

/** The certificate a node serves right now. */
export interface ServedCertificate {
  /** SHA-256 fingerprint, colon-separated upper-case hex, as Node prints it. */
  fingerprint256: string;
}

export interface VaultNode {
  /** `vault-<slot>`: names the node in messages. */
  readonly name: string;
  sealStatus(): Promise<SealStatus>;
  /**
   * `sys/health` with its default status codes (none of `standbyok`, `sealedcode`, ...: they would change what a
   * code says), read whatever the code; `server` is the node's as its seal-status named it, which decides what
   * each code means (`capabilitiesOf(server).healthStatusCodes`). A code `server` does not document, or a body
   * that contradicts the code, is a `VaultProtocolError`.
   */
  health(server: VaultServer): Promise<SysHealth>;
  /**
   * `sys/init` with one share and threshold one. The caller persists the answer before anything else; it
   * waits long for the answer (Vault completes an init whose caller stopped waiting).
   */
  init(): Promise<InitResponse>;
  /** Submits the unseal key; returns the seal status Vault answers with. */
  unseal(key: string): Promise<SealStatus>;
  /**
   * Asks this (uninitialized) node to join the Raft cluster of the leader at `leaderApiAddr`, verifying it
   * with the CA this node is verified with and `leaderServerName`. `joined: true` is returned, not trusted.
   */
  raftJoin(leaderApiAddr: string, leaderServerName: string): Promise<boolean>;
  /** The Raft configuration (needs a token; a standby forwards to the active node). */
  raftConfiguration(token: string): Promise<RaftServer[]>;
  /**
   * `sys/storage/raft/snapshot`: the Raft snapshot, streamed (read it once, to its end). Rejects before the
   * first byte when Vault refuses (sealed, no permission); a stream that stalls fails while it is read.
   */
  raftSnapshot(token: string): Promise<AsyncIterable<Uint8Array>>;
  /**
   * `sys/storage/raft/snapshot-force`: replaces this cluster's data with `snapshot` (streamed), even one taken
   * from another cluster. Vault then seals: the restored data opens only with the snapshot's own unseal key.
   */
  forceRestoreSnapshot(token: string, snapshot: Readable): Promise<void>;
  autopilotState(token: string): Promise<AutopilotState>;
  /** The autopilot settings in force (durations normalized to whole seconds, e.g. `600s`). */
  autopilotConfiguration(token: string): Promise<AutopilotConfig>;
  /** Writes the autopilot settings (the others keep their values). */
  setAutopilotConfiguration(token: string, config: AutopilotConfig): Promise<void>;
  leader(): Promise<LeaderStatus>;
  /**
   * `sys/step-down` (PUT, a token with sudo on it): the active node gives up leadership; another voter is elected
   * (a few seconds without an active node). Sent to the active node (a standby forwards it).
   */
  stepDown(token: string): Promise<void>;
  /** Opens a verified TLS connection and reads the leaf certificate the node presents. */
  servedCertificate(): Promise<ServedCertificate>;

  /** Writes (creates or replaces) an ACL policy. */
  writePolicy(token: string, name: string, hcl: string): Promise<void>;
  /** An ACL policy's text as written; `undefined` when there is none. */
  readPolicy(token: string, name: string): Promise<string | undefined>;
  /** `auth/token/create-orphan`: a token with no parent, so revoking its creator leaves it alone. */
  createOrphanToken(token: string, request: TokenRequest): Promise<CreatedToken>;
  /** `auth/token/create/<role>`: a child of `token` as the role allows (the role may grant a policy `token` lacks). */
  createTokenFromRole(token: string, role: string, request: RoleTokenRequest): Promise<CreatedToken>;
  /** Writes (creates or replaces) the token role `name`. */
  writeTokenRole(token: string, name: string, role: TokenRole): Promise<void>;
  /** The token role `name` as Vault answers it; `undefined` when there is none. */
  readTokenRole(token: string, name: string): Promise<TokenRole | undefined>;
  /** The token's own description; `undefined` when Vault rejects the token (403: revoked, expired, unknown). */
  lookupSelf(token: string): Promise<TokenInfo | undefined>;
  /** The secrets engine mounted at `path` (`sys/mounts/<path>`), or undefined when none is. */
  mountType(token: string, path: string): Promise<string | undefined>;
  /** Mounts a KV version 1 engine at `path`. */
  mountKv(token: string, path: string): Promise<void>;
  /** `sys/audit` (sudo): the audit devices enabled, from the API or the server's configuration. */
  listAuditDevices(token: string): Promise<AuditDevice[]>;
  /** `sys/audit/<path>` (sudo): enables an audit device; OpenBao 2.3.2+ refuses it (HTTP 400) unless configured. */
  enableAuditDevice(token: string, device: AuditDevice): Promise<void>;
  /** Writes the KV v1 entry at `path` (its whole value). */
  writeKv(token: string, path: string, value: Record<string, string>): Promise<void>;
  /** Reads the KV v1 entry at `path`, or undefined when there is none. */
  readKv(token: string, path: string): Promise<Record<string, string> | undefined>;
  /** `sys/capabilities-self`: what `token` may do on `path` (`read`, `root`, `deny`, …). */
  capabilitiesSelf(token: string, path: string): Promise<string[]>;
  /** Renews a renewable token (a periodic one for its period). */
  renewSelf(token: string): Promise<void>;
  /** Revokes the token it is called with. */
  revokeSelf(token: string): Promise<void>;
  /** The token behind an accessor; `undefined` when there is none (revoked or expired). */
  lookupAccessor(token: string, accessor: string): Promise<TokenInfo | undefined>;
  /** Revokes the token behind an accessor; a no-op when there is none any more. */
  revokeAccessor(token: string, accessor: string): Promise<void>;
  /** `auth/token/accessors`: every token's accessor (needs sudo: a root token). */
  listAccessors(token: string): Promise<string[]>;
  /**
   * The root generation attempt in progress, through `api` (`token` for OpenBao's authenticated endpoints);
   * `undefined` when the server does not offer `api` (404/405).
   */
  rootGenerationStatus(api: RootGenerationApi, token?: string): Promise<RootGenerationAttempt | undefined>;
  /** Starts an attempt; Vault generates the OTP and answers it once. */
  startRootGeneration(api: RootGenerationApi, token?: string): Promise<RootGenerationAttempt>;
  /** Submits the unseal key to the attempt `nonce`; once complete, the answer holds the encoded token. */
  provideRootGenerationKey(
    api: RootGenerationApi,
    key: string,
    nonce: string,
    token?: string,
  ): Promise<RootGenerationAttempt>;

  /*
   * Rotating the unseal key (rekey), through `api`: the `capabilitiesOf(server).rekey.api` of the node's server,
   * never probed. `token` for the authenticated endpoints (OpenBao's `sys/rotate/root`, Vault 2.x). The new key
   * comes back only encrypted to the OpenPGP key the rotation was started with; the current key goes in as an
   * argument; neither ever enters an error. docs/vault-and-openbao.md, "Rotating the unseal key".
   */
  /** `<api>/init` (GET): the rotation in progress (`started: false` when none); `undefined` when the server does not offer `api` (404/405). */
  rekeyStatus(api: RekeyApi, token?: string): Promise<RekeyAttempt | undefined>;
  /**
   * `<api>/init` (POST): starts a rotation to one share, threshold one, the new key encrypted to `pgpPublicKey`
   * (armored OpenPGP; refused before any call when it is not one public key). A rotation already in progress is
   * Vault's 400, not replaced.
   */
  startRekey(api: RekeyApi, request: RekeyRequest, token?: string): Promise<RekeyAttempt>;
  /**
   * `<api>/update`: submits the current unseal key to the rotation `nonce`. Once complete, the answer holds the
   * new key, encrypted (an answer with an unencrypted key is a `VaultProtocolError`, the key not in it).
   */
  provideRekeyKey(api: RekeyApi, key: string, nonce: string, token?: string): Promise<RekeyUpdate>;
  /**
   * `<api>/verify` (GET): the verification a rotation with `requireVerification` waits for once `update`
   * completed; `undefined` when there is no rotation (the server's 400 "no rotation/rekey configuration found").
   */
  rekeyVerificationStatus(api: RekeyApi, token?: string): Promise<RekeyVerification | undefined>;
  /**
   * `<api>/verify` (POST): submits the new key to the verification `nonce`; `complete: true` once the server made
   * it the key. A wrong key is a 400, and the server then replaces the verification nonce (read it again).
   */
  provideRekeyVerificationKey(
    api: RekeyApi,
    newKey: string,
    nonce: string,
    token?: string,
  ): Promise<{ complete: boolean; nonce: string }>;
  /**
   * `<api>/init` (DELETE): cancels the rotation in progress (a no-op when there is none). The old key stays
   * valid, even during verification. `nonce` is sent: Vault wants it for a rotation younger than 10 minutes.
   */
  cancelRekey(api: RekeyApi, nonce: string, token?: string): Promise<void>;
  /**
   * `<api>/backup` (GET, a token with sudo): the encrypted new keys a rotation started with `backup` kept;
   * `undefined` when none is kept (the server's 400 "no backed-up keys found"). The server never clears it by
   * itself: the backup of a rotation cancelled or lost before verification holds keys that never became valid.
   */
  rekeyBackup(api: RekeyApi, token: string): Promise<RekeyBackup | undefined>;
  /** `<api>/backup` (DELETE): removes the kept backup (a no-op when there is none). */
  deleteRekeyBackup(api: RekeyApi, token: string): Promise<void>;
}

/** What a rotation is started with. */
export interface RekeyRequest {
  /** The armored OpenPGP public key the new key is encrypted to (sent as base64 of its binary form). */
  pgpPublicKey: string;
  /** Keep the encrypted new key in the server's storage (`backup`; only where `capabilitiesOf(...).rekey.backup`). */
  backup: boolean;
  /** Keep the old key until the new one is verified (`require_verification`). */
  requireVerification: boolean;
}

/** A rotation as its status reads (no secret: the nonce is answered to whoever may read the status). */
export interface RekeyAttempt {
  started: boolean;
  /** '' when none is started. */
  nonce: string;
  /** The new key's shares (`n`) and threshold (`t`); 0 when none is started. */
  shares: number;
  threshold: number;
  /** Current keys submitted so far, of `required`. */
  progress: number;
  required: number;
  /** Fingerprints (lower-case hex) of the OpenPGP keys the new keys will be encrypted to, in order. */
  pgpFingerprints: string[];
  backup: boolean;
  verificationRequired: boolean;
  /**
   * The verification's nonce once `update` completed (OpenBao's `sys/rotate/root` status says it); '' before,
   * and always on `sys/rekey` (read `rekeyVerificationStatus` there).
   */
  verificationNonce: string;
}

/** The answer to `update`: still collecting current keys, or complete with the encrypted new keys. */
export type RekeyUpdate =
  | { complete: false; attempt: RekeyAttempt }
  | {
      complete: true;
      nonce: string;
      /** The new keys, each a base64 OpenPGP message to the matching `pgpFingerprints` entry (never plaintext). */
      encryptedKeys: string[];
      pgpFingerprints: string[];
      backup: boolean;
      verificationRequired: boolean;
      /** The nonce to submit the new key to `verify` with; '' without verification. */
      verificationNonce: string;
    };

/** A verification in progress. */
export interface RekeyVerification {
  /** Whether the verification is open (false before `update` completed). */
  started: boolean;
  nonce: string;
  shares: number;
  threshold: number;
  progress: number;
}

/** The kept backup: the rotation's nonce, and the encrypted new keys (base64 OpenPGP messages) by fingerprint. */
export interface RekeyBackup {
  nonce: string;
  encryptedKeys: Record<string, string[]>;
}

/** An audit device: its path without the trailing slash, its type (`file`) and its options (`file_path`). */
export interface AuditDevice {
  path: string;
  type: string;
  options: Record<string, string>;
}

/** A token role (`auth/token/roles/<name>`): the fields the tool sets. */
export interface TokenRole {
  /** The only policies a token made through the role may carry. */
  allowedPolicies: string[];
  noDefaultPolicy: boolean;
  renewable: boolean;
  /** The hard limit of a token's lifetime (`token_explicit_max_ttl`). */
  explicitMaxTtlSeconds: number;
  /** Whether its tokens have no parent (revoking the creator leaves them). */
  orphan: boolean;
}

/** What `auth/token/create/<role>` is asked for. */
export interface RoleTokenRequest {
  policies: string[];
  displayName: string;
  /** Its lifetime (`2m`), within the role's maximum. */
  ttl: string;
  /** Metadata Vault keeps with the token (never secret). */
  meta: Record<string, string>;
}

/** A token Vault created: the token itself (a secret) and its accessor (a handle, not a secret). */
export interface CreatedToken {
  token: string;
  accessor: string;
}

/** What `auth/token/create-orphan` is asked for (see `VaultNode.createOrphanToken`). */
export interface TokenRequest {
  policies: string[];
  displayName: string;
  /** A periodic token: renewable forever, each renewal for this long (`72h`). */
  period?: string;
  /** A fixed lifetime (`20m`); with `explicitMaxTtl` it cannot be extended. */
  ttl?: string;
  explicitMaxTtl?: string;
  renewable: boolean;
  /** Metadata Vault keeps with the token (shown by lookups, never secret): how this tool finds its own. */
  meta: Record<string, string>;
}

/** A token as `lookup-self`/`lookup-accessor` describe it: no secret. */
export interface TokenInfo {
  accessor: string;
  policies: string[];
  displayName: string;
  /** Seconds left; 0 for a token that does not expire (root). */
  ttlSeconds: number;
  /** When Vault created it (`creation_time`, Unix seconds, the server's clock); 0 when not answered. */
  createdAtSeconds: number;
  meta: Record<string, string>;
}

/** A root generation attempt: its nonce (not secret), and the OTP only on the answer that started it. */
export interface RootGenerationAttempt {
  started: boolean;
  nonce: string;
  /** The one-time pad the final token is XORed with; '' except on the start answer. */
  otp: string;
  complete: boolean;
  /** base64 of token XOR otp, once complete. */
  encodedToken: string;
}

/** Builds the client of one node; the worker's is `VaultNodeClient`, tests hand out fakes. */
export type VaultNodeFactory = (name: string, target: NodeTarget) => VaultNode;
