"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SnapshotStore = void 0;
exports.compactTime = compactTime;
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const errors_1 = require("../shared/errors");
const durable_1 = require("../fs/durable");
const MANIFEST_SUFFIX = '.manifest.json';
/** The latest restore drill's outcome, beside the snapshots (for the health report). */
const DRILL_RECORD = 'drill-last.json';
/** `<stack>-20261130T120000Z.snap`: sorts by time within a stack. */
const SNAPSHOT_FILE = /^[^.].*-\d{8}T\d{6}Z\.snap$/;
/** A snapshot or manifest being written: `.<name>.partial-<uuid>`. */
const PARTIAL_FILE = /^\..+\.partial-[0-9a-f-]{36}$/;
function errno(err) {
    return err.code;
}
/** The named failure for a folder an operator must fix; anything else is rethrown for Temporal to retry. */
function targetFailure(err, dir, what) {
    const code = errno(err);
    const nothing = 'earlier snapshots are untouched';
    if (code === 'ENOENT')
        return new errors_1.NonRetryableError(errors_1.ErrorType.BackupTargetMissing, `the backup folder ${dir} does not exist (is the storage mounted?): ${what} failed; ${nothing}`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
        return new errors_1.NonRetryableError(errors_1.ErrorType.BackupTargetNotWritable, `the backup folder ${dir} cannot be written (${code}): ${what} failed; ${nothing}`);
    if (code === 'ENOSPC' || code === 'EDQUOT')
        return new errors_1.NonRetryableError(errors_1.ErrorType.BackupTargetFull, `the backup folder ${dir} is full (${code}): ${what} failed and its partial file was removed; ${nothing}`);
    return err;
}
/** `20261130T120000Z`: a time as it appears in snapshot names. */
function compactTime(t) {
    return t
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}Z$/, 'Z');
}
class SnapshotStore {
    dir;
    constructor(
    /** The stack's own folder: `VAULT_BACKUP_DIR/<stack>`; it must exist (the storage mounted), it is not created. */
    dir) {
        this.dir = dir;
    }
    /** The name a snapshot of `stack` taken at `t` gets. */
    static fileName(stack, t) {
        return `${stack}-${compactTime(t)}.snap`;
    }
    /**
     * Streams `source` into the snapshot `manifest.file` and writes its manifest; resolves with the manifest
     * as written (size and sha256 counted on the way; `late`, once the stream has ended, adds what only the
     * whole stream tells). Never overwrites a snapshot of the same name.
     */
    async write(source, meta, late = () => Promise.resolve({})) {
        const path = (0, node_path_1.join)(this.dir, meta.file);
        const tmp = (0, node_path_1.join)(this.dir, `.${meta.file}.partial-${(0, node_crypto_1.randomUUID)()}`);
        const hash = (0, node_crypto_1.createHash)('sha256');
        let size = 0;
        try {
            const fh = await (0, promises_1.open)(tmp, node_fs_1.constants.O_WRONLY | node_fs_1.constants.O_CREAT | node_fs_1.constants.O_EXCL, 0o600);
            try {
                for await (const chunk of source) {
                    hash.update(chunk);
                    size += chunk.length;
                    await fh.write(chunk);
                }
                await fh.sync();
            }
            finally {
                await fh.close();
            }
            const manifest = {
                format: 'vault-bootstrap-snapshot/v1',
                ...meta,
                ...(await late()),
                size,
                sha256: hash.digest('hex'),
            };
            await this.putInPlace(tmp, path);
            await this.writeManifest(manifest);
            return manifest;
        }
        catch (err) {
            throw targetFailure(err, this.dir, `writing ${meta.file}`);
        }
        finally {
            await (0, promises_1.rm)(tmp, { force: true }).catch(() => undefined);
        }
    }
    /** Every snapshot of the folder with a manifest, newest first, and whether its file matches its size. */
    async list() {
        let names;
        try {
            names = await (0, promises_1.readdir)(this.dir);
        }
        catch (err) {
            throw targetFailure(err, this.dir, 'listing the snapshots');
        }
        const out = [];
        for (const file of names.filter((n) => SNAPSHOT_FILE.test(n))) {
            const manifest = await this.readManifest(file);
            if (!manifest) {
                // A snapshot whose manifest was never written (a crash between the two): listed, never good.
                out.push({ manifest: orphanManifest(file), good: false });
                continue;
            }
            const size = await (0, promises_1.stat)((0, node_path_1.join)(this.dir, file)).then((s) => s.size, () => -1);
            out.push({ manifest, good: size === manifest.size });
        }
        return out.sort((a, b) => b.manifest.takenAt.localeCompare(a.manifest.takenAt));
    }
    /** Whether the file still has the sha256 its manifest says (read through once). */
    async verify(manifest) {
        const hash = (0, node_crypto_1.createHash)('sha256');
        const fh = await (0, promises_1.open)((0, node_path_1.join)(this.dir, manifest.file), node_fs_1.constants.O_RDONLY);
        try {
            for await (const chunk of fh.createReadStream())
                hash.update(chunk);
        }
        finally {
            await fh.close();
        }
        return hash.digest('hex') === manifest.sha256;
    }
    /** Removes the hidden partial files last written before `beforeMs` (a dead writer's); resolves with their names. */
    async removePartialsOlderThan(beforeMs) {
        let names;
        try {
            names = await (0, promises_1.readdir)(this.dir);
        }
        catch (err) {
            throw targetFailure(err, this.dir, 'listing the partial files');
        }
        const removed = [];
        for (const name of names.filter((n) => PARTIAL_FILE.test(n))) {
            const modified = await (0, promises_1.stat)((0, node_path_1.join)(this.dir, name)).then((s) => s.mtimeMs, () => undefined);
            if (modified === undefined || modified >= beforeMs)
                continue;
            await (0, promises_1.rm)((0, node_path_1.join)(this.dir, name), { force: true });
            removed.push(name);
        }
        return removed;
    }
    /** Removes a snapshot: its manifest first, so a crash in between leaves an orphan file, never a false pair. */
    async remove(file) {
        await (0, promises_1.rm)((0, node_path_1.join)(this.dir, `${file}${MANIFEST_SUFFIX}`), { force: true });
        await (0, promises_1.rm)((0, node_path_1.join)(this.dir, file), { force: true });
    }
    /** Records the outcome of the latest restore drill (`drill-last.json`, which retention never looks at). */
    async writeDrillRecord(record) {
        try {
            await this.writeJson(DRILL_RECORD, record);
        }
        catch (err) {
            throw targetFailure(err, this.dir, `writing ${DRILL_RECORD}`);
        }
    }
    /** The latest restore drill's outcome, if one was recorded (an unreadable record counts as none). */
    async readDrillRecord() {
        try {
            const parsed = JSON.parse(await (0, promises_1.readFile)((0, node_path_1.join)(this.dir, DRILL_RECORD), 'utf8'));
            return typeof parsed.at === 'string' && typeof parsed.ok === 'boolean'
                ? parsed
                : undefined;
        }
        catch {
            return undefined;
        }
    }
    /** The retention view of `stored`: name, time and whether it counts as a backup. */
    static entries(stored) {
        return stored.map((s) => ({
            name: s.manifest.file,
            takenAt: new Date(s.manifest.takenAt),
            good: s.good,
        }));
    }
    async putInPlace(tmp, path) {
        const exists = await (0, promises_1.stat)(path).then(() => true, () => false);
        if (exists)
            throw new Error(`${path} exists already: a snapshot is never overwritten`);
        await (0, promises_1.rename)(tmp, path);
        await (0, durable_1.fsyncParent)(path);
    }
    writeManifest(manifest) {
        return this.writeJson(`${manifest.file}${MANIFEST_SUFFIX}`, manifest);
    }
    /** Writes `name` in the folder whole or not at all: a hidden temp file, fsynced, renamed, the folder fsynced. */
    async writeJson(name, value) {
        const path = (0, node_path_1.join)(this.dir, name);
        const tmp = (0, node_path_1.join)(this.dir, `.${name}.partial-${(0, node_crypto_1.randomUUID)()}`);
        try {
            const fh = await (0, promises_1.open)(tmp, node_fs_1.constants.O_WRONLY | node_fs_1.constants.O_CREAT | node_fs_1.constants.O_EXCL, 0o600);
            try {
                await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
                await fh.sync();
            }
            finally {
                await fh.close();
            }
            await (0, promises_1.rename)(tmp, path);
            await (0, durable_1.fsyncParent)(path);
        }
        finally {
            await (0, promises_1.rm)(tmp, { force: true }).catch(() => undefined);
        }
    }
    /** The manifest beside snapshot `file`, when there is one that names it (an unreadable one counts as none). */
    async readManifest(file) {
        try {
            const parsed = JSON.parse(await (0, promises_1.readFile)((0, node_path_1.join)(this.dir, `${file}${MANIFEST_SUFFIX}`), 'utf8'));
            return parsed.format === 'vault-bootstrap-snapshot/v1' && parsed.file === file
                ? parsed
                : undefined;
        }
        catch {
            return undefined;
        }
    }
}
exports.SnapshotStore = SnapshotStore;
/** What is known of a snapshot file without a manifest: its name, and the time in it. */
function orphanManifest(file) {
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
//# sourceMappingURL=snapshot-store.js.map