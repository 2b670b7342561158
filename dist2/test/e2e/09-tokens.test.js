"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * No standing root token, on the test bed (real OpenBao, real Temporal): after a bootstrap custody holds the
 * worker's token only and Vault knows no root token; `vault-bootstrap root-token` hands out one that works,
 * which the BreakGlassRootToken workflow revokes after its TTL even though the worker was down when the TTL
 * ended (a durable timer), well before Vault's own expiry of it (TTL + 5 min).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const tokens_1 = require("../../src/activities/tokens");
const file_custody_1 = require("../../src/custody/file-custody");
const gateway_1 = require("../../src/docker/gateway");
const gateway_2 = require("../../src/vault/gateway");
const certs_1 = require("../support/certs");
const bootstrapped_1 = require("../support/bootstrapped");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
const TTL_SECONDS = 30;
(0, node_test_1.describe)('no standing root token; break glass on demand', () => {
    const run = new testbed_1.TestRun();
    const certs = new certs_1.TestCertificates(run.dir);
    const extra = { VAULT_CERT_DIR: certs.dir };
    const gateway = new gateway_1.DockerGateway('/var/run/docker.sock');
    let client;
    let connection;
    (0, node_test_1.before)(async () => {
        ({ client, connection } = await (0, bootstrapped_1.bootstrapWithOwnCa)(run, certs, extra));
    });
    (0, node_test_1.after)(async () => {
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
        await connection.close();
    });
    async function leaderClient() {
        const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
        strict_1.default.ok(task?.address, 'vault-1 runs');
        return new gateway_2.VaultNodeClient('vault-1', { host: task.address, port: 8200, serverName: 'vault-1' }, { mode: 'tunnel', host: '127.0.0.1', port: 18200 }, (0, node_fs_1.readFileSync)((0, node_path_1.join)(certs.dir, 'ca.pem')), { requestMs: 5000, initMs: 5000 });
    }
    (0, node_test_1.it)('leaves the worker token only; a break-glass token works, and is revoked after its TTL across a worker restart', async () => {
        const held = await new file_custody_1.FileKeyCustody({
            dir: (0, node_path_1.join)(run.dir, 'custody'),
            keyFile: (0, node_path_1.join)(run.dir, 'custody.key'),
        }).read(run.stack);
        strict_1.default.equal(held.rootToken, undefined, 'custody holds no root token');
        strict_1.default.ok(held.workerToken, 'custody holds the worker token');
        const issued = await run.client(['root-token', '--ttl', `${TTL_SECONDS}s`], extra);
        strict_1.default.equal(issued.code, 0, issued.out);
        const token = issued.stdout.trim();
        strict_1.default.match(token, /^\S+$/, 'one token on stdout');
        const workflowId = /by workflow (\S+)/.exec(issued.out)?.[1];
        strict_1.default.ok(workflowId, issued.out);
        const issuedAt = Date.now();
        // The break-glass token is root: it lists every token. Exactly two: the worker's, and itself.
        const vault = await leaderClient();
        const self = await vault.lookupSelf(token);
        strict_1.default.deepEqual(self?.policies, ['root']);
        const tokens = [];
        for (const accessor of await vault.listAccessors(token)) {
            const info = await vault.lookupAccessor(token, accessor);
            if (info)
                tokens.push(info);
        }
        console.log('token accessors after the bootstrap, with the break-glass token:');
        for (const t of tokens)
            console.log(`  ${t.accessor}  policies=${t.policies.join(',')}  name=${t.displayName}  ttl=${t.ttlSeconds}s`);
        strict_1.default.deepEqual(tokens.filter((t) => t.policies.includes('root')).map((t) => t.accessor), [self?.accessor], 'no root token but the break-glass one');
        const workers = tokens.filter((t) => t.policies.includes(tokens_1.WORKER_POLICY));
        strict_1.default.equal(workers.length, 1, 'one worker token');
        strict_1.default.deepEqual(workers[0].policies, [tokens_1.WORKER_POLICY]);
        strict_1.default.equal(tokens.length, 2, 'nothing else');
        // The worker is down when the TTL ends: the token outlives it until a worker runs the timer's revocation.
        await run.stopWorkers();
        await (0, wait_1.sleep)(Math.max(0, issuedAt + (TTL_SECONDS + 10) * 1000 - Date.now()));
        strict_1.default.ok(await vault.lookupSelf(token), 'still valid while no worker runs (Vault expires it only later)');
        run.startWorker(extra);
        const revoked = await client.workflow.getHandle(workflowId).result();
        strict_1.default.deepEqual(revoked, { accessor: self?.accessor, revoked: true, alreadyGone: false });
        strict_1.default.equal(await vault.lookupSelf(token), undefined, 'the break-glass token is revoked');
        const after = (Date.now() - issuedAt) / 1000;
        strict_1.default.ok(after < TTL_SECONDS + tokens_1.BREAK_GLASS_GRACE_SECONDS, `revoked by the workflow (${after.toFixed(0)} s)`);
        console.log(`break-glass token revoked ${after.toFixed(1)} s after it was issued (TTL ${TTL_SECONDS} s)`);
        // Neither token, in any form, is in the workflow's history.
        const text = (0, history_1.historyText)(await (0, history_1.historyOf)(client, workflowId));
        for (const secret of [token, held.workerToken])
            for (const form of (0, history_1.secretForms)(secret))
                strict_1.default.ok(!text.includes(form), 'no token in the history');
    });
});
//# sourceMappingURL=09-tokens.test.js.map