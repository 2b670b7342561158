/**
 * A stack's Raft snapshots on disk (`VAULT_BACKUP_DIR/<stack>`), each with its manifest beside it (issue 11).
 *
 * A snapshot is streamed to a hidden temp file while its sha256 and size are counted, fsynced, renamed to its
 * name and the folder fsynced; then its manifest is written the same way. A snapshot without a manifest, or
 * whose file does not match its manifest's size, is not `good`: a crash at any point leaves either nothing
 * that looks complete or a complete pair. A failure removes its temp file and touches no other snapshot.
 *
 * The failures an operator must fix are named (`BackupTargetMissing`, `BackupTargetNotWritable`,
 * `BackupTargetFull`) and not retried: the next scheduled backup tries again once the folder is fixed.
 */
import type { DrillRecord } from '../shared/backup';
import type { SnapshotFolder, SnapshotManifest, SnapshotStores, StoredSnapshot } from '../ports/snapshots';
import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorType, NonRetryableError } from '../shared/errors';
import { fsyncParent } from '../fs/durable';
import type { SnapshotEntry } from './retention';
import { retentionEntries } from './retention';
import { snapshotFileName } from './snapshot-names';

export type { SnapshotManifest, StoredSnapshot } from '../ports/snapshots';

const MANIFEST_SUFFIX = '.manifest.json';
/** The latest restore drill's outcome, beside the snapshots (for the health report). */
const DRILL_RECORD = 'drill-last.json';
/** `<stack>-20261130T120000Z.snap`: sorts by time within a stack. */
const SNAPSHOT_FILE = /^[^.].*-\d{8}T\d{6}Z\.snap$/;
/** A snapshot or manifest being written: `.<name>.partial-<uuid>`. */
const PARTIAL_FILE = /^\..+\.partial-[0-9a-f-]{36}$/;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** The named failure for a folder an operator must fix; anything else is rethrown for Temporal to retry. */
function targetFailure(err: unknown, dir: string, what: string): unknown {
  const code = errno(err);
  const nothing = 'earlier snapshots are untouched';
  if (code === 'ENOENT')
    return new NonRetryableError(
      ErrorType.BackupTargetMissing,
      `the backup folder ${dir} does not exist (is the storage mounted?): ${what} failed; ${nothing}`,
    );
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new NonRetryableError(
      ErrorType.BackupTargetNotWritable,
      `the backup folder ${dir} cannot be written (${code}): ${what} failed; ${nothing}`,
    );
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new NonRetryableError(
      ErrorType.BackupTargetFull,
      `the backup folder ${dir} is full (${code}): ${what} failed and its partial file was removed; ${nothing}`,
    );
  return err;
}

export { compactTime, snapshotFileName } from './snapshot-names';

export class SnapshotStore implements SnapshotFolder {
  constructor(
    /** The stack's own folder: `VAULT_BACKUP_DIR/<stack>`; it must exist (the storage mounted), it is not created. */
    readonly dir: string,
  ) {}

  /** The name a snapshot of `stack` taken at `t` gets. */
  static fileName(stack: string, t: Date): string {
    return snapshotFileName(stack, t);
  }

  pathOf(file: string): string {
    return join(this.dir, file);
  }

  /** The size of snapshot `file` in bytes; -1 when it cannot be read. */
  size(file: string): Promise<number> {
    return stat(join(this.dir, file)).then(
      (s) => s.size,
      () => -1,
    );
  }

  /** The bytes of snapshot `file` (a missing file fails the stream, not this call). */
  read(file: string): Readable {
    return createReadStream(join(this.dir, file));
  }

