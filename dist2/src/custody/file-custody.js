"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FileKeyCustody = void 0;
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
 * `setTokens` is the one rewrite: the same record id and unseal key (copied from the record as read, never
 * from the caller), new token fields, put in place by `rename()` so a crash leaves the old record or the new.
 *
 * Only references (the record id) leave this module toward Temporal; the values go straight to Vault/Docker.
 */
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const durable_1 = require("../fs/durable");
const errors_1 = require("../shared/errors");
const init_key_1 = require("./init-key");
const FORMAT = 'vault-bootstrap-custody/v1';
/** The GCM authentication tag length, pinned: a shorter tag in a record is refused, not accepted as a prefix. */
const TAG_BYTES = 16;
/** The names of records (and kept conflicting records) in the custody folder. */
const RECORD_FILE = /^[^.].*\.json(\.conflict-.+)?$/;
function errno(err) {
    return err.code;
}
/**
 * Writes `data` to a temp file beside `path`, fsyncs it, puts it at `path` and fsyncs the folder. `exclusive`:
 * `link()` to `path`, which fails when `path` exists (then nothing is written and `false` is returned), so
 * "never overwrite" holds against another process too; otherwise `rename()`.
 */
async function writeDurably(path, data, exclusive) {
    const tmp = `${path}.tmp-${process.pid}-${(0, node_crypto_1.randomUUID)()}`;
    const fh = await (0, promises_1.open)(tmp, node_fs_1.constants.O_WRONLY | node_fs_1.constants.O_CREAT | node_fs_1.constants.O_EXCL, 0o600);
    try {
        await fh.writeFile(data);
        await fh.sync();
    }
    finally {
        await fh.close();
    }
    try {
        if (!exclusive)
            await (0, promises_1.rename)(tmp, path);
        else {
            try {
                await (0, promises_1.link)(tmp, path);
            }
            catch (err) {
                if (errno(err) === 'EEXIST')
                    return false;
                throw err;
            }
        }
    }
    finally {
        await (0, promises_1.rm)(tmp, { force: true });
    }
    await (0, durable_1.fsyncParent)(path);
    return true;
}
/** A file or folder custody relies on: not a symlink, owned by this process's user, nobody else's to read. */
function assertPrivate(st, path, what, kind) {
    const me = process.getuid?.();
    if (st.isSymbolicLink() || (kind === 'file' ? !st.isFile() : !st.isDirectory())) {
        throw new errors_1.CustodyError('CustodyPermissionsTooOpen', `${what} ${path} is not a ${kind === 'file' ? 'regular file' : 'folder'} (symbolic links are not followed)`);
    }
    if (me !== undefined && st.uid !== me) {
        throw new errors_1.CustodyError('CustodyPermissionsTooOpen', `${what} ${path} is owned by uid ${st.uid}, not by this process's uid ${me}`);
    }
    if ((st.mode & 0o077) !== 0) {
        throw new errors_1.CustodyError('CustodyPermissionsTooOpen', `${what} ${path} has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod ${kind === 'file' ? 600 : 700})`);
    }
}
/**
 * Reads a private file without following a symbolic link (`O_NOFOLLOW`) and checks the file it opened
 * (`fstat`), so nothing can be swapped in between; `undefined` when it does not exist.
 */
