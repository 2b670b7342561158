/**
 * What the activities need from one Vault node: bank-vaults' small verbs (seal status, init, unseal, Raft
 * join, leader) plus the Raft configuration, autopilot and the certificate the node serves.
 * Implemented over node-vault by `VaultNodeClient` (src/vault/gateway.ts); in tests by `FakeVaultCluster`.
 * Key material goes in as arguments and comes out only from `init`; it never enters an error.
 */

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
  autopilotState(token: string): Promise<AutopilotState>;
  leader(): Promise<LeaderStatus>;
  /** Opens a verified TLS connection and reads the leaf certificate the node presents. */
  servedCertificate(): Promise<ServedCertificate>;
}

/** Builds the client of one node; the worker's is `VaultNodeClient`, tests hand out fakes. */
export type VaultNodeFactory = (name: string, target: NodeTarget) => VaultNode;
