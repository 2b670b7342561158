/**
 * The snapshot folders in memory, answering as the files do (src/backup/snapshot-store.ts): each stack's
 * folder `/backups/<stack>` exists (the storage mounted), any other folder is empty; a snapshot with its
 * manifest, `good` when its bytes have the manifest's size; never overwritten; the drill record beside them.
 * Tests reach in to make the states the files can be in: a missing manifest, bytes changed, the storage gone.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SnapshotFolder, SnapshotManifest, SnapshotStores, StoredSnapshot } from '../../../src/ports';
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
  /** Every snapshot streamed out by `read`, in order. */
  readonly reads: string[] = [];

  constructor(readonly dir: string) {}

  pathOf(file: string): string {
    return `${this.dir}/${file}`;
  }

  private assertThere(what: string): void {
    if (this.missing)
      throw new NonRetryableError(
        ErrorType.BackupTargetMissing,
        `the backup folder ${this.dir} does not exist (is the storage mounted?): ${what} failed; earlier snapshots are untouched`,
      );
  }

  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256'>,
    late: () => Promise<Partial<SnapshotManifest>> = () => Promise.resolve({}),
  ): Promise<SnapshotManifest> {
    this.assertThere(`writing ${meta.file}`);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    if (this.files.has(meta.file))
      throw new Error(`${this.pathOf(meta.file)} exists already: a snapshot is never overwritten`);
    const manifest: SnapshotManifest = {
      format: 'vault-bootstrap-snapshot/v1',
      ...meta,
      ...(await late()),
      size: bytes.length,
      sha256: sha256(bytes),
    };
    this.files.set(meta.file, bytes);
    this.manifests.set(meta.file, structuredClone(manifest));
    return manifest;
  }

  list(): Promise<StoredSnapshot[]> {
    this.assertThere('listing the snapshots');
    const out = [...this.files.keys()]
      .filter((f) => SNAPSHOT_FILE.test(f))
      .map((file): StoredSnapshot => {
        const manifest = this.manifests.get(file);
        if (!manifest) return { manifest: orphan(file), good: false };
        return { manifest: structuredClone(manifest), good: this.files.get(file)!.length === manifest.size };
      });
    return Promise.resolve(out.sort((a, b) => b.manifest.takenAt.localeCompare(a.manifest.takenAt)));
  }

  readManifest(file: string): Promise<SnapshotManifest | undefined> {
    const m = this.manifests.get(file);
    return Promise.resolve(m && m.file === file ? structuredClone(m) : undefined);
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

  /** Puts a snapshot whose manifest matches `bytes` (size, sha256); resolves with the manifest. */
  put(bytes: Buffer, meta: Omit<SnapshotManifest, 'format' | 'size' | 'sha256'>): Promise<SnapshotManifest> {
    return this.write([bytes], meta);
  }
}

export class FakeSnapshotStores implements SnapshotStores {
  readonly root = '/backups';
  private readonly folders = new Map<string, FakeSnapshotFolder>();

  of(stack: string): FakeSnapshotFolder {
    return this.folder(`${this.root}/${stack}`);
  }

  locate(stack: string, snapshot: string): { folder: FakeSnapshotFolder; file: string } {
    if (!snapshot.startsWith('/')) return { folder: this.of(stack), file: snapshot };
    const cut = snapshot.lastIndexOf('/');
    return { folder: this.folder(snapshot.slice(0, cut) || '/'), file: snapshot.slice(cut + 1) };
  }

  /** The folder at `dir` (an empty one the first time). */
  folder(dir: string): FakeSnapshotFolder {
    let f = this.folders.get(dir);
    if (!f) this.folders.set(dir, (f = new FakeSnapshotFolder(dir)));
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
