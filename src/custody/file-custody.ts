/**
 * The `KeyCustody` port on files: where the unseal key and the Vault tokens live after `sys/init`, encrypted at rest.
 *
 * One record per stack, `<dir>/<stack>.json` (0600, folder 0700), AES-256-GCM (16-byte tag) under a 32-byte key
 * kept in a separate 0600 file (created on first use, and only while no record exists; back it up with the
 * records). The stack name and record id are the authenticated data, so a record copied to another stack does
 * not decrypt. Writes are atomic and durable: temp file, fsync, then `link()` to the final name (which fails
 * if the name exists: a record, or the key file, is never overwritten, even by two processes at once), fsync
 * of the folder. Files are opened without following symbolic links and must belong to this process's user.
 * Storing the same secrets twice returns the record already there (a retry after a failed folder fsync).
 * `setTokens` and `setRootGeneration` are the one rewrite: the same record id and unseal key (copied from the
 * record as read, never from the caller), new token fields or root generation progress (handles a retry
 * cleans up after: nonces and accessors, encrypted with the rest), put in place by `rename()` so a crash
 * leaves the old record or the new.
 *
 * Only references (the record id) leave this module toward Temporal; the values go straight to Vault/Docker.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { chmod, link, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CustodyConfig } from '../config/worker';
import { fsyncParent, fsyncPath } from '../fs/durable';
import type {
  CustodyRecordInfo,
  CustodySecrets,
  CustodyTokens,
  HeldKeys,
  KeyCustody,
  NextUnsealKey,
  RemovableCustody,
  RootGenerationProgress,
} from '../ports';
import { CustodyError } from '../shared/errors';
import { promoted, withEntry, withNextKey, withTokens } from './record-changes';
import { KeyedQueue } from './keyed-queue';
import { CUSTODY_TOKEN_FIELDS } from '../ports/custody';

interface RecordFile {
  format: 'vault-bootstrap-custody/v1';
  keyId: string;
  stack: string;
  createdAt: string;
  /** Revision of the record: 0 (or absent) as `store` wrote it, one more for each `setTokens`. */
  seq?: number;
  iv: string;
  tag: string;
  ciphertext: string;
}

const FORMAT = 'vault-bootstrap-custody/v1';
/** The GCM authentication tag length, pinned: a shorter tag in a record is refused, not accepted as a prefix. */
const TAG_BYTES = 16;
/** The names of records (and kept conflicting records) in the custody folder. */
const RECORD_FILE = /^[^.].*\.json(\.conflict-.+)?$/;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Writes `data` to a temp file beside `path`, fsyncs it, puts it at `path` and fsyncs the folder. `exclusive`:
 * `link()` to `path`, which fails when `path` exists (then nothing is written and `false` is returned), so
 * "never overwrite" holds against another process too; otherwise `rename()`.
 */
