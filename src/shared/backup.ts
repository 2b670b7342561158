/**
 * Names and results shared by the backup workflows and the client (issue 11; docs/backups.md). Sandbox-safe:
 * workflows import it, so no Node builtins.
 */
import { ID_SEPARATOR } from './names';

/** The ids of a stack's backup schedules and the runs they start (the server appends the time to a run id). */
export function backupWorkflowIds(stack: string): {
  backupSchedule: string;
  drillSchedule: string;
  backupNow: (at: number) => string;
  drillNow: (at: number) => string;
} {
  return {
    backupSchedule: `vault-backup${ID_SEPARATOR}${stack}`,
    drillSchedule: `vault-drill${ID_SEPARATOR}${stack}`,
    backupNow: (at) => `vault-backup-now${ID_SEPARATOR}${stack}${ID_SEPARATOR}${at}`,
    drillNow: (at) => `vault-drill-now${ID_SEPARATOR}${stack}${ID_SEPARATOR}${at}`,
  };
}

/** The id of a stack's `RestoreVault` (one at a time: a second `restore` attaches to it). */
export function restoreWorkflowId(stack: string): string {
  return `vault-restore${ID_SEPARATOR}${stack}`;
}

/** The throwaway stack a restore drill deploys for `stack`: its own name, so nothing of the real one is touched. */
export function drillStackName(stack: string): string {
  return `${stack}-drill`;
}

/** What a restore drill restored and read back. Holds no secret. */
export interface DrillResult {
  stack: string;
  /** The throwaway stack it used (removed whatever happened). */
  drillStack: string;
  /** The snapshot file restored, its size, sha256 and when it was taken. */
  snapshot: { file: string; size: number; sha256: string; takenAt: string };
  /** The canary read from the restored copy; equal to the one `BackupVault` wrote before that snapshot. */
  canary: { path: string; expected: string; read: string };
  /** Vault version of the throwaway node. */
  vaultVersion: string;
  /** Seconds spent: deploying the throwaway node, restoring and unsealing, and in all. */
  seconds: { deploy: number; restore: number; total: number };
}

/** The outcome of a restore drill, as the health report shows it. */
export interface DrillRecord {
  /** When the drill ended (ISO 8601). */
  at: string;
  ok: boolean;
  /** The snapshot it restored (or tried to). */
  snapshot?: string;
  /** Seconds it took in all (a drill that passed). */
  seconds?: number;
  /** `Type: message` of what failed (a drill that failed). */
  error?: string;
}
