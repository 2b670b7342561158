/**
 * A stack's Raft snapshots on disk (`VAULT_BACKUP_DIR/<stack>`), each with its manifest beside it (issue 11).
 *
 * A snapshot is streamed to a hidden temp file while its sha256 and size are counted, fsynced, renamed to its
 * name and the folder fsynced; then its manifest is written the same way. A snapshot without a manifest, or
 * whose file does not match its manifest's size, is not `good`: a crash at any point leaves either nothing
 * that looks complete or a complete pair. A failure removes its temp file and touches no other snapshot.
 *
 * The failures an operator must fix are named (`BackupTargetMissing`, `BackupTargetNotWritable`,
 * `BackupTargetFull`, `BackupTargetInsecure`) and not retried: the next scheduled backup tries again once the
 * folder is fixed.
 *
 * Issue 27: every manifest carries a MAC (`ManifestSeal`, derived from custody), and a listing uses only the
 * manifests sealed for the folder's stack and custody record; the others, and unreadable ones, are skipped and
 * named (`scan`), never fatal to the rest. A snapshot and its manifest are put in place with `link()`, which
 * fails when the name exists: of two writers of one name (two backups in one second) one fails cleanly, and
 * nothing is ever overwritten. The folder must be its owner's alone to write, as custody's folder is.
 */
import type { DrillRecord } from '../shared/backup';
import type {
  BackupTargetCheck,
  ManifestSeal,
  SkippedSnapshot,
  SnapshotFolder,
  SnapshotManifest,
  SnapshotScan,
  SnapshotStores,
  StoredSnapshot,
  UnsealedManifest,
} from '../ports/snapshots';
import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorType, NonRetryableError } from '../shared/errors';
import { fsyncParent } from '../fs/durable';
import type { UnsignedPolicy } from './manifest-trust';
import { judgeManifests, MANIFEST_FORMAT, parseManifest } from './manifest-trust';
import type { SnapshotEntry } from './retention';
import { retentionEntries } from './retention';
import { isSnapshotFileName, snapshotFileName } from './snapshot-names';

export type { SnapshotManifest, StoredSnapshot } from '../ports/snapshots';

const MANIFEST_SUFFIX = '.manifest.json';
/** The latest restore drill's outcome, beside the snapshots (for the health report). */
const DRILL_RECORD = 'drill-last.json';
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

/**
 * The snapshot folder, which must be a real folder (not a symbolic link) owned by this process's user (or
 * root), that nobody else can write: whoever can write it can replace a snapshot, or hide the newest one.
 */
async function assertFolderPrivate(dir: string, what: string): Promise<void> {
  let st;
  try {
    st = await lstat(dir);
  } catch (err) {
    throw targetFailure(err, dir, what);
  }
  const me = process.getuid?.();
  const insecure = (why: string, fix: string) =>
    new NonRetryableError(
      ErrorType.BackupTargetInsecure,
      `the backup folder ${dir} ${why}: whoever else can write it can replace or hide snapshots. ${what} ` +
        `was not done; nothing was read or written. ${fix}`,
    );
  if (st.isSymbolicLink() || !st.isDirectory())
    throw insecure(
      'is not a folder (symbolic links are not followed)',
      'Point VAULT_BACKUP_DIR at the real folder, or mount the storage there.',
    );
  if (me !== undefined && st.uid !== me && st.uid !== 0)
    throw insecure(
      `is owned by uid ${st.uid}, not by this process's uid ${me} (or root)`,
      `chown ${me} ${dir} (on a mounted share: its uid= mount option).`,
    );
  if ((st.mode & 0o022) !== 0)
    throw insecure(
      `has mode ${(st.mode & 0o777).toString(8)}: others can write it`,
      `chmod go-w ${dir} (on a mounted share: dir_mode=0755 or stricter).`,
    );
}

export { compactTime, snapshotFileName } from './snapshot-names';

/** What a folder of snapshots is given besides its place: its stack, its seal, the unsigned-manifest policy. */
export interface SnapshotTrust extends UnsignedPolicy {
  /** The stack whose snapshots the folder holds (the one its manifests must name). */
  stack: string;
  seal: ManifestSeal;
}

