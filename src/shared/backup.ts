/**
 * Names and results shared by the backup workflows and the client (issue 11; docs/backups.md). Sandbox-safe:
 * workflows import it, so no Node builtins.
 */
import { DRILL_SUFFIX } from './names';

/**
 * The throwaway stack a restore drill deploys for `stack`: its own name, so nothing of the real one is touched.
 * No stack may be named so (`validateStackName` refuses the suffix).
 */
export function drillStackName(stack: string): string {
  return `${stack}${DRILL_SUFFIX}`;
}

/** The service label `drillOverride` puts on the throwaway stack: a drill removes only services carrying it. */
export const DRILL_LABEL = 'io.iklimco.restore-drill';

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

/** One snapshot as `backup list` shows it (`ListVaultSnapshots`): from its manifest, and whether the file matches. */
export interface ListedSnapshot {
  file: string;
  takenAt: string;
  /** Bytes, as the manifest says (-1 for a snapshot whose manifest was never written). */
  size: number;
  /** The file is there with its manifest's size (a restore also checks its sha256). */
  good: boolean;
  vaultVersion?: string;
  /** The custody record whose unseal key it needs. */
  custodyKeyId?: string;
  raftIndex?: number;
}

/** What `ListVaultSnapshots` returns: the stack's folder, whether a backup can be written to it, its snapshots. */
export interface SnapshotListing {
  dir: string;
  target: { usable: true; created: boolean } | { usable: false; error: string; detail: string };
  /** Newest first. */
  snapshots: ListedSnapshot[];
  /** Snapshot files left out, with why (a manifest unreadable, unsigned, forged or of another cluster). */
  skipped: { file: string; reason: string; detail: string }[];
}
