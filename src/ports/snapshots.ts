/**
 * What the backup, restore, drill and health activities need of the snapshot folders (issue 11;
 * docs/backups.md): one folder per stack, `VAULT_BACKUP_DIR/<stack>`, each snapshot with its manifest beside it,
 * and the latest drill's record. Implemented on disk by `FileSnapshotStores` (src/backup/snapshot-store.ts); in
 * tests by `FakeSnapshotStores` (test/support/fakes/snapshots.ts).
 */
import type { Readable } from 'node:stream';
import type { DrillRecord } from '../shared/backup';

/** What a snapshot needs to be restored, and how to check it is the file that was written. */
export interface SnapshotManifest {
  format: 'vault-bootstrap-snapshot/v1';
  stack: string;
  /** The snapshot file's name in the same folder. */
  file: string;
  /** When the snapshot was read from Vault (ISO 8601). */
  takenAt: string;
  size: number;
  sha256: string;
  /** The Vault (OpenBao) version of the node it was read from. */
  vaultVersion: string;
  /** The Raft index and term it was taken at (its `meta.json`), when the archive said. */
  raftIndex?: number;
  raftTerm?: number;
  /**
   * The unseal key it needs: the custody record, the key generation (absent for 0: every manifest before the
   * first rotation) and the unseal-key secret version in force when it was taken.
   */
  unsealKey: { custodyKeyId: string; keyGeneration?: number; secretName: string; secretVersion: number };
  /** The canary written just before the snapshot (issue 11): the drill reads it back from the restored copy. */
  canary?: { path: string; value: string };
  /**
   * HMAC-SHA256 (hex) of every other field (canonical JSON), under a key derived from the unseal key of the
   * custody record the manifest names (`ManifestSeal`; docs/backups.md "Manifests you can trust"). Absent in
   * manifests written before issue 27.
   */
  mac?: string;
}

/** A manifest as it is before it is sealed: every field but its MAC. */
export type UnsealedManifest = Omit<SnapshotManifest, 'mac'>;

/**
 * Why a snapshot with a manifest is not used (listed, chosen, pruned): its manifest cannot be read (bad JSON, a
 * field missing or malformed, a `takenAt` that is no time), has no MAC (written before issue 27, and not
 * accepted by `VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`), has a MAC that does not verify (changed, or written
 * without the key), or names another cluster (another stack, or a custody record the stack does not hold).
 */
export type SkipReason = 'unreadable' | 'unsigned' | 'forged' | 'other-cluster';

export interface SkippedSnapshot {
  file: string;
  reason: SkipReason;
  /** What is wrong, for an operator, in a sentence. */
  detail: string;
}

/** The snapshots of a folder that may be used, newest first, and the ones skipped (with why). */
export interface SnapshotScan {
  snapshots: StoredSnapshot[];
  skipped: SkippedSnapshot[];
}

/** Whether a manifest's MAC holds, against the custody record of the stack it is read for. */
export type ManifestVerdict = 'ok' | 'unsigned' | 'forged' | { otherCluster: string };

/**
 * Seals and checks snapshot manifests with a key custody derives (src/custody/manifest-seal.ts): the key
 * bytes never leave it. The snapshot folders hold one; activities never call it.
 */
export interface ManifestSeal {
  /**
   * The MAC of `manifest`, under the key of the custody record it names (`unsealKey.custodyKeyId`), which must
   * be the record custody holds for `manifest.stack`; else it fails (a plain error: custody changed mid-backup).
   */
  seal(manifest: UnsealedManifest): Promise<string>;
  /**
   * The verdict on each of `manifests`, read for `stack`: `otherCluster` (with why) when one names another
   * stack or a custody record the stack does not hold now (none at all included); else whether its MAC holds.
   */
  check(stack: string, manifests: readonly SnapshotManifest[]): Promise<ManifestVerdict[]>;
}

export interface StoredSnapshot {
  manifest: SnapshotManifest;
  /** The snapshot file is there with the manifest's size (`verify` also checks its sha256). */
  good: boolean;
}

