/**
 * The health report of a Vault cluster, shared by the health activities, the workflow and the client.
 * Names, states and fingerprints only: no key material.
 */
import type { DrillRecord } from './backup';
import type { HealthState } from './vault-server';

export type HealthVerdict = 'Healthy' | 'Degraded' | 'Failed';

export type FindingCode =
  | 'ServiceMissing'
  | 'TasksNotRunning'
  | 'NodeUnreachable'
  | 'NodeSealed'
  | 'NodeUninitialized'
  | 'RaftMemberMissing'
  /**
   * Initialized, but not in this cluster's Raft configuration (read from an unsealed member): a removed peer
   * or another cluster's data. Reported only: it is never unsealed with this cluster's key, nor joined.
   */
  | 'NodeNotMember'
  /**
   * The node says it was removed from the Raft cluster (`removed_from_cluster`, HashiCorp Vault 1.19 and later;
   * src/shared/vault-server.ts): its data cannot serve this cluster again. Reported instead of its seal and
   * membership findings, and never remediated: it is not unsealed, nor joined; emptying its data volume makes
   * it a new node the next check joins.
   */
  | 'NodeRemovedFromCluster'
  /**
   * An unsealed standby answers `sys/health` with 474: it cannot send heartbeats to the active node (HashiCorp
   * Vault 1.19 and later; src/shared/vault-server.ts), so it forwards nothing and would not be current if it were
   * elected. A network matter between the nodes (the cluster port over the overlay): reported only, nothing the
   * tool can do to a node fixes it.
   */
  | 'StandbyCannotReachActive'
  /**
   * Swarm runs the slot's task on another node than the one whose volume holds the slot's Raft data (its home,
   * src/activities/cluster/homes.ts): it is never unsealed there. Remediation starts the slots again on their
   * homes when fewer than a quorum run there; otherwise it is reported only.
   */
  | 'SlotAwayFromHome'
  | 'RaftNoLeader'
  | 'AutopilotUnhealthy'
  | 'CertificateStale'
  | 'CertificateExpiring'
  /**
   * Vault rejects the worker's token (custody's, renewed by every run): nothing the token reads can be checked.
   * Reported only; `vault-bootstrap root-token` gets an operator in to see why.
   */
  | 'WorkerTokenRejected'
  /**
   * Sealed while an operator holds the stack (`vault-bootstrap hold`): reported instead of `NodeSealed`, and
   * left sealed. Not remediable: the hold says a person is working on the cluster.
   */
  | 'SealedWhileHeld'
  /**
   * The stack's backups cannot be written (issue 27): the backup root missing (storage not mounted), a folder
   * the worker cannot write, or one others can write; the detail starts with the failure a backup would end
   * with. Reported only, and about backups, not Vault: it does not change the verdict.
   */
  | 'BackupTargetUnusable'
  /**
   * Custody holds no token of one of the tool's credentials (the snapshot token, the root generation token: a
   * cluster bootstrapped by an older version), or Vault rejects it; the detail says what cannot be done.
   * Reported only: `vault-bootstrap credentials repair` replaces it when an operator asks.
   */
  | 'CredentialMissing'
  /**
   * One of the tool's policies in Vault is not the text this version writes (changed, removed, or older).
   * Reported only, never rewritten on its own: `vault-bootstrap credentials repair` does, when asked.
   */
  | 'CredentialPolicyChanged';

/**
 * Findings about the tool's own backups and access rather than Vault itself: listed (and alerted on), but the
 * verdict is Vault's alone.
 */
export const BACKUP_FINDINGS: readonly FindingCode[] = [
  'BackupTargetUnusable',
  'CredentialMissing',
  'CredentialPolicyChanged',
];

/** An operator's hold on a stack: while it lasts, health runs report and never act. */
export interface StackHold {
  reason: string;
  /** When it was put on (ISO 8601). */
  since: string;
  /** Who put it on, as the client was told (`--by`, else the user name); absent when unknown. */
  by?: string;
}

export interface Finding {
  code: FindingCode;
  /** `vault-<slot>` when the finding is about one node. */
  node?: string;
  detail: string;
}

/** Something the health check saw that is not a finding: listed, never in the verdict, metrics or alerts. */
export interface HealthNote {
  /** `vault-<slot>` when the note is about one node. */
  node?: string;
  detail: string;
}