  /**
   * Streams `source` into the snapshot `manifest.file` and writes its manifest; resolves with the manifest
   * as written (size and sha256 counted on the way; `late`, once the stream has ended, adds what only the
   * whole stream tells). Never overwrites a snapshot of the same name.
   */
  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256'>,
    late: () => Promise<Partial<SnapshotManifest>> = () => Promise.resolve({}),
  ): Promise<SnapshotManifest> {
    const path = join(this.dir, meta.file);
    const tmp = join(this.dir, `.${meta.file}.partial-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      try {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const manifest: SnapshotManifest = {
        format: 'vault-bootstrap-snapshot/v1',
        ...meta,
        ...(await late()),
        size,
        sha256: hash.digest('hex'),
      };
      await this.putInPlace(tmp, path);
      await this.writeManifest(manifest);
      return manifest;
    } catch (err) {
      throw targetFailure(err, this.dir, `writing ${meta.file}`);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** Every snapshot of the folder with a manifest, newest first, and whether its file matches its size. */
  async list(): Promise<StoredSnapshot[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      throw targetFailure(err, this.dir, 'listing the snapshots');
    }
    const out: StoredSnapshot[] = [];
    for (const file of names.filter((n) => SNAPSHOT_FILE.test(n))) {
      const manifest = await this.readManifest(file);
      if (!manifest) {
        // A snapshot whose manifest was never written (a crash between the two): listed, never good.
        out.push({ manifest: orphanManifest(file), good: false });
        continue;
      }
      const size = await this.size(file);
      out.push({ manifest, good: size === manifest.size });
    }
    return out.sort((a, b) => b.manifest.takenAt.localeCompare(a.manifest.takenAt));
  }

  /** Whether the file still has the sha256 its manifest says (read through once). */
  async verify(manifest: SnapshotManifest): Promise<boolean> {
    const hash = createHash('sha256');
    const fh = await open(join(this.dir, manifest.file), fsConstants.O_RDONLY);
    try {
      for await (const chunk of fh.createReadStream()) hash.update(chunk as Buffer);
    } finally {
      await fh.close();
    }
    return hash.digest('hex') === manifest.sha256;
  }

  /** Removes the hidden partial files last written before `beforeMs` (a dead writer's); resolves with their names. */
  async removePartialsOlderThan(beforeMs: number): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      throw targetFailure(err, this.dir, 'listing the partial files');
    }
    const removed: string[] = [];
    for (const name of names.filter((n) => PARTIAL_FILE.test(n))) {
      const modified = await stat(join(this.dir, name)).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (modified === undefined || modified >= beforeMs) continue;
      await rm(join(this.dir, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Removes a snapshot: its manifest first, so a crash in between leaves an orphan file, never a false pair. */
  async remove(file: string): Promise<void> {
    await rm(join(this.dir, `${file}${MANIFEST_SUFFIX}`), { force: true });
    await rm(join(this.dir, file), { force: true });
  }

  /** Records the outcome of the latest restore drill (`drill-last.json`, which retention never looks at). */
  async writeDrillRecord(record: DrillRecord): Promise<void> {
    try {
      await this.writeJson(DRILL_RECORD, record);
    } catch (err) {
      throw targetFailure(err, this.dir, `writing ${DRILL_RECORD}`);
    }
  }

  /** The latest restore drill's outcome, if one was recorded (an unreadable record counts as none). */
  async readDrillRecord(): Promise<DrillRecord | undefined> {
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, DRILL_RECORD), 'utf8')) as Partial<DrillRecord>;
      return typeof parsed.at === 'string' && typeof parsed.ok === 'boolean'
        ? (parsed as DrillRecord)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** The retention view of `stored`: name, time and whether it counts as a backup. */
  static entries(stored: readonly StoredSnapshot[]): SnapshotEntry[] {
    return retentionEntries(stored);
  }

  private async putInPlace(tmp: string, path: string): Promise<void> {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new Error(`${path} exists already: a snapshot is never overwritten`);
    await rename(tmp, path);
    await fsyncParent(path);
  }

  private writeManifest(manifest: SnapshotManifest): Promise<void> {
    return this.writeJson(`${manifest.file}${MANIFEST_SUFFIX}`, manifest);
  }

  /** Writes `name` in the folder whole or not at all: a hidden temp file, fsynced, renamed, the folder fsynced. */
  private async writeJson(name: string, value: unknown): Promise<void> {
    const path = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.partial-${randomUUID()}`);
    try {
      const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await fsyncParent(path);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** The manifest beside snapshot `file`, when there is one that names it (an unreadable one counts as none). */
  async readManifest(file: string): Promise<SnapshotManifest | undefined> {
    try {
      const parsed = JSON.parse(
        await readFile(join(this.dir, `${file}${MANIFEST_SUFFIX}`), 'utf8'),
      ) as Partial<SnapshotManifest>;
      return parsed.format === 'vault-bootstrap-snapshot/v1' && parsed.file === file
        ? (parsed as SnapshotManifest)
        : undefined;
    } catch {
      return undefined;
    }
  }
}

/** What is known of a snapshot file without a manifest: its name, and the time in it. */
function orphanManifest(file: string): SnapshotManifest {
  const m = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.snap$/.exec(file);
  const takenAt = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : new Date(0).toISOString();
  return {
    format: 'vault-bootstrap-snapshot/v1',
    stack: '',
    file,
    takenAt,
    size: -1,
    sha256: '',
    vaultVersion: '',
    unsealKey: { custodyKeyId: '', secretName: '', secretVersion: 0 },
  };
}

/** The stacks' snapshot folders on disk: `<root>/<stack>` (`VAULT_BACKUP_DIR`). */
export class FileSnapshotStores implements SnapshotStores {
  constructor(readonly root: string) {}

  of(stack: string): SnapshotStore {
    return new SnapshotStore(join(this.root, stack));
  }

  locate(stack: string, snapshot: string): { folder: SnapshotStore; file: string } {
    const path = isAbsolute(snapshot) ? snapshot : join(this.root, stack, snapshot);
    return { folder: new SnapshotStore(dirname(path)), file: basename(path) };
  }
}
