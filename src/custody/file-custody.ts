/**
 * The `KeyCustody` port on files: where the unseal key and root token live after `sys/init`, encrypted at rest.
 *
 * One record per stack, `<dir>/<stack>.json` (0600, folder 0700), AES-256-GCM under a 32-byte key kept in
 * a separate 0600 file (created on first use; back it up with the records). The stack name and record id
 * are the authenticated data, so a record copied to another stack does not decrypt. Writes are atomic and
 * durable: temp file, fsync, rename, fsync of the folder. A record is never overwritten: a new init for a
 * stack that already has one is refused by the activity before Vault is touched.
 *
 * Only references (the record id) leave this module toward Temporal; the values go straight to Vault/Docker.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CustodyConfig } from '../config';
import type { CustodyRecordInfo, CustodySecrets, HeldKeys, KeyCustody } from '../ports';
import { CustodyError } from '../shared/errors';

interface RecordFile {
  format: 'vault-bootstrap-custody/v1';
  keyId: string;
  stack: string;
  createdAt: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const FORMAT = 'vault-bootstrap-custody/v1';

async function fsyncPath(path: string, flags: number): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeDurably(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomUUID()}`;
  const fh = await open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncPath(dirname(path), fsConstants.O_RDONLY);
}

async function assertPrivate(path: string, what: string): Promise<void> {
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) {
    throw new CustodyError(
      'CustodyPermissionsTooOpen',
      `${what} ${path} has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`,
    );
  }
}

export class FileKeyCustody implements KeyCustody {
  constructor(private readonly config: CustodyConfig) {}

  private recordPath(stack: string): string {
    return join(this.config.dir, `${stack}.json`);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.config.dir, { recursive: true, mode: 0o700 });
    await chmod(this.config.dir, 0o700);
  }

  /** Loads the 32-byte encryption key, creating it (0600, fsync'd) when absent. */
  private async encryptionKey(create: boolean): Promise<Buffer> {
    const file = this.config.keyFile;
    try {
      await assertPrivate(file, 'custody key file');
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
      if (key.length !== 32)
        throw new CustodyError(
          'CustodyCorrupt',
          `custody key file ${file} does not hold a 32-byte base64 key`,
        );
      return key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new CustodyError(
            'CustodyCorrupt',
            `custody key file ${file} is missing, so the records cannot be read`,
          );
        }
        throw err;
      }
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const key = randomBytes(32);
      await writeDurably(file, `${key.toString('base64')}\n`);
      return key;
    }
  }

  async assertWritable(stack: string): Promise<void> {
    try {
      await this.ensureDir();
      const key = await this.encryptionKey(true);
      const probe = join(this.config.dir, `.probe-${stack}-${randomUUID()}`);
      const payload = randomBytes(16).toString('hex');
      await writeDurably(probe, encrypt(key, payload, 'probe').ciphertext);
      const back = await readFile(probe, 'utf8');
      await rm(probe);
      if (back.length === 0) throw new Error('probe read back empty');
    } catch (err) {
      if (err instanceof CustodyError) throw err;
      throw new CustodyError(
        'CustodyNotWritable',
        `custody folder ${this.config.dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }

  async describe(stack: string): Promise<CustodyRecordInfo | undefined> {
    const rec = await this.readRecord(stack);
    return rec ? { keyId: rec.keyId, stack: rec.stack, createdAt: rec.createdAt } : undefined;
  }

  async store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo> {
    await this.ensureDir();
    const key = await this.encryptionKey(true);
    const path = this.recordPath(stack);
    const keyId = randomUUID();
    const createdAt = new Date().toISOString();
    const sealed = encrypt(key, JSON.stringify(secrets), aad(stack, keyId));
    const record: RecordFile = { format: FORMAT, keyId, stack, createdAt, ...sealed };
    // Never overwrite: a second init for the same stack is a bug upstream, and the first key must survive it.
    const existing = await this.readRecord(stack).catch(() => 'unreadable' as const);
    if (existing !== undefined) {
      // Keep the new secrets too, beside it, so nothing Vault answered is ever lost.
      await writeDurably(`${path}.conflict-${keyId}`, JSON.stringify(record));
      throw new CustodyError(
        'CustodyCorrupt',
        `custody already holds a record for ${stack}; new one kept beside it as ${path}.conflict-${keyId}`,
      );
    }
    await writeDurably(path, JSON.stringify(record, null, 2));
    return { keyId, stack, createdAt };
  }

  async read(stack: string): Promise<HeldKeys> {
    const rec = await this.readRecord(stack);
    if (!rec) throw new CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`);
    const key = await this.encryptionKey(false);
    let plain: string;
    try {
      plain = decrypt(key, rec, aad(rec.stack, rec.keyId));
    } catch {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${this.recordPath(stack)} does not decrypt with ${this.config.keyFile} (wrong key file or damaged record)`,
      );
    }
    const parsed = JSON.parse(plain) as Partial<CustodySecrets>;
    if (typeof parsed.unsealKey !== 'string' || typeof parsed.rootToken !== 'string') {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${this.recordPath(stack)} decrypts to an unexpected shape`,
      );
    }
    return {
      unsealKey: parsed.unsealKey,
      rootToken: parsed.rootToken,
      keyId: rec.keyId,
      stack: rec.stack,
      createdAt: rec.createdAt,
    };
  }

  private async readRecord(stack: string): Promise<RecordFile | undefined> {
    const path = this.recordPath(stack);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    await assertPrivate(path, 'custody record');
    let rec: Partial<RecordFile>;
    try {
      rec = JSON.parse(text) as Partial<RecordFile>;
    } catch {
      throw new CustodyError('CustodyCorrupt', `custody record ${path} is not valid JSON`);
    }
    if (
      rec.format !== FORMAT ||
      !rec.keyId ||
      !rec.iv ||
      !rec.tag ||
      !rec.ciphertext ||
      rec.stack !== stack
    ) {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody record ${path} is not a ${FORMAT} record for stack ${stack}`,
      );
    }
    return rec as RecordFile;
  }
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
  const cipher = createCipheriv('aes-256-gcm', key, iv);
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
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(rec.iv, 'base64'));
  decipher.setAAD(Buffer.from(additional));
  decipher.setAuthTag(Buffer.from(rec.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(rec.ciphertext, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