export interface NodeHealth {
  name: string;
  slot: number;
  taskId?: string;
  /** Swarm id of the node running the task: node-local actions (SIGHUP) are routed to its queue. */
  swarmNodeId?: string;
  /** The task's container on that node: its short id (12 hex digits, as `docker ps` shows it; Docker accepts it). */
  containerId?: string;
  reachable: boolean;
  initialized?: boolean;
  sealed?: boolean;
  /** The node reports `removed_from_cluster: true` (Vault 1.19+), in seal-status or sys/health; absent otherwise. */
  removedFromCluster?: true;
  /**
   * What the node's `sys/health` status code says (`active`, `standby`, `sealed`, ...; src/shared/vault-server.ts).
   * Absent when it was not read: the node unreachable, or a report of a worker from before sys/health was read.
   */
  health?: HealthState;
  /** SHA-256 fingerprint of the certificate the node serves now. */
  servedFingerprint?: string;
  error?: string;
}

export interface HealthReport {
  stack: string;
  checkedAt: string;
  verdict: HealthVerdict;
  findings: Finding[];
  service: { desired: number; running: number };
  nodes: NodeHealth[];
  raft: {
    servers: { nodeId: string; leader: boolean; voter: boolean }[];
    autopilotHealthy?: boolean;
    /** How many voters may fail with quorum kept, as autopilot reports it (absent when it was not read). */
    failureTolerance?: number;
  };
  certificate: { diskFingerprint: string; validTo: string; daysLeft: number };
  /** What remediation did, in order (empty when nothing was needed or remediation is off). */
  actions: string[];
  /**
   * Remediation that failed, one line per node and action (`vault-2: ...`); the other nodes were still
   * handled. Absent when nothing failed.
   */
  actionFailures?: string[];
  /**
   * What the check saw and does not count as a finding: a node in a Vault Enterprise replication role, which the
   * tool neither sets up nor manages (sys/health 472, 473). Absent when there is none.
   */
  notes?: HealthNote[];
  /** The findings before remediation, when remediation ran. */
  findingsBefore?: Finding[];
  /** The operator's hold when the check ran: nothing was (or will be) done about the findings. */
  hold?: StackHold;
  /**
   * The stack's backups as its snapshot folder shows them (issue 11): whether a backup can be written there
   * (issue 27), the newest snapshot and the latest restore drill. Absent only in reports of workers older than
   * issue 11.
   */
  backup?: BackupStatus;
}

/** What the health report says of a stack's backups. */
export interface BackupStatus {
  /**
   * Whether the next backup can be written: `usable`, or the named failure it would end with (`error`, e.g.
   * `BackupTargetMissing`) and why. Absent in reports of workers older than issue 27.
   */
  target?: { usable: true } | { usable: false; error: string; detail: string };
  /** The newest snapshot, and whether its file matches its manifest's size. */
  newest?: { file: string; takenAt: string; size: number; good: boolean };
  /** How many snapshots the folder keeps (0 when it could not be listed). */
  count: number;
  /** The latest restore drill's outcome. */
  drill?: DrillRecord;
}

/** Input of `VerifyVaultHealth` (and of the scheduled and event-triggered runs). */
export interface HealthInput {
  stack: string;
  /** Fix what can be fixed safely: unseal, reload certificates, re-join. Default true. */
  remediate?: boolean;
  /** Report `CertificateExpiring` when the certificate on disk expires within this many days. Default 21. */
  certExpiryWarnDays?: number;
  /** How long the check waits for all tasks to run and answer before reporting, in seconds. Default 30. */
  settleSeconds?: number;
}

/** Defaults of `HealthInput` (the client's `VAULT_HEALTH_CERT_WARN_DAYS` default too). */
export const HEALTH_DEFAULTS = { certExpiryWarnDays: 21, settleSeconds: 30 } as const;

/** A node's findings that call for a re-join and/or an unseal (`remediateNode`, on the main queue). */
export const UNSEAL_FINDINGS: readonly FindingCode[] = [
  'SlotAwayFromHome',
  'NodeSealed',
  'NodeUninitialized',
  'RaftMemberMissing',
];

/** Findings remediation may act on; everything else is reported only. */
export const REMEDIABLE: readonly FindingCode[] = [
  'SlotAwayFromHome',
  'NodeSealed',
  'NodeUninitialized',
  'RaftMemberMissing',
  'CertificateStale',
];

/** Input of `HoldVaultStack`: the hold, and the check to run once it is released. */
export interface HoldInput {
  hold: StackHold;
  check: HealthInput;
}

/** Who releases a hold (`vault-bootstrap release --by`, else the user name). */
export interface ReleaseInput {
  by?: string;
}

/** How a hold ended: when, by whom, and the check that ran right after (with remediation, as configured). */
export interface HoldOutcome {
  releasedAt: string;
  releasedBy?: string;
  health: HealthReport;
}