async function readPrivate(path, what) {
    let fh;
    try {
        fh = await (0, promises_1.open)(path, node_fs_1.constants.O_RDONLY | node_fs_1.constants.O_NOFOLLOW);
    }
    catch (err) {
        if (errno(err) === 'ENOENT')
            return undefined;
        if (errno(err) === 'ELOOP')
            throw new errors_1.CustodyError('CustodyPermissionsTooOpen', `${what} ${path} is a symbolic link; custody follows none (put the file itself there)`);
        throw err;
    }
    try {
        assertPrivate(await fh.stat(), path, what, 'file');
        return await fh.readFile('utf8');
    }
    finally {
        await fh.close();
    }
}
/** The custody folder, when it exists: a real folder (not a symlink) of this process's user, 0700. */
async function checkFolder(dir) {
    let st;
    try {
        st = await (0, promises_1.lstat)(dir);
    }
    catch (err) {
        if (errno(err) === 'ENOENT')
            return false;
        throw err;
    }
    assertPrivate(st, dir, 'custody folder', 'folder');
    return true;
}
class FileKeyCustody {
    config;
    constructor(config) {
        this.config = config;
    }
    prepareInitKey(stack) {
        return (0, init_key_1.prepareInitKey)(this, stack);
    }
    hasInitKey(stack) {
        return (0, init_key_1.hasInitKey)(this, stack);
    }
    storeInitAnswer(stack, answer) {
        return (0, init_key_1.storeInitAnswer)(this, stack, answer);
    }
    discardInitKey(stack) {
        return (0, init_key_1.discardInitKey)(this, stack);
    }
    /** Removes the stack's record when it is record `keyId` (a record of another id is left alone), durably. */
    async remove(stack, keyId) {
        const rec = await this.readRecord(stack);
        if (!rec)
            return;
        if (rec.keyId !== keyId)
            throw new errors_1.CustodyError('CustodyCorrupt', `custody record ${this.recordPath(stack)} is record ${rec.keyId}, not record ${keyId}: it was not removed`);
        await (0, promises_1.rm)(this.recordPath(stack), { force: true });
        await (0, durable_1.fsyncPath)(this.config.dir, node_fs_1.constants.O_RDONLY);
    }
    recordPath(stack) {
        return (0, node_path_1.join)(this.config.dir, `${stack}.json`);
    }
    async ensureDir() {
        await (0, promises_1.mkdir)(this.config.dir, { recursive: true, mode: 0o700 });
        const st = await (0, promises_1.lstat)(this.config.dir);
        if (st.isDirectory() && !st.isSymbolicLink() && (st.mode & 0o777) !== 0o700)
            await (0, promises_1.chmod)(this.config.dir, 0o700);
        await checkFolder(this.config.dir);
    }
    /** The record files in the folder (a key must not be created while any exists). */
    async recordFiles() {
        try {
            return (await (0, promises_1.readdir)(this.config.dir)).filter((f) => RECORD_FILE.test(f)).sort();
        }
        catch (err) {
            if (errno(err) === 'ENOENT')
                return [];
            throw err;
        }
    }
    async loadKey() {
        const file = this.config.keyFile;
        const text = await readPrivate(file, 'custody key file');
        if (text === undefined)
            return undefined;
        const key = Buffer.from(text.trim(), 'base64');
        if (key.length !== 32)
            throw new errors_1.CustodyError('CustodyCorrupt', `custody key file ${file} does not hold a 32-byte base64 key`);
        return key;
    }
    /**
     * Loads the 32-byte encryption key. When it is absent and `create` is set, creates it (0600, fsync'd,
     * linked into place: of two processes creating it at once, one key wins and both use it), but only while
     * the folder holds no record: a key file lost beside existing records is `CustodyKeyFileMissing`, never
     * silently replaced by a key that cannot decrypt them.
     */
    async encryptionKey(create) {
        const file = this.config.keyFile;
        const key = await this.loadKey();
        if (key)
            return key;
        const records = await this.recordFiles();
        if (records.length > 0 || !create) {
            // A record appears only after its key file: one that appeared since the read above brings its key.
            const again = await this.loadKey();
            if (again)
                return again;
            throw new errors_1.CustodyError('CustodyKeyFileMissing', `custody key file ${file} is missing while ${records.length} record(s) exist in ${this.config.dir}` +
                `${records.length ? ` (${records.slice(0, 3).join(', ')})` : ''}; they cannot be decrypted without it. ` +
                `Restore the key file from the backup taken with the records; a new key is not created while records exist.`);
        }
        await (0, promises_1.mkdir)((0, node_path_1.dirname)(file), { recursive: true, mode: 0o700 });
        const fresh = (0, node_crypto_1.randomBytes)(32);
        if (await writeDurably(file, `${fresh.toString('base64')}\n`, true))
            return fresh;
        const winner = await this.loadKey();
        if (!winner)
            throw new Error(`custody key file ${file} vanished while it was being created`);
        return winner;
    }
    async assertWritable(stack) {
        try {
            await this.ensureDir();
            const key = await this.encryptionKey(true);
            const probe = (0, node_path_1.join)(this.config.dir, `.probe-${stack}-${(0, node_crypto_1.randomUUID)()}`);
            const payload = (0, node_crypto_1.randomBytes)(16).toString('hex');
            await writeDurably(probe, encrypt(key, payload, 'probe').ciphertext, false);
            const back = await readPrivate(probe, 'custody probe');
            await (0, promises_1.rm)(probe);
            if (!back)
                throw new Error('probe read back empty');
        }
        catch (err) {
            if (err instanceof errors_1.CustodyError)
                throw err;
            throw new errors_1.CustodyError('CustodyNotWritable', `custody folder ${this.config.dir} is not writable: ${errno(err) ?? String(err)}`);
        }
    }
    async describe(stack) {
        const rec = await this.readRecord(stack);
        return rec ? info(rec) : undefined;
    }
    /**
     * The stack's record when it holds exactly `secrets` (a retry of the same store), `undefined` when there is
     * none, `'other'` when it holds something else or cannot be read.
     */
    async existing(stack, key, secrets) {
        let rec;
        try {
            rec = await this.readRecord(stack);
        }
        catch {
            return 'other';
        }
        if (!rec)
            return undefined;
        try {
            const held = JSON.parse(decrypt(key, rec, aad(rec.stack, rec.keyId)));
            return held.unsealKey === secrets.unsealKey &&
                held.rootToken === secrets.rootToken &&
                held.workerToken === secrets.workerToken
                ? info(rec)
                : 'other';
        }
        catch {
            return 'other';
        }
    }
    async store(stack, secrets) {
        await this.ensureDir();
        const key = await this.encryptionKey(true);
        const path = this.recordPath(stack);
        let prior = await this.existing(stack, key, secrets);
        if (prior === undefined) {
            const keyId = (0, node_crypto_1.randomUUID)();
            const createdAt = new Date().toISOString();
            const sealed = encrypt(key, JSON.stringify(secrets), aad(stack, keyId));
            const record = { format: FORMAT, keyId, stack, createdAt, ...sealed };
            // Never overwrite: link() fails if another record got there first, whoever wrote it.
            if (await writeDurably(path, JSON.stringify(record, null, 2), true))
                return info(record);
            prior = await this.existing(stack, key, secrets);
        }
        if (prior !== undefined && prior !== 'other') {
            // The same secrets stored before (a retry after the folder fsync failed): make sure the name is durable.
            await (0, durable_1.fsyncPath)(this.config.dir, node_fs_1.constants.O_RDONLY);
            return prior;
        }
        // A second init for the same stack is a bug upstream, and the first key must survive it. Keep the new
        // secrets too, beside it, so nothing Vault answered is ever lost.
        const keyId = (0, node_crypto_1.randomUUID)();
        const conflict = {
            format: FORMAT,
            keyId,
            stack,
            createdAt: new Date().toISOString(),
            ...encrypt(key, JSON.stringify(secrets), aad(stack, keyId)),
        };
        await writeDurably(`${path}.conflict-${keyId}`, JSON.stringify(conflict), true);
        throw new errors_1.CustodyError('CustodyCorrupt', `custody already holds a record for ${stack}; new one kept beside it as ${path}.conflict-${keyId}`);
    }
    async read(stack) {
        const rec = await this.readRecord(stack);
        if (!rec)
            throw new errors_1.CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`);
        return { ...this.open(rec, await this.encryptionKey(false)), ...info(rec) };
    }
    async setTokens(stack, keyId, tokens) {
        const rec = await this.readRecord(stack);
        if (!rec || rec.keyId !== keyId) {
            throw new errors_1.CustodyError('CustodyCorrupt', `custody record ${this.recordPath(stack)} is ${rec ? `record ${rec.keyId}` : 'gone'}, not record ${keyId}: its tokens were not changed`);
        }
        const key = await this.encryptionKey(false);
        const { unsealKey } = this.open(rec, key);
        const secrets = { unsealKey };
        if (tokens.rootToken !== undefined)
            secrets.rootToken = tokens.rootToken;
        if (tokens.workerToken !== undefined)
            secrets.workerToken = tokens.workerToken;
        const next = {
            ...rec,
            seq: (rec.seq ?? 0) + 1,
            ...encrypt(key, JSON.stringify(secrets), aad(stack, keyId)),
        };
        await writeDurably(this.recordPath(stack), JSON.stringify(next, null, 2), false);
    }
    /**
     * The stack's record as stored (still encrypted), with its id and revision, for a copy kept elsewhere
     * (`ReplicatedKeyCustody`); undefined when there is none.
     */
    async exportRecord(stack) {
        const rec = await this.readRecord(stack);
        return rec ? { keyId: rec.keyId, seq: rec.seq ?? 0, text: JSON.stringify(rec, null, 2) } : undefined;
    }
    /**
     * Puts a record exported by another worker in place of the stack's record, durably, after checking it is a
     * record of this stack that decrypts with this custody's key (`CustodyCorrupt` otherwise: nothing is
     * written). The caller decides that it is newer than the one here.
     */
    async importRecord(stack, text) {
        let rec;
        try {
            rec = JSON.parse(text);
        }
        catch {
            throw new errors_1.CustodyError('CustodyCorrupt', `a custody replica of stack ${stack} is not valid JSON`);
        }
        if (!isRecordOf(rec, stack))
            throw new errors_1.CustodyError('CustodyCorrupt', `a custody replica is not a ${FORMAT} record for stack ${stack}`);
        await this.ensureDir();
        // A replica is only ever opened with the key it was sealed with: never create one to open it.
        this.open(rec, await this.encryptionKey(false), 'a custody replica');
        await writeDurably(this.recordPath(stack), JSON.stringify(rec, null, 2), false);
    }
    /** Decrypts a record and checks its shape: an unseal key, and tokens that are strings when present. */
    open(rec, key, what = `custody record ${this.recordPath(rec.stack)}`) {
        let plain;
        try {
            plain = decrypt(key, rec, aad(rec.stack, rec.keyId));
        }
        catch {
            throw new errors_1.CustodyError('CustodyCorrupt', `${what} does not decrypt with ${this.config.keyFile} (wrong key file or damaged record)`);
        }
        const parsed = JSON.parse(plain);
        const optional = (v) => v === undefined || typeof v === 'string';
        if (typeof parsed.unsealKey !== 'string' ||
            !optional(parsed.rootToken) ||
            !optional(parsed.workerToken)) {
            throw new errors_1.CustodyError('CustodyCorrupt', `custody record ${this.recordPath(rec.stack)} decrypts to an unexpected shape`);
        }
        const secrets = { unsealKey: parsed.unsealKey };
        if (typeof parsed.rootToken === 'string')
            secrets.rootToken = parsed.rootToken;
        if (typeof parsed.workerToken === 'string')
            secrets.workerToken = parsed.workerToken;
        return secrets;
    }
    async readRecord(stack) {
        const path = this.recordPath(stack);
        if (!(await checkFolder(this.config.dir)))
            return undefined;
        const text = await readPrivate(path, 'custody record');
        if (text === undefined)
            return undefined;
        let rec;
        try {
            rec = JSON.parse(text);
        }
        catch {
            throw new errors_1.CustodyError('CustodyCorrupt', `custody record ${path} is not valid JSON`);
        }
        if (!isRecordOf(rec, stack)) {
            throw new errors_1.CustodyError('CustodyCorrupt', `custody record ${path} is not a ${FORMAT} record for stack ${stack}`);
        }
        return rec;
    }
}
exports.FileKeyCustody = FileKeyCustody;
function isRecordOf(rec, stack) {
    return (rec.format === FORMAT &&
        !!rec.keyId &&
        !!rec.iv &&
        !!rec.tag &&
        !!rec.ciphertext &&
        rec.stack === stack &&
        (rec.seq === undefined || (Number.isInteger(rec.seq) && rec.seq >= 0)));
}
function info(rec) {
    return { keyId: rec.keyId, stack: rec.stack, createdAt: rec.createdAt };
}
function aad(stack, keyId) {
    return `${FORMAT}|${stack}|${keyId}`;
}
function encrypt(key, plaintext, additional) {
    const iv = (0, node_crypto_1.randomBytes)(12);
    const cipher = (0, node_crypto_1.createCipheriv)('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(additional));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        ciphertext: ciphertext.toString('base64'),
    };
}
function decrypt(key, rec, additional) {
    const tag = Buffer.from(rec.tag, 'base64');
    if (tag.length !== TAG_BYTES)
        throw new Error(`GCM tag of ${tag.length} bytes, expected ${TAG_BYTES}`);
    const decipher = (0, node_crypto_1.createDecipheriv)('aes-256-gcm', key, Buffer.from(rec.iv, 'base64'), {
        authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(additional));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(rec.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}
//# sourceMappingURL=file-custody.js.map