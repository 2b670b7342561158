/**
 * The snapshot folders in memory, answering as the files do (src/backup/snapshot-store.ts): each stack's
 * folder `/backups/<stack>` exists (the storage mounted), any other folder is empty; a snapshot with its
 * manifest, `good` when its bytes have the manifest's size; never overwritten; the drill record beside them.
 * Tests reach in to make the states the files can be in: a missing manifest, bytes changed, the storage gone,
 * a folder others can write. Manifests are sealed and judged by the real code (src/backup/manifest-trust.ts)
 * with the given `ManifestSeal`: `fakeWorld` gives the real one over its custody.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkManifest, judgeManifests } from '../../../src/backup/manifest-trust';
import type { UnsignedPolicy } from '../../../src/backup/manifest-trust';
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
} from '../../../src/ports';
import type { DrillRecord } from '../../../src/shared/backup';
import { ErrorType, NonRetryableError } from '../../../src/shared/errors';

/** The file name pattern the folder lists (as the real one: `<stack>-<time>.snap`, not hidden). */
const SNAPSHOT_FILE = /^[^.].*-\d{8}T\d{6}Z\.snap$/;

export class FakeSnapshotFolder implements SnapshotFolder {
  /** Snapshot bytes by file name. */
  readonly files = new Map<string, Buffer>();
  /** Manifests by the file they are beside (what a test puts here is read as it is). */
  readonly manifests = new Map<string, SnapshotManifest>();
  /** Partial files a writer left, with when they were last written (epoch ms). */
  readonly partials = new Map<string, number>();
  drillRecord?: DrillRecord;
  /** The folder is not there (the storage not mounted): listing and writing fail `BackupTargetMissing`. */
  missing = false;
  /** Others can write the folder: listing, reading a manifest and writing fail `BackupTargetInsecure`. */
  insecure = false;
  /** Every snapshot streamed out by `read`, in order. */
  readonly reads: string[] = [];

  constructor(
    readonly dir: string,
    /** The stack whose snapshots it is read for (the one its manifests must name). */
    public stack: string,
    private readonly stores: FakeSnapshotStores,
  ) {}

  pathOf(file: string): string {
    return `${this.dir}/${file}`;
  }

  private assertThere(what: string): void {
    if (this.missing)
      throw new NonRetryableError(
        ErrorType.BackupTargetMissing,
        `the backup folder ${this.dir} does not exist (is the storage mounted?): ${what} failed; earlier snapshots are untouched`,
      );
    if (this.insecure)
      throw new NonRetryableError(
        ErrorType.BackupTargetInsecure,
        `the backup folder ${this.dir} has mode 777: others can write it: whoever else can write it can replace ` +
          `or hide snapshots. ${what} was not done; nothing was read or written. chmod go-w ${this.dir}.`,
      );
  }

  check(): Promise<BackupTargetCheck> {
    try {
      this.assertThere('the next backup');
      return Promise.resolve({ usable: true, created: true });
    } catch (err) {
      const e = err as NonRetryableError;
      return Promise.resolve({ usable: false, error: e.type, detail: e.message });
    }
  }

