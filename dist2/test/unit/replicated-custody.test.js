"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * ReplicatedKeyCustody over real file custody folders (two "nodes" sharing one key file, as the worker stack's
 * workers share the key secret) and an in-memory replica store standing in for the swarm's configs.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const file_custody_1 = require("../../src/custody/file-custody");
const replicated_custody_1 = require("../../src/custody/replicated-custody");
const errors_1 = require("../../src/shared/errors");
const secrets = { unsealKey: 'dW5zZWFsLWtleS1mb3ItdGVzdHMtb25seQ==', rootToken: 's.test-root-token-value' };
const STACK = 'iklimco';
class MemoryReplicas {
    copies = new Map();
    next = 0;
    failPuts = false;
    list(stack) {
        return Promise.resolve([...this.copies.values()].filter((c) => c.stack === stack));
    }
    put(stack, keyId, seq, text) {
        if (this.failPuts)
            return Promise.reject(new Error('the swarm has no leader'));
        const id = `c${this.next++}`;
        this.copies.set(id, { id, stack, keyId, seq, text });
        return Promise.resolve();
    }
    remove(id) {
        this.copies.delete(id);
        return Promise.resolve();
    }
}
/** Two nodes' custody folders, one shared key file, one replica store. */
function cluster() {
    const base = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-replicated-'));
    const keyFile = (0, node_path_1.join)(base, 'custody.key');
    const replicas = new MemoryReplicas();
    const node = (name) => {
        const dir = (0, node_path_1.join)(base, name, 'custody');
        const file = new file_custody_1.FileKeyCustody({ dir, keyFile });
        return { dir, file, custody: new replicated_custody_1.ReplicatedKeyCustody(file, replicas) };
    };
    return { base, keyFile, replicas, a: node('a'), b: node('b') };
}
(0, node_test_1.describe)('replicated key custody', () => {
    (0, node_test_1.it)('a record stored on one node is read on another whose folder is empty (the writer node lost)', async () => {
        const { a, b, replicas } = cluster();
        const info = await a.custody.store(STACK, secrets);
        strict_1.default.equal(replicas.copies.size, 1);
        const copy = [...replicas.copies.values()][0];
        strict_1.default.equal(copy.keyId, info.keyId);
        strict_1.default.ok(!copy.text.includes(secrets.unsealKey) && !copy.text.includes(secrets.rootToken), 'copy is encrypted');
        (0, node_fs_1.rmSync)(a.dir, { recursive: true }); // node a and its volume are gone
        const held = await b.custody.read(STACK);
        strict_1.default.equal(held.unsealKey, secrets.unsealKey);
        strict_1.default.equal(held.keyId, info.keyId);
        strict_1.default.equal((await b.file.read(STACK)).unsealKey, secrets.unsealKey, 'now on b as well');
    });
    (0, node_test_1.it)('setTokens on one node reaches the other, and only the newest copy is kept', async () => {
        const { a, b, replicas } = cluster();
        const { keyId } = await a.custody.store(STACK, secrets);
        await b.custody.read(STACK); // b holds revision 0
        await a.custody.setTokens(STACK, keyId, { workerToken: 's.worker' });
        strict_1.default.deepEqual([...replicas.copies.values()].map((c) => c.seq), [1]);
        const held = await b.custody.read(STACK);
        strict_1.default.equal(held.workerToken, 's.worker');
        strict_1.default.equal(held.rootToken, undefined);
        strict_1.default.equal(held.unsealKey, secrets.unsealKey);
    });
    (0, node_test_1.it)('a local write whose copy failed is copied by the next call (a crash between the two)', async () => {
        const { a, b, replicas } = cluster();
        replicas.failPuts = true;
        await strict_1.default.rejects(a.custody.store(STACK, secrets), /no leader/);
        strict_1.default.equal((await a.file.read(STACK)).unsealKey, secrets.unsealKey, 'the key is on disk regardless');
        replicas.failPuts = false;
        await a.custody.describe(STACK);
        strict_1.default.equal(replicas.copies.size, 1);
        strict_1.default.equal((await b.custody.read(STACK)).unsealKey, secrets.unsealKey);
    });
    (0, node_test_1.it)('a retried store of the same secrets neither forks nor duplicates the copy', async () => {
        const { a, replicas } = cluster();
        const first = await a.custody.store(STACK, secrets);
        const again = await a.custody.store(STACK, secrets);
        strict_1.default.equal(again.keyId, first.keyId);
        strict_1.default.equal(replicas.copies.size, 1);
    });
    (0, node_test_1.it)('records of two initializations are refused by name, and neither is overwritten', async () => {
        const { a, b, replicas } = cluster();
        replicas.failPuts = true;
        await strict_1.default.rejects(a.custody.store(STACK, secrets));
        replicas.failPuts = false;
        await b.custody.store(STACK, { unsealKey: 'b3RoZXIta2V5' }); // b never saw a's record
        const before = (0, node_fs_1.readFileSync)((0, node_path_1.join)(a.dir, `${STACK}.json`), 'utf8');
        await strict_1.default.rejects(a.custody.read(STACK), (err) => {
            strict_1.default.ok(err instanceof errors_1.CustodyError);
            strict_1.default.equal(err.kind, 'CustodyCorrupt');
            strict_1.default.match(err.message, /different initializations/);
            strict_1.default.ok(!err.message.includes(secrets.unsealKey));
            return true;
        });
        strict_1.default.equal((0, node_fs_1.readFileSync)((0, node_path_1.join)(a.dir, `${STACK}.json`), 'utf8'), before);
    });
    (0, node_test_1.it)('a copy that does not decrypt with this custody key is refused and not written', async () => {
        const { a, b, keyFile } = cluster();
        await a.custody.store(STACK, secrets);
        (0, node_fs_1.writeFileSync)(keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 }); // another key
        await strict_1.default.rejects(b.custody.read(STACK), (err) => {
            strict_1.default.ok(err instanceof errors_1.CustodyError);
            strict_1.default.equal(err.kind, 'CustodyCorrupt');
            strict_1.default.match(err.message, /custody replica does not decrypt/);
            return true;
        });
        strict_1.default.equal(await b.file.describe(STACK), undefined);
    });
    (0, node_test_1.it)('no record anywhere is UnsealKeyUnavailable, as for the file custody', async () => {
        const { a } = cluster();
        await strict_1.default.rejects(a.custody.read(STACK), (err) => err instanceof errors_1.CustodyError && err.kind === 'UnsealKeyUnavailable');
    });
});
//# sourceMappingURL=replicated-custody.test.js.map