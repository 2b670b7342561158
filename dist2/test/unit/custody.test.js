"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const file_custody_1 = require("../../src/custody/file-custody");
const errors_1 = require("../../src/shared/errors");
const secrets = { unsealKey: 'dW5zZWFsLWtleS1mb3ItdGVzdHMtb25seQ==', rootToken: 's.test-root-token-value' };
function fresh() {
    const base = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-custody-'));
    const dir = (0, node_path_1.join)(base, 'custody');
    const keyFile = (0, node_path_1.join)(base, 'custody.key');
    return { custody: new file_custody_1.FileKeyCustody({ dir, keyFile }), dir, keyFile };
}
function custodyError(kind) {
    return (err) => {
        strict_1.default.ok(err instanceof errors_1.CustodyError, String(err));
        strict_1.default.equal(err.kind, kind);
        strict_1.default.ok(!err.message.includes(secrets.unsealKey) && !err.message.includes(secrets.rootToken));
        return true;
    };
}
(0, node_test_1.describe)('file key custody', () => {
    (0, node_test_1.it)('round-trips, encrypted at rest, owner-only', async () => {
        const { custody, dir, keyFile } = fresh();
        strict_1.default.equal(await custody.describe('s1'), undefined);
        await strict_1.default.rejects(custody.read('s1'), custodyError('UnsealKeyUnavailable'));
        await custody.assertWritable('s1');
        const info = await custody.store('s1', secrets);
        const back = await custody.read('s1');
        strict_1.default.equal(back.unsealKey, secrets.unsealKey);
        strict_1.default.equal(back.rootToken, secrets.rootToken);
        strict_1.default.equal(back.keyId, info.keyId);
        const raw = (0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 's1.json'), 'utf8');
        strict_1.default.ok(!raw.includes(secrets.unsealKey) && !raw.includes(secrets.rootToken) && !raw.includes('test-root'));
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(dir), ['s1.json'], 'no probe or temp files left behind');
        const { statSync } = await import('node:fs');
        strict_1.default.equal(statSync((0, node_path_1.join)(dir, 's1.json')).mode & 0o777, 0o600);
        strict_1.default.equal(statSync(keyFile).mode & 0o777, 0o600);
        strict_1.default.equal(statSync(dir).mode & 0o777, 0o700);
    });
    (0, node_test_1.it)('setTokens rewrites the tokens of the same record only: the id and the unseal key stay', async () => {
        const { custody, dir } = fresh();
        const info = await custody.store('s1', secrets);
        await custody.setTokens('s1', info.keyId, { rootToken: secrets.rootToken, workerToken: 's.worker' });
        let back = await custody.read('s1');
        strict_1.default.deepEqual({ ...back }, { ...secrets, workerToken: 's.worker', ...info }, 'both tokens, same id and key');
        await custody.setTokens('s1', info.keyId, { workerToken: 's.worker' });
        back = await custody.read('s1');
        strict_1.default.equal(back.rootToken, undefined, 'the root token is gone from the record');
        strict_1.default.equal(back.unsealKey, secrets.unsealKey);
        strict_1.default.ok(!(0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 's1.json'), 'utf8').includes('s.worker'), 'encrypted');
        strict_1.default.deepEqual((0, node_fs_1.readdirSync)(dir), ['s1.json'], 'no temp file left behind');
        await strict_1.default.rejects(custody.setTokens('s1', 'another-id', { workerToken: 'x' }), custodyError('CustodyCorrupt'));
        await strict_1.default.rejects(custody.setTokens('s2', info.keyId, { workerToken: 'x' }), custodyError('CustodyCorrupt'));
        strict_1.default.equal((await custody.read('s1')).workerToken, 's.worker', 'a refused rewrite changes nothing');
    });
    (0, node_test_1.it)('never overwrites a record; the new secrets are kept beside it', async () => {
        const { custody, dir } = fresh();
        const first = await custody.store('s1', secrets);
        await strict_1.default.rejects(custody.store('s1', { unsealKey: 'other', rootToken: 'other' }), custodyError('CustodyCorrupt'));
        strict_1.default.equal((await custody.read('s1')).keyId, first.keyId);
        strict_1.default.equal((0, node_fs_1.readdirSync)(dir).filter((f) => f.includes('.conflict-')).length, 1);
    });
    (0, node_test_1.it)('refuses a record readable by others', async () => {
        const { custody, dir } = fresh();
        await custody.store('s1', secrets);
        (0, node_fs_1.chmodSync)((0, node_path_1.join)(dir, 's1.json'), 0o644);
        await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
    });
    (0, node_test_1.it)('names a corrupt record and a wrong key file', async () => {
        const { custody, dir, keyFile } = fresh();
        await custody.store('s1', secrets);
        (0, node_fs_1.writeFileSync)(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
        await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 's1.json'), '{not json', { mode: 0o600 });
        await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
    });
    (0, node_test_1.it)('does not decrypt a record moved to another stack name', async () => {
        const { custody, dir } = fresh();
        await custody.store('s1', secrets);
        const rec = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 's1.json'), 'utf8'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 's2.json'), JSON.stringify({ ...rec, stack: 's2' }), { mode: 0o600 });
        await strict_1.default.rejects(custody.read('s2'), custodyError('CustodyCorrupt'));
    });
    (0, node_test_1.it)('reports an unwritable folder by name', async () => {
        // A folder below a regular file can never be created (ENOTDIR), even for root.
        const base = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-custody-'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(base, 'file'), '');
        const custody = new file_custody_1.FileKeyCustody({
            dir: (0, node_path_1.join)(base, 'file', 'custody'),
            keyFile: (0, node_path_1.join)(base, 'custody.key'),
        });
        await strict_1.default.rejects(custody.assertWritable('s1'), (err) => err instanceof errors_1.CustodyError &&
            err.kind === 'CustodyNotWritable' &&
            /not writable: ENOTDIR/.test(err.message));
    });
    (0, node_test_1.it)('importRecord without the key file: CustodyKeyFileMissing, and no key file is made', async () => {
        const source = fresh();
        await source.custody.store('s1', secrets);
        const exported = await source.custody.exportRecord('s1');
        strict_1.default.ok(exported);
        const target = fresh();
        await strict_1.default.rejects(target.custody.importRecord('s1', exported.text), custodyError('CustodyKeyFileMissing'));
        strict_1.default.equal((0, node_fs_1.existsSync)(target.keyFile), false, 'a fresh key would never open the replica');
        strict_1.default.equal((0, node_fs_1.existsSync)((0, node_path_1.join)(target.dir, 's1.json')), false);
    });
    (0, node_test_1.describe)('lifecycle (issue 10, item 7)', () => {
        (0, node_test_1.it)('a lost key file is not regenerated while records exist: CustodyKeyFileMissing', async () => {
            const { custody, keyFile } = fresh();
            await custody.store('s1', secrets);
            (0, node_fs_1.rmSync)(keyFile);
            await strict_1.default.rejects(custody.assertWritable('s2'), custodyError('CustodyKeyFileMissing'));
            await strict_1.default.rejects(custody.store('s2', secrets), custodyError('CustodyKeyFileMissing'));
            await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyKeyFileMissing'));
            strict_1.default.equal((0, node_fs_1.existsSync)(keyFile), false, 'no new key was made');
        });
        (0, node_test_1.it)('two processes creating the key at once: one key, both records readable', async () => {
            const { dir, keyFile } = fresh();
            const a = new file_custody_1.FileKeyCustody({ dir, keyFile });
            const b = new file_custody_1.FileKeyCustody({ dir, keyFile });
            await Promise.all([a.store('s1', secrets), b.store('s2', secrets)]);
            const c = new file_custody_1.FileKeyCustody({ dir, keyFile });
            strict_1.default.equal((await c.read('s1')).unsealKey, secrets.unsealKey);
            strict_1.default.equal((await c.read('s2')).unsealKey, secrets.unsealKey);
        });
        (0, node_test_1.it)('two stores of different secrets at once: exactly one record, the other refused', async () => {
            const { dir, keyFile } = fresh();
            const a = new file_custody_1.FileKeyCustody({ dir, keyFile });
            await a.assertWritable('s1'); // the key exists: only the record races
            const b = new file_custody_1.FileKeyCustody({ dir, keyFile });
            const results = await Promise.allSettled([
                a.store('s1', secrets),
                b.store('s1', { unsealKey: 'b3RoZXI=', rootToken: 's.other' }),
            ]);
            const stored = results.filter((r) => r.status === 'fulfilled');
            strict_1.default.equal(stored.length, 1, 'never two records for one stack');
            strict_1.default.equal((await a.read('s1')).keyId, stored[0]?.value.keyId);
        });
        (0, node_test_1.it)('the same secrets stored again (a retry after a failed folder fsync): the existing record, no conflict', async () => {
            const { custody, dir } = fresh();
            const first = await custody.store('s1', secrets);
            strict_1.default.deepEqual(await custody.store('s1', secrets), first);
            strict_1.default.deepEqual((0, node_fs_1.readdirSync)(dir), ['s1.json']);
        });
        (0, node_test_1.it)('symbolic links are not followed: record, key file and folder', async () => {
            const { custody, dir, keyFile } = fresh();
            await custody.store('s1', secrets);
            const elsewhere = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-elsewhere-'));
            (0, node_fs_1.renameSync)((0, node_path_1.join)(dir, 's1.json'), (0, node_path_1.join)(elsewhere, 's1.json'));
            (0, node_fs_1.symlinkSync)((0, node_path_1.join)(elsewhere, 's1.json'), (0, node_path_1.join)(dir, 's1.json'));
            await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
            (0, node_fs_1.rmSync)((0, node_path_1.join)(dir, 's1.json'));
            (0, node_fs_1.renameSync)((0, node_path_1.join)(elsewhere, 's1.json'), (0, node_path_1.join)(dir, 's1.json'));
            (0, node_fs_1.renameSync)(keyFile, (0, node_path_1.join)(elsewhere, 'custody.key'));
            (0, node_fs_1.symlinkSync)((0, node_path_1.join)(elsewhere, 'custody.key'), keyFile);
            await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyPermissionsTooOpen'));
            const linkedDir = new file_custody_1.FileKeyCustody({ dir: elsewhere + '-link', keyFile: (0, node_path_1.join)(elsewhere, 'k') });
            (0, node_fs_1.symlinkSync)(dir, elsewhere + '-link');
            await strict_1.default.rejects(linkedDir.describe('s1'), custodyError('CustodyPermissionsTooOpen'));
        });
        (0, node_test_1.it)('a record owned by another user is refused', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
            const { custody, dir } = fresh();
            await custody.store('s1', secrets);
            (0, node_fs_1.chownSync)((0, node_path_1.join)(dir, 's1.json'), 4242, 4242);
            await strict_1.default.rejects(custody.read('s1'), (err) => {
                custodyError('CustodyPermissionsTooOpen')(err);
                strict_1.default.match(err.message, /owned by uid 4242/);
                return true;
            });
        });
        (0, node_test_1.it)('the GCM tag length is pinned to 16 bytes: a truncated tag does not decrypt', async () => {
            const { custody, dir } = fresh();
            await custody.store('s1', secrets);
            const path = (0, node_path_1.join)(dir, 's1.json');
            const rec = JSON.parse((0, node_fs_1.readFileSync)(path, 'utf8'));
            const short = Buffer.from(rec.tag ?? '', 'base64')
                .subarray(0, 4)
                .toString('base64');
            (0, node_fs_1.writeFileSync)(path, JSON.stringify({ ...rec, tag: short }), { mode: 0o600 });
            await strict_1.default.rejects(custody.read('s1'), custodyError('CustodyCorrupt'));
        });
    });
});
//# sourceMappingURL=custody.test.js.map