/**
 * One folder of snapshots. A folder that is not there (the storage not mounted), cannot be written or is full
 * fails a write or a listing by name (`BackupTargetMissing`, `BackupTargetNotWritable`, `BackupTargetFull`).
 */
export interface SnapshotFolder {
  /** Where the folder is, as messages name it. */
  readonly dir: string;
  /** Where snapshot `file` of the folder is, as messages name it. */
  pathOf(file: string): string;
  /**
   * Streams `source` into the snapshot `meta.file` and writes its manifest; resolves with the manifest as
   * written (size and sha256 counted on the way; `late`, once the stream has ended, adds what only the whole
   * stream tells), sealed by the folder's `ManifestSeal`. Never overwrites a snapshot or manifest of the same
   * name: of two writers of one name, one fails (retryable: its retry is a new name); a failure leaves no
   * partial pair.
   */
  write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256' | 'mac'>,
    late?: () => Promise<Partial<SnapshotManifest>>,
  ): Promise<SnapshotManifest>;
  /**
   * The snapshots of the folder that may be used, newest first, and whether each file matches its manifest's
   * size: those whose manifest is sealed for this folder's stack and cluster, and those without any manifest
   * (never good). The others are left out (`scan` names them). A folder others can write is
   * `BackupTargetInsecure`.
   */
  list(): Promise<StoredSnapshot[]>;
  /** `list`, and the snapshots it leaves out with why (`SkipReason`), by file name. */
  scan(): Promise<SnapshotScan>;
  /**
   * The manifest beside snapshot `file`, when there is one that names it (an unreadable one counts as none).
   * One whose MAC does not verify, or that has none (and is not accepted as written before issue 27), is
   * `SnapshotManifestUntrusted`; one of another cluster is returned, for the caller to refuse by its stack or
   * custody record.
   */
  readManifest(file: string): Promise<SnapshotManifest | undefined>;
  /** The size of snapshot `file` in bytes; -1 when it is not there. */
  size(file: string): Promise<number>;
  /** Whether the file still has the sha256 its manifest says (read through once). */
  verify(manifest: SnapshotManifest): Promise<boolean>;
  /** The bytes of snapshot `file`, streamed (read it once). */
  read(file: string): Readable;
  /** Removes a snapshot: its manifest first, so a crash in between leaves an orphan file, never a false pair. */
  remove(file: string): Promise<void>;
  /** Removes the partial files last written before `beforeMs` (a dead writer's); resolves with their names. */
  removePartialsOlderThan(beforeMs: number): Promise<string[]>;
  /** Whether a backup could be written now, without writing one (`BackupTargetCheck`). */
  check(): Promise<BackupTargetCheck>;
  /** Records the outcome of the latest restore drill (which retention never looks at). */
  writeDrillRecord(record: DrillRecord): Promise<void>;
  /** The latest restore drill's outcome, if one was recorded (an unreadable record counts as none). */
  readDrillRecord(): Promise<DrillRecord | undefined>;
}

/**
 * Whether a stack's backups can be written now (the health check's view): its folder there, private and
 * writable, or not yet made (`created: false`) under a backup root that is; else the named failure a backup
 * would end with (`BackupTargetMissing`, `BackupTargetNotWritable`, `BackupTargetInsecure`) and its message.
 */
export type BackupTargetCheck =
  { usable: true; created: boolean } | { usable: false; error: string; detail: string };

/** The snapshot folders of every stack. */
export interface SnapshotStores {
  /**
   * The stack's own folder, `VAULT_BACKUP_DIR/<stack>`: created by the first write when the root exists (the
   * storage mounted); the root itself is never created.
   */
  of(stack: string): SnapshotFolder;
  /**
   * The snapshot a restore of `stack` names: a bare file name is in the stack's own folder, an absolute path
   * in the folder it names. Resolves with that folder and the file's name in it.
   */
  locate(stack: string, snapshot: string): { folder: SnapshotFolder; file: string };
}