export class SnapshotStore implements SnapshotFolder {
  constructor(
    /**
     * The stack's own folder: `VAULT_BACKUP_DIR/<stack>`. A write creates it (owner only) when its parent, the
     * backup root, exists; the root is the storage's and is never created (a missing one is storage not mounted).
     */
    readonly dir: string,
    private readonly trust: SnapshotTrust,
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
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256' | 'mac'>,
    late: () => Promise<Partial<SnapshotManifest>> = () => Promise.resolve({}),
  ): Promise<SnapshotManifest> {
    await this.ensureFolder(`writing ${meta.file}`);
    await assertFolderPrivate(this.dir, `writing ${meta.file}`);
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
      const lateFields = { ...(await late()) };
      delete lateFields.mac;
      const unsealed: UnsealedManifest = {
        format: MANIFEST_FORMAT,
        ...meta,
        ...lateFields,
        size,
        sha256: hash.digest('hex'),
      };
      // Sealed before anything is put in place: a seal that fails (custody changed) leaves nothing behind.
      const manifest: SnapshotManifest = { ...unsealed, mac: await this.trust.seal.seal(unsealed) };
      await this.putInPlace(tmp, path);
      await this.writeManifest(manifest).catch(async (err: unknown) => {
        // Another writer's manifest under this name: the snapshot this call linked is removed, theirs stays.
        if (errno(err) === 'EEXIST') await rm(path, { force: true });
        throw err;
      });
      return manifest;
    } catch (err) {
      throw targetFailure(err, this.dir, `writing ${meta.file}`);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Creates the stack's folder, owner only, when it is not there and the backup root is; a missing root is
   * `BackupTargetMissing` (the storage not mounted: a folder made on the node's own disk would be lost with it).
   */
  private async ensureFolder(what: string): Promise<void> {
    try {
      await mkdir(this.dir, { mode: 0o700 });
      await fsyncParent(this.dir);
    } catch (err) {
      if (errno(err) === 'EEXIST') return;
      if (errno(err) === 'ENOENT')
        throw new NonRetryableError(
          ErrorType.BackupTargetMissing,
          `the backup root ${dirname(this.dir)} does not exist (is the storage mounted?): ${what} failed; ` +
            `nothing was written. Mount the storage there, or point VAULT_BACKUP_DIR at it`,
        );
      throw targetFailure(err, this.dir, what);
    }
  }

  /**
   * Whether a backup could be written now, without writing one: the stack's folder private and writable, or,
   * before the first backup, the root there to create it in. What the health check reports (issue 27).
   */
  async check(): Promise<BackupTargetCheck> {
    const root = dirname(this.dir);
    /** The failure a backup would end with, for a file-system error on `dir`. */
    const unusable = (err: unknown, dir = this.dir): BackupTargetCheck => {
      const failure = err instanceof NonRetryableError ? err : targetFailure(err, dir, 'checking the folder');
      return failure instanceof NonRetryableError
        ? { usable: false, error: failure.type, detail: failure.message }
        : { usable: false, error: ErrorType.BackupTargetNotWritable, detail: String(err) };
    };
    try {
      await lstat(this.dir);
    } catch (err) {
      if (errno(err) !== 'ENOENT') return unusable(err);
      // Not there yet: the first backup creates it, if the root is there and writable.
      try {
        await access(root, fsConstants.W_OK | fsConstants.X_OK);
        return { usable: true, created: false };
      } catch (rootErr) {
        if (errno(rootErr) === 'ENOENT')
          return {
            usable: false,
            error: ErrorType.BackupTargetMissing,
            detail: `the backup root ${root} does not exist (is the storage mounted?): no backup of the stack can be written`,
          };
        return unusable(rootErr, root);
      }
    }
    try {
      await assertFolderPrivate(this.dir, 'the next backup');
      await access(this.dir, fsConstants.W_OK | fsConstants.X_OK);
      return { usable: true, created: true };
    } catch (err) {
      return unusable(err);
    }
  }

  /** The usable snapshots of the folder, newest first, and whether each file matches its size (`scan`). */
  async list(): Promise<StoredSnapshot[]> {
    return (await this.scan()).snapshots;
  }

  /**
   * Every snapshot of the folder: those with a manifest sealed for this stack and cluster, and those whose
   * manifest was never written (listed, never good), newest first; and those skipped, with why: an
   * unreadable manifest, an unsigned, forged or other cluster's one.
   */
  async scan(): Promise<SnapshotScan> {
    await assertFolderPrivate(this.dir, 'listing the snapshots');
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      throw targetFailure(err, this.dir, 'listing the snapshots');
    }
    const out: StoredSnapshot[] = [];
    const skipped: SkippedSnapshot[] = [];
    const readable: SnapshotManifest[] = [];
    for (const file of names.filter(isSnapshotFileName).sort()) {
      const read = await this.readManifestText(file);
      if (read === undefined) {
        // A snapshot whose manifest was never written (a crash between the two): listed, never good.
        out.push({ manifest: orphanManifest(file), good: false });
        continue;
      }
      const parsed = parseManifest(read, file);
      if ('unreadable' in parsed) {
        skipped.push({
          file,
          reason: 'unreadable',
          detail: `its manifest cannot be read: ${parsed.unreadable}`,
        });
        continue;
      }
      readable.push(parsed);
    }
    for (const judged of await judgeManifests(this.trust.stack, readable, this.trust.seal, this.trust)) {
      if ('skipped' in judged) {
        skipped.push(judged.skipped);
        continue;
      }
      const manifest = judged.ok;
      out.push({ manifest, good: (await this.size(manifest.file)) === manifest.size });
    }
    return { snapshots: out.sort((a, b) => newestFirst(a.manifest, b.manifest)), skipped };
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

  /**
   * Puts `tmp` at `path` by `link()`, which fails when `path` exists, so a snapshot is never overwritten, also
   * by another writer of the same name at the same moment (a stat before a rename could not promise that);
   * the caller removes `tmp`. The folder is fsynced.
   */
  private async putInPlace(tmp: string, path: string): Promise<void> {
    try {
      await link(tmp, path);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      throw Object.assign(
        new Error(
          `${path} exists already: a snapshot is never overwritten. This attempt wrote nothing; ` +
            `a retry takes a new name`,
        ),
        { code: 'EEXIST' },
      );
    }
    await fsyncParent(path);
  }

  private writeManifest(manifest: SnapshotManifest): Promise<void> {
    return this.writeJson(`${manifest.file}${MANIFEST_SUFFIX}`, manifest, true);
  }

  /**
   * Writes `name` in the folder whole or not at all: a hidden temp file, fsynced, put in place (`exclusive`:
   * by `link()`, failing when the name exists; else renamed over it), the folder fsynced.
   */
  private async writeJson(name: string, value: unknown, exclusive = false): Promise<void> {
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
      if (exclusive) await this.putInPlace(tmp, path);
      else {
        await rename(tmp, path);
        await fsyncParent(path);
      }
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /** The text of the manifest beside snapshot `file`; undefined when there is none (or it cannot be read). */
  private readManifestText(file: string): Promise<string | undefined> {
    return readFile(join(this.dir, `${file}${MANIFEST_SUFFIX}`), 'utf8').catch(() => undefined);
  }

  /**
   * The manifest beside snapshot `file`, when there is one that names it (an unreadable one counts as none);
   * `SnapshotManifestUntrusted` when its MAC does not verify or it has none (and is not accepted); one of
   * another cluster is returned for the caller to refuse by its stack or custody record.
   */
  async readManifest(file: string): Promise<SnapshotManifest | undefined> {
    await assertFolderPrivate(this.dir, `reading the manifest of ${file}`);
    const text = await this.readManifestText(file);
    if (text === undefined) return undefined;
    const parsed = parseManifest(text, file);
    if ('unreadable' in parsed) return undefined;
    const [judged] = await judgeManifests(this.trust.stack, [parsed], this.trust.seal, this.trust);
    if (judged && 'skipped' in judged && judged.skipped.reason !== 'other-cluster')
      throw untrusted(this.pathOf(file), judged.skipped);
    return parsed;
  }
}

/** The named failure for a manifest chosen by name that is not trusted. */
function untrusted(path: string, skipped: SkippedSnapshot): NonRetryableError {
  return new NonRetryableError(
    ErrorType.SnapshotManifestUntrusted,
    `snapshot ${path} is not trusted: ${skipped.detail}. Nothing was changed. ` +
      (skipped.reason === 'unsigned'
        ? 'Restore a snapshot taken since, or, if you vouch that nobody else wrote the folder, set VAULT_BACKUP_TRUST_UNSIGNED_BEFORE on the worker.'
        : 'Restore another snapshot, and find out who wrote this manifest.'),
  );
}

/** Newest first by `takenAt` (all valid times), then by file name for a stable order. */
function newestFirst(a: SnapshotManifest, b: SnapshotManifest): number {
  return Date.parse(b.takenAt) - Date.parse(a.takenAt) || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0);
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

/** The stacks' snapshot folders on disk: `<root>/<stack>` (`VAULT_BACKUP_DIR`), their manifests sealed by `seal`. */
export class FileSnapshotStores implements SnapshotStores {
  constructor(
    readonly root: string,
    private readonly seal: ManifestSeal,
    private readonly policy: UnsignedPolicy = {},
  ) {}

  of(stack: string): SnapshotStore {
    return new SnapshotStore(join(this.root, stack), { stack, seal: this.seal, ...this.policy });
  }

  locate(stack: string, snapshot: string): { folder: SnapshotStore; file: string } {
    const path = isAbsolute(snapshot) ? snapshot : join(this.root, stack, snapshot);
    return {
      folder: new SnapshotStore(dirname(path), { stack, seal: this.seal, ...this.policy }),
      file: basename(path),
    };
  }
}