async function writeDurably(path: string, data: Buffer | string, exclusive: boolean): Promise<boolean> {
  const tmp = `${path}.tmp-${process.pid}-${randomUUID()}`;
  const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (!exclusive) await rename(tmp, path);
    else {
      try {
        await link(tmp, path);
      } catch (err) {
        if (errno(err) === 'EEXIST') return false;
        throw err;
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
  await fsyncParent(path);
  return true;
}

/** A file or folder custody relies on: not a symlink, owned by this process's user, nobody else's to read. */
function assertPrivate(st: Stats, path: string, what: string, kind: 'file' | 'folder'): void {
  const me = process.getuid?.();
  if (st.isSymbolicLink() || (kind === 'file' ? !st.isFile() : !st.isDirectory())) {
    throw new CustodyError(
      'CustodyPermissionsTooOpen',
      `${what} ${path} is not a ${kind === 'file' ? 'regular file' : 'folder'} (symbolic links are not followed)`,
    );
  }
  if (me !== undefined && st.uid !== me) {
    throw new CustodyError(
      'CustodyPermissionsTooOpen',
      `${what} ${path} is owned by uid ${st.uid}, not by this process's uid ${me}`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new CustodyError(
      'CustodyPermissionsTooOpen',
      `${what} ${path} has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod ${kind === 'file' ? 600 : 700})`,
    );
  }
}

/**
 * Reads a private file without following a symbolic link (`O_NOFOLLOW`) and checks the file it opened
 * (`fstat`), so nothing can be swapped in between; `undefined` when it does not exist.
 */
async function readPrivate(path: string, what: string): Promise<string | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    if (errno(err) === 'ELOOP')
      throw new CustodyError(
        'CustodyPermissionsTooOpen',
        `${what} ${path} is a symbolic link; custody follows none (put the file itself there)`,
      );
    throw err;
  }
  try {
    assertPrivate(await fh.stat(), path, what, 'file');
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** The custody folder, when it exists: a real folder (not a symlink) of this process's user, 0700. */
async function checkFolder(dir: string): Promise<boolean> {
  let st: Stats;
  try {
    st = await lstat(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
  assertPrivate(st, dir, 'custody folder', 'folder');
  return true;
}

export class FileKeyCustody implements KeyCustody, RemovableCustody {
  private readonly queue = new KeyedQueue();

  constructor(private readonly config: Pick<CustodyConfig, 'dir' | 'keyFile'>) {}

  /** Removes the stack's record when it is record `keyId` (a record of another id is left alone), durably. */
  async remove(stack: string, keyId: string): Promise<void> {
    const rec = await this.readRecord(stack);
    if (!rec) return;
    if (rec.keyId !== keyId)
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${this.recordPath(stack)} is record ${rec.keyId}, not record ${keyId}: it was not removed`,
      );
    await rm(this.recordPath(stack), { force: true });
    await fsyncPath(this.config.dir, fsConstants.O_RDONLY);
  }

  private recordPath(stack: string): string {
    return join(this.config.dir, `${stack}.json`);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.config.dir, { recursive: true, mode: 0o700 });
    const st = await lstat(this.config.dir);
    if (st.isDirectory() && !st.isSymbolicLink() && (st.mode & 0o777) !== 0o700)
      await chmod(this.config.dir, 0o700);
    await checkFolder(this.config.dir);
  }

  /** The record files in the folder (a key must not be created while any exists). */
  private async recordFiles(): Promise<string[]> {
    try {
      return (await readdir(this.config.dir)).filter((f) => RECORD_FILE.test(f)).sort();
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw err;
    }
  }

  private async loadKey(): Promise<Buffer | undefined> {
    const file = this.config.keyFile;
    const text = await readPrivate(file, 'custody key file');
    if (text === undefined) return undefined;
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32)
      throw new CustodyError('CustodyCorrupt', `custody key file ${file} does not hold a 32-byte base64 key`);
    return key;
  }

  /**
   * Loads the 32-byte encryption key. When it is absent and `create` is set, creates it (0600, fsync'd,
   * linked into place: of two processes creating it at once, one key wins and both use it), but only while
   * the folder holds no record: a key file lost beside existing records is `CustodyKeyFileMissing`, never
   * silently replaced by a key that cannot decrypt them.
   */
  private async encryptionKey(create: boolean): Promise<Buffer> {
    const file = this.config.keyFile;
    const key = await this.loadKey();
    if (key) return key;
    const records = await this.recordFiles();
    if (records.length > 0 || !create) {
      // A record appears only after its key file: one that appeared since the read above brings its key.
      const again = await this.loadKey();
      if (again) return again;
      throw new CustodyError(
        'CustodyKeyFileMissing',
        `custody key file ${file} is missing while ${records.length} record(s) exist in ${this.config.dir}` +
          `${records.length ? ` (${records.slice(0, 3).join(', ')})` : ''}; they cannot be decrypted without it. ` +
          `Restore the key file from the backup taken with the records; a new key is not created while records exist.`,
      );
    }
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const fresh = randomBytes(32);
    if (await writeDurably(file, `${fresh.toString('base64')}\n`, true)) return fresh;
    const winner = await this.loadKey();
    if (!winner) throw new Error(`custody key file ${file} vanished while it was being created`);
    return winner;
  }

  async assertWritable(stack: string): Promise<void> {
    try {
      await this.ensureDir();
      const key = await this.encryptionKey(true);
      const probe = join(this.config.dir, `.probe-${stack}-${randomUUID()}`);
      const payload = randomBytes(16).toString('hex');
      await writeDurably(probe, encrypt(key, payload, 'probe').ciphertext, false);
      const back = await readPrivate(probe, 'custody probe');
      await rm(probe);
      if (!back) throw new Error('probe read back empty');
    } catch (err) {
      if (err instanceof CustodyError) throw err;
      throw new CustodyError(
        'CustodyNotWritable',
        `custody folder ${this.config.dir} is not writable: ${errno(err) ?? String(err)}`,
      );
    }
  }

  async describe(stack: string): Promise<CustodyRecordInfo | undefined> {
    const rec = await this.readRecord(stack);
    return rec ? info(rec) : undefined;
  }

  /**
   * The stack's record when it holds exactly `secrets` (a retry of the same store), `undefined` when there is
   * none, `'other'` when it holds something else or cannot be read.
   */
  private async existing(
    stack: string,
    key: Buffer,
    secrets: CustodySecrets,
  ): Promise<CustodyRecordInfo | undefined | 'other'> {
    let rec: RecordFile | undefined;
    try {
      rec = await this.readRecord(stack);
    } catch {
      return 'other';
    }
    if (!rec) return undefined;
    try {
      const held = JSON.parse(decrypt(key, rec, aad(rec.stack, rec.keyId))) as Partial<CustodySecrets>;
      return held.unsealKey === secrets.unsealKey && CUSTODY_TOKEN_FIELDS.every((f) => held[f] === secrets[f])
        ? info(rec)
        : 'other';
    } catch {
      return 'other';
    }
  }

  async store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo> {
    await this.ensureDir();
    const key = await this.encryptionKey(true);
    const path = this.recordPath(stack);
    let prior = await this.existing(stack, key, secrets);
    if (prior === undefined) {
      const keyId = randomUUID();
      const createdAt = new Date().toISOString();
      const sealed = encrypt(key, JSON.stringify(secrets), aad(stack, keyId));
      const record: RecordFile = { format: FORMAT, keyId, stack, createdAt, ...sealed };
      // Never overwrite: link() fails if another record got there first, whoever wrote it.
      if (await writeDurably(path, JSON.stringify(record, null, 2), true)) return info(record);
      prior = await this.existing(stack, key, secrets);
    }
    if (prior !== undefined && prior !== 'other') {
      // The same secrets stored before (a retry after the folder fsync failed): make sure the name is durable.
      await fsyncPath(this.config.dir, fsConstants.O_RDONLY);
      return prior;
    }
    // A second init for the same stack is a bug upstream, and the first key must survive it. Keep the new
    // secrets too, beside it, so nothing Vault answered is ever lost.
    const keyId = randomUUID();
    const conflict: RecordFile = {
      format: FORMAT,
      keyId,
      stack,
      createdAt: new Date().toISOString(),
      ...encrypt(key, JSON.stringify(secrets), aad(stack, keyId)),
    };
    await writeDurably(`${path}.conflict-${keyId}`, JSON.stringify(conflict), true);
    throw new CustodyError(
      'CustodyCorrupt',
      `custody already holds a record for ${stack}; new one kept beside it as ${path}.conflict-${keyId}`,
    );
  }

  async read(stack: string): Promise<HeldKeys> {
    const rec = await this.readRecord(stack);
    if (!rec) throw new CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`);
    return { ...this.open(rec, await this.encryptionKey(false)), ...info(rec) };
  }

  async setTokens(stack: string, keyId: string, tokens: CustodyTokens): Promise<void> {
    await this.rewrite(stack, keyId, 'its tokens were not changed', (held) => withTokens(held, tokens));
  }

  async setBreakGlassToken(
    stack: string,
    keyId: string,
    accessor: string,
    token: string | undefined,
  ): Promise<void> {
    await this.rewrite(stack, keyId, 'its break-glass tokens were not changed', (held) =>
      withEntry(held, 'breakGlassTokens', accessor, token),
    );
  }

  async setRootGeneration(
    stack: string,
    keyId: string,
    owner: string,
    progress: RootGenerationProgress | undefined,
  ): Promise<void> {
    await this.rewrite(stack, keyId, 'its root generation progress was not changed', (held) =>
      withEntry(held, 'rootGenerations', owner, progress),
    );
  }

  async setNextUnsealKey(stack: string, keyId: string, next: NextUnsealKey | undefined): Promise<void> {
    await this.rewrite(stack, keyId, 'its next unseal key was not changed', (held) =>
      withNextKey(held, next),
    );
  }

  async promoteNextUnsealKey(stack: string, keyId: string, generation: number): Promise<void> {
    await this.rewrite(
      stack,
      keyId,
      'its unseal key was not changed',
      (held) => promoted(held, generation, `custody record ${this.recordPath(stack)}`),
      'promote',
    );
  }

  /**
   * The one rewrite of a record: the same record id, the secrets `change` makes of the ones it holds (the
   * unseal key always copied from the record), one revision more, put in place by `rename()`. Rewrites of one
   * record in this process run one at a time, so none is lost to another's read-modify-write.
   */
  private rewrite(
    stack: string,
    keyId: string,
    unchanged: string,
    change: (held: CustodySecrets) => CustodySecrets,
    unsealKey: 'keep' | 'promote' = 'keep',
  ): Promise<void> {
    return this.queue.run(stack, async () => {
      const rec = await this.readRecord(stack);
      if (!rec || rec.keyId !== keyId) {
        throw new CustodyError(
          'CustodyCorrupt',
          `custody record ${this.recordPath(stack)} is ${rec ? `record ${rec.keyId}` : 'gone'}, not record ${keyId}: ${unchanged}`,
        );
      }
      const key = await this.encryptionKey(false);
      const held = this.open(rec, key);
      // The unseal key comes from the record itself, never from the caller: only `promote` moves it, and only
      // to the next key the record already holds (`promoted`).
      const changed = change(held);
      if (unsealKey === 'promote' && changed === held) return;
      const secrets = unsealKey === 'promote' ? changed : { ...changed, unsealKey: held.unsealKey };
      const next: RecordFile = {
        ...rec,
        seq: (rec.seq ?? 0) + 1,
        ...encrypt(key, JSON.stringify(secrets), aad(stack, keyId)),
      };
      await writeDurably(this.recordPath(stack), JSON.stringify(next, null, 2), false);
    });
  }

  /**
   * The stack's record as stored (still encrypted), with its id and revision, for a copy kept elsewhere
   * (`ReplicatedKeyCustody`); undefined when there is none.
   */
  async exportRecord(stack: string): Promise<ExportedRecord | undefined> {
    const rec = await this.readRecord(stack);
    return rec ? { keyId: rec.keyId, seq: rec.seq ?? 0, text: JSON.stringify(rec, null, 2) } : undefined;
  }

  /**
   * Puts a record exported by another worker in place of the stack's record, durably, after checking it is a
   * record of this stack that decrypts with this custody's key (`CustodyCorrupt` otherwise: nothing is
   * written). The caller decides that it is newer than the one here.
   */
  async importRecord(stack: string, text: string): Promise<void> {
    let rec: Partial<RecordFile>;
    try {
      rec = JSON.parse(text) as Partial<RecordFile>;
    } catch {
      throw new CustodyError('CustodyCorrupt', `a custody replica of stack ${stack} is not valid JSON`);
    }
    if (!isRecordOf(rec, stack))
      throw new CustodyError(
        'CustodyCorrupt',
        `a custody replica is not a ${FORMAT} record for stack ${stack}`,
      );
    await this.ensureDir();
    // A replica is only ever opened with the key it was sealed with: never create one to open it.
    this.open(rec, await this.encryptionKey(false), 'a custody replica');
    await writeDurably(this.recordPath(stack), JSON.stringify(rec, null, 2), false);
  }

  /** Decrypts a record and checks its shape: an unseal key, and tokens that are strings when present. */
  private open(
    rec: RecordFile,
    key: Buffer,
    what = `custody record ${this.recordPath(rec.stack)}`,
  ): CustodySecrets {
    let plain: string;
    try {
      plain = decrypt(key, rec, aad(rec.stack, rec.keyId));
    } catch {
      throw new CustodyError(
        'CustodyCorrupt',
        `${what} does not decrypt with ${this.config.keyFile} (wrong key file or damaged record)`,
      );
    }
    const parsed = JSON.parse(plain) as Partial<Record<keyof CustodySecrets, unknown>>;
    const optional = (v: unknown) => v === undefined || typeof v === 'string';
    const generations = parseRootGenerations(parsed.rootGenerations);
    const breakGlass = parseStringMap(parsed.breakGlassTokens);
    const former = parseStringMap(parsed.formerUnsealKeys);
    const next = parseNextKey(parsed.nextUnsealKey);
    const keyGeneration = parsed.keyGeneration;
    if (
      typeof parsed.unsealKey !== 'string' ||
      !CUSTODY_TOKEN_FIELDS.every((f) => optional(parsed[f])) ||
      generations === 'bad' ||
      breakGlass === 'bad' ||
      former === 'bad' ||
      next === 'bad' ||
      (keyGeneration !== undefined && !isGeneration(keyGeneration))
    ) {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${this.recordPath(rec.stack)} decrypts to an unexpected shape`,
      );
    }
    const secrets: CustodySecrets = { unsealKey: parsed.unsealKey };
    for (const field of CUSTODY_TOKEN_FIELDS) {
      const token = parsed[field];
      if (typeof token === 'string') secrets[field] = token;
    }
    if (generations) secrets.rootGenerations = generations;
    if (breakGlass) secrets.breakGlassTokens = breakGlass;
    if (isGeneration(keyGeneration) && keyGeneration > 0) secrets.keyGeneration = keyGeneration;
    if (next) secrets.nextUnsealKey = next;
    if (former) secrets.formerUnsealKeys = former;
    return secrets;
  }

  private async readRecord(stack: string): Promise<RecordFile | undefined> {
    const path = this.recordPath(stack);
    if (!(await checkFolder(this.config.dir))) return undefined;
    const text = await readPrivate(path, 'custody record');
    if (text === undefined) return undefined;
    let rec: Partial<RecordFile>;
    try {
      rec = JSON.parse(text) as Partial<RecordFile>;
    } catch {
      throw new CustodyError('CustodyCorrupt', `custody record ${path} is not valid JSON`);
    }
    if (!isRecordOf(rec, stack)) {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${path} is not a ${FORMAT} record for stack ${stack}`,
      );
    }
    return rec;
  }
}

/** A record as stored, still encrypted: what a replica holds. */
export interface ExportedRecord {
  keyId: string;
  seq: number;
  /** The record file's JSON (encrypted fields; no key material in clear). */
  text: string;
}

/** The root generation entries of a decrypted record: `undefined` when absent, `'bad'` when malformed. */
/** A map of strings to strings (the break-glass tokens by accessor), undefined when absent, else `'bad'`. */
function parseStringMap(v: unknown): Record<string, string> | undefined | 'bad' {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'bad';
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.every(([, t]) => typeof t === 'string')
    ? (Object.fromEntries(entries) as Record<string, string>)
    : 'bad';
}

function parseRootGenerations(v: unknown): Record<string, RootGenerationProgress> | undefined | 'bad' {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'bad';
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
  const out: Record<string, RootGenerationProgress> = {};
  for (const [owner, e] of Object.entries(v as Record<string, unknown>)) {
    const p = e as Partial<Record<keyof RootGenerationProgress, unknown>> | null;
    if (
      !p ||
      typeof p.updatedAt !== 'string' ||
      (p.startingAt !== undefined && typeof p.startingAt !== 'string') ||
      !strings(p.nonces) ||
      !strings(p.keyGivenAt) ||
      !strings(p.accessors)
    )
      return 'bad';
    out[owner] = {
      updatedAt: p.updatedAt,
      ...(p.startingAt !== undefined ? { startingAt: p.startingAt } : {}),
      nonces: p.nonces,
      keyGivenAt: p.keyGivenAt,
      accessors: p.accessors,
    };
  }
  return out;
}

function isGeneration(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** A record's next unseal key: `undefined` when absent, `'bad'` when malformed. */
function parseNextKey(v: unknown): NextUnsealKey | undefined | 'bad' {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object') return 'bad';
  const n: Partial<Record<keyof NextUnsealKey, unknown>> = v;
  if (
    !isGeneration(n.generation) ||
    typeof n.unsealKey !== 'string' ||
    typeof n.nonce !== 'string' ||
    typeof n.storedAt !== 'string'
  )
    return 'bad';
  return { generation: n.generation, unsealKey: n.unsealKey, nonce: n.nonce, storedAt: n.storedAt };
}

function isRecordOf(rec: Partial<RecordFile>, stack: string): rec is RecordFile {
  return (
    rec.format === FORMAT &&
    !!rec.keyId &&
    !!rec.iv &&
    !!rec.tag &&
    !!rec.ciphertext &&
    rec.stack === stack &&
    (rec.seq === undefined || (Number.isInteger(rec.seq) && rec.seq >= 0))
  );
}

function info(rec: Pick<RecordFile, 'keyId' | 'stack' | 'createdAt'>): CustodyRecordInfo {
  return { keyId: rec.keyId, stack: rec.stack, createdAt: rec.createdAt };
}

function aad(stack: string, keyId: string): string {
  return `${FORMAT}|${stack}|${keyId}`;
}

function encrypt(
  key: Buffer,
  plaintext: string,
  additional: string,
): { iv: string; tag: string; ciphertext: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(additional));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

function decrypt(
  key: Buffer,
  rec: { iv: string; tag: string; ciphertext: string },
  additional: string,
): string {
  const tag = Buffer.from(rec.tag, 'base64');
  if (tag.length !== TAG_BYTES) throw new Error(`GCM tag of ${tag.length} bytes, expected ${TAG_BYTES}`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(rec.iv, 'base64'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(additional));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(rec.ciphertext, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
