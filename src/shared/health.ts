/**
 * The health report of a Vault cluster, shared by the health activities, the workflow and the client.
 * Names, states and fingerprints only: no key material.
 */

export type HealthVerdict = 'Healthy' | 'Degraded' | 'Failed';

export type FindingCode =
  | 'ServiceMissing'
  | 'TasksNotRunning'
  | 'NodeUnreachable'
  | 'NodeSealed'
  | 'NodeUninitialized'
  | 'RaftMemberMissing'
  | 'RaftNoLeader'
  | 'AutopilotUnhealthy'
  | 'CertificateStale'
  | 'CertificateExpiring';

export interface Finding {
  code: FindingCode;
  /** `vault-<slot>` when the finding is about one node. */
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
  raft: { servers: { nodeId: string; leader: boolean; voter: boolean }[]; autopilotHealthy?: boolean };
  certificate: { diskFingerprint: string; validTo: string; daysLeft: number };
  /** What remediation did, in order (empty when nothing was needed or remediation is off). */
  actions: string[];
  /**
   * Remediation that failed, one line per node and action (`vault-2: ...`); the other nodes were still
   * handled. Absent when nothing failed.
   */
  actionFailures?: string[];
  /** The findings before remediation, when remediation ran. */
  findingsBefore?: Finding[];
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
  'NodeSealed',
  'NodeUninitialized',
  'RaftMemberMissing',
];

/** Findings remediation may act on; everything else is reported only. */
export const REMEDIABLE: readonly FindingCode[] = [
  'NodeSealed',
  'NodeUninitialized',
  'RaftMemberMissing',
  'CertificateStale',
];

export function healthWorkflowIds(stack: string): {
  schedule: string;
  scheduled: string;
  watcher: string;
  event: string;
} {
  return {
    schedule: `vault-health-${stack}`,
    scheduled: `vault-health-${stack}`,
    watcher: `vault-health-watch-${stack}`,
    event: `vault-health-event-${stack}`,
  };
}