  private judge(manifests: SnapshotManifest[]) {
    return judgeManifests(this.stack, manifests, this.stores.sealOrFail(), this.stores.policy);
  }

  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256' | 'mac'>,
    late: () => Promise<Partial<SnapshotManifest>> = () => Promise.resolve({}),
  ): Promise<SnapshotManifest> {
    this.assertThere(`writing ${meta.file}`);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    const lateFields = { ...(await late()) };
    delete lateFields.mac;
    const unsealed: UnsealedManifest = {
      format: 'vault-bootstrap-snapshot/v1',
      ...meta,
      ...lateFields,
      size: bytes.length,
      sha256: sha256(bytes),
    };
    const manifest: SnapshotManifest = { ...unsealed, mac: await this.stores.sealOrFail().seal(unsealed) };
    if (this.files.has(meta.file) || this.manifests.has(meta.file))
      throw new Error(
        `${this.pathOf(meta.file)} exists already: a snapshot is never overwritten. This attempt wrote nothing; ` +
          `a retry takes a new name`,
      );
    this.files.set(meta.file, bytes);
    this.manifests.set(meta.file, structuredClone(manifest));
    return manifest;
  }

  async list(): Promise<StoredSnapshot[]> {
    return (await this.scan()).snapshots;
  }

  async scan(): Promise<SnapshotScan> {
    this.assertThere('listing the snapshots');
    const out: StoredSnapshot[] = [];
    const skipped: SkippedSnapshot[] = [];
    const readable: SnapshotManifest[] = [];
    for (const file of [...this.files.keys()].filter((f) => SNAPSHOT_FILE.test(f)).sort()) {
      const held = this.manifests.get(file);
      if (!held) {
        out.push({ manifest: orphan(file), good: false });
        continue;
      }
      const m = checkManifest(structuredClone(held) as unknown as Record<string, unknown>, file);
      if ('unreadable' in m)
        skipped.push({ file, reason: 'unreadable', detail: `its manifest cannot be read: ${m.unreadable}` });
      else readable.push(m);
    }
    for (const judged of await this.judge(readable)) {
      if ('skipped' in judged) skipped.push(judged.skipped);
      else
        out.push({
          manifest: judged.ok,
          good: this.files.get(judged.ok.file)?.length === judged.ok.size,
        });
    }
    out.sort(
      (a, b) =>
        Date.parse(b.manifest.takenAt) - Date.parse(a.manifest.takenAt) ||
        (a.manifest.file < b.manifest.file ? 1 : -1),
    );
    return { snapshots: out, skipped };
  }

  async readManifest(file: string): Promise<SnapshotManifest | undefined> {
    this.assertThere(`reading the manifest of ${file}`);
    const held = this.manifests.get(file);
    if (!held) return undefined;
    const m = checkManifest(structuredClone(held) as unknown as Record<string, unknown>, file);
    if ('unreadable' in m) return undefined;
    const [judged] = await this.judge([m]);
    if (judged && 'skipped' in judged && judged.skipped.reason !== 'other-cluster')
      throw new NonRetryableError(
        ErrorType.SnapshotManifestUntrusted,
        `snapshot ${this.pathOf(file)} is not trusted: ${judged.skipped.detail}. Nothing was changed.`,
      );
    return m;
  }

  size(file: string): Promise<number> {
    return Promise.resolve(this.files.get(file)?.length ?? -1);
  }

  verify(manifest: SnapshotManifest): Promise<boolean> {
    const bytes = this.files.get(manifest.file);
    if (!bytes) return Promise.reject(enoent(this.pathOf(manifest.file)));
    return Promise.resolve(sha256(bytes) === manifest.sha256);
  }

  read(file: string): Readable {
    this.reads.push(file);
    const bytes = this.files.get(file);
    if (!bytes) {
      const stream = new Readable({ read: () => undefined });
      stream.destroy(enoent(this.pathOf(file)));
      return stream;
    }
    // Two chunks, as a file read in pieces.
    const half = Math.floor(bytes.length / 2);
    return Readable.from([bytes.subarray(0, half), bytes.subarray(half)]);
  }

  remove(file: string): Promise<void> {
    this.manifests.delete(file);
    this.files.delete(file);
    return Promise.resolve();
  }

  removePartialsOlderThan(beforeMs: number): Promise<string[]> {
    this.assertThere('listing the partial files');
    const removed = [...this.partials].filter(([, at]) => at < beforeMs).map(([name]) => name);
    for (const name of removed) this.partials.delete(name);
    return Promise.resolve(removed);
  }

  writeDrillRecord(record: DrillRecord): Promise<void> {
    this.assertThere('writing drill-last.json');
    this.drillRecord = structuredClone(record);
    return Promise.resolve();
  }

  readDrillRecord(): Promise<DrillRecord | undefined> {
    return Promise.resolve(this.drillRecord && structuredClone(this.drillRecord));
  }

  // ---- for tests

  /**
   * Puts `manifest` beside its snapshot, sealed as the tool writes one (any `mac` it has is replaced): a
   * manifest of that shape the tool itself wrote, not a forgery.
   */
  async putManifest(manifest: SnapshotManifest): Promise<void> {
    const unsealed: UnsealedManifest = { ...manifest };
    delete (unsealed as SnapshotManifest).mac;
    this.manifests.set(manifest.file, { ...unsealed, mac: await this.stores.sealOrFail().seal(unsealed) });
  }

  /** Puts a snapshot whose manifest matches `bytes` (size, sha256); resolves with the manifest. */
  put(
    bytes: Buffer,
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256' | 'mac'>,
  ): Promise<SnapshotManifest> {
    return this.write([bytes], meta);
  }
}

export class FakeSnapshotStores implements SnapshotStores {
  readonly root = '/backups';
  private readonly folders = new Map<string, FakeSnapshotFolder>();

  constructor(
    /** Seals and checks manifests; `fakeWorld` sets the real one over its custody when none is given. */
    public seal?: ManifestSeal,
    /** Which unsigned manifests are used (`VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`). */
    public policy: UnsignedPolicy = {},
  ) {}

  sealOrFail(): ManifestSeal {
    if (!this.seal)
      throw new Error('FakeSnapshotStores has no ManifestSeal: give one, or pass it to fakeWorld');
    return this.seal;
  }

  of(stack: string): FakeSnapshotFolder {
    return this.folder(`${this.root}/${stack}`, stack);
  }

  locate(stack: string, snapshot: string): { folder: FakeSnapshotFolder; file: string } {
    if (!snapshot.startsWith('/')) return { folder: this.of(stack), file: snapshot };
    const cut = snapshot.lastIndexOf('/');
    return { folder: this.folder(snapshot.slice(0, cut) || '/', stack), file: snapshot.slice(cut + 1) };
  }

  /**
   * The folder at `dir` (an empty one the first time), read as `stack`'s (by default: as the stack it was last
   * read for, or the folder's own name).
   */
  folder(dir: string, stack?: string): FakeSnapshotFolder {
    let f = this.folders.get(dir);
    if (!f)
      this.folders.set(
        dir,
        (f = new FakeSnapshotFolder(dir, stack ?? dir.slice(dir.lastIndexOf('/') + 1), this)),
      );
    if (stack !== undefined) f.stack = stack;
    return f;
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

/** What the folder knows of a snapshot without a manifest: its name, and the time in it. */
function orphan(file: string): SnapshotManifest {
  const m = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.snap$/.exec(file);
  return {
    format: 'vault-bootstrap-snapshot/v1',
    stack: '',
    file,
    takenAt: m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : new Date(0).toISOString(),
    size: -1,
    sha256: '',
    vaultVersion: '',
    unsealKey: { custodyKeyId: '', secretName: '', secretVersion: 0 },
  };
}

/** `m` without its canary (a manifest of an older version). */
export function withoutCanary(m: SnapshotManifest): SnapshotManifest {
  const copy = { ...m };
  delete copy.canary;
  return copy;
}
