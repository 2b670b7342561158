"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Bad input on a bootstrapped cluster: each case fails by name (the workflow's failure type, as the
 * client prints it), changes nothing, and loses nothing: afterwards the same stack bootstraps again with
 * the key it was initialized with. The placeholder secret mounted again (a redeploy with the stack file's
 * default secret name) is not a failure: a full run swaps the same key back in.
 *
 * Covered elsewhere, not repeated here: a stack file whose replica count is not 3 and the other malformed
 * configurations the worker and client refuse at start (test/e2e/04-bad-input.test.ts), no key / another
 * key in custody (test/e2e/02-bootstrap.test.ts), a Vault answering an unexpected version
 * (test/unit/vault-gateway.test.ts).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const constants_1 = require("../../src/shared/constants");
const history_1 = require("../support/history");
const snapshot_1 = require("../support/snapshot");
const testbed_1 = require("../support/testbed");
const end_state_1 = require("./end-state");
const stack_state_1 = require("./stack-state");
const summary_1 = require("./summary");
/** Each case is a few bootstrap runs at most; a stuck one fails instead of hanging the suite. */
const T = { timeout: 15 * 60_000 };
function exited(worker) {
    if (worker.exitCode !== null)
        return Promise.resolve(worker.exitCode);
    return new Promise((r) => worker.once('exit', (code) => r(code)));
}
(0, node_test_1.describe)('bad input: a named error, nothing changed, nothing lost', () => {
    const run = new testbed_1.TestRun();
    const { dir: custodyDir, keyFile, custody } = (0, stack_state_1.custodyOf)(run);
    const record = (0, node_path_1.join)(custodyDir, `${run.stack}.json`);
    const service = `${run.stack}_vault`;
    let client;
    let connection;
    let keyId;
    (0, node_test_1.before)(async () => {
        ({ client, connection } = await (0, history_1.temporalClient)(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
        run.startWorker();
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 0, res.out);
        const info = await custody.describe(run.stack);
        strict_1.default.ok(info);
        keyId = info.keyId;
    });
    (0, node_test_1.after)(async () => {
        try {
            await (0, end_state_1.cleanupWithoutLeaks)(run);
        }
        finally {
            await connection.close();
        }
    });
    (0, summary_1.summaryAfterAll)('bad input');
    /**
     * Runs `bootstrap --wait`: exit 1, `<type>: …` with `message`, and no change in Docker or custody.
     * Which step meets a bad input follows from the step order (the first step that reads it), so the step
     * is asserted only where it is the point of the case: `preflight`, which refuses before any step acts.
     */
    async function failsByName(type, message, { step } = {}) {
        const before = await (0, snapshot_1.snapshot)(run, custodyDir);
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 1, res.out);
        strict_1.default.match(res.out, new RegExp(`BootstrapVault failed: ${type}: `));
        strict_1.default.match(res.out, message);
        if (step)
            strict_1.default.match(res.out, new RegExp(`${step}\\s+failed`));
        (0, summary_1.count)('namedFailures');
        strict_1.default.deepEqual(await (0, snapshot_1.snapshot)(run, custodyDir), before, 'nothing changed in Docker or custody');
        return res.out;
    }
    /** A full run completes again, on the key the stack was initialized with. */
    async function stillBootstraps() {
        const res = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(res.code, 0, res.out);
        (0, summary_1.count)('runsCompleted');
        const info = await custody.describe(run.stack).catch(() => undefined);
        (0, summary_1.count)('keysLost', info?.keyId === keyId ? 0 : 1, `${run.stack}: custody record ${info?.keyId} after a bad input`);
        strict_1.default.equal(info?.keyId, keyId, 'the same custody record');
        return res.out;
    }
    (0, node_test_1.it)('a custody record that is not JSON: CustodyCorrupt', T, async () => {
        const saved = (0, node_fs_1.readFileSync)(record);
        try {
            (0, node_fs_1.writeFileSync)(record, '{ "format": "vault-bootstrap-custody/v1", ');
            (0, summary_1.count)('faultsInjected');
            await failsByName('CustodyCorrupt', /is not valid JSON/);
        }
        finally {
            (0, node_fs_1.writeFileSync)(record, saved);
        }
    });
    (0, node_test_1.it)('a custody record that does not decrypt: CustodyCorrupt', T, async () => {
        const saved = (0, node_fs_1.readFileSync)(record);
        try {
            const rec = JSON.parse(saved.toString('utf8'));
            const flip = rec.ciphertext.startsWith('A') ? 'B' : 'A';
            (0, node_fs_1.writeFileSync)(record, JSON.stringify({ ...rec, ciphertext: flip + rec.ciphertext.slice(1) }));
            (0, summary_1.count)('faultsInjected');
            await failsByName('CustodyCorrupt', /does not decrypt/);
        }
        finally {
            (0, node_fs_1.writeFileSync)(record, saved);
        }
    });
    (0, node_test_1.it)('a custody record readable by others: CustodyPermissionsTooOpen', T, async () => {
        try {
            (0, node_fs_1.chmodSync)(record, 0o644);
            (0, summary_1.count)('faultsInjected');
            await failsByName('CustodyPermissionsTooOpen', /has mode 644/);
        }
        finally {
            (0, node_fs_1.chmodSync)(record, 0o600);
        }
    });
    (0, node_test_1.it)('a custody key file readable by others: CustodyPermissionsTooOpen at preflight', T, async () => {
        try {
            (0, node_fs_1.chmodSync)(keyFile, 0o640);
            (0, summary_1.count)('faultsInjected');
            await failsByName('CustodyPermissionsTooOpen', /custody key file .* has mode 640/, {
                step: 'preflight',
            });
        }
        finally {
            (0, node_fs_1.chmodSync)(keyFile, 0o600);
        }
        await stillBootstraps();
    });
    (0, node_test_1.it)('a running service scaled to 2: UnexpectedServiceShape, and back at 3 it heals', T, async () => {
        await (0, testbed_1.dockerCli)(['service', 'scale', '--detach=false', `${service}=2`]);
        (0, summary_1.count)('faultsInjected');
        try {
            await failsByName('UnexpectedServiceShape', /runs 2 replicas, the bootstrap needs 3/);
        }
        finally {
            await (0, testbed_1.dockerCli)(['service', 'scale', '--detach=false', `${service}=3`]);
        }
        const out = await stillBootstraps(); // vault-3 came back sealed, with its Raft data
        strict_1.default.match(out, /unsealPeers\s+done\s+unsealed vault-3/);
    });
    (0, node_test_1.it)('a cert folder without the CA: the worker refuses to start, preflight says CertificatesMissing', T, async () => {
        const certs = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-certs-no-ca-'));
        for (const f of ['fullchain.pem', 'privkey.pem'])
            (0, node_fs_1.copyFileSync)((0, node_path_1.join)(run.bed.VAULT_CERT_DIR ?? '', f), (0, node_path_1.join)(certs, f));
        await run.stopWorkers();
        const refused = run.startWorker({ VAULT_CERT_DIR: certs });
        strict_1.default.equal(await exited(refused), 2);
        strict_1.default.match((0, node_fs_1.readFileSync)(run.workerLog, 'utf8'), /VAULT_CA_FILE: expected a PEM CA bundle file, got ".*ca\.pem"/);
        (0, summary_1.count)('faultsInjected');
        // The worker's own CA elsewhere, the folder Vault mounts still without it: preflight names the file.
        run.startWorker({ VAULT_CERT_DIR: certs, VAULT_CA_FILE: (0, node_path_1.join)(run.bed.VAULT_CERT_DIR ?? '', 'ca.pem') });
        (0, summary_1.count)('faultsInjected');
        try {
            await failsByName('CertificatesMissing', /TLS file .*ca\.pem is missing/, { step: 'preflight' });
        }
        finally {
            await run.stopWorkers();
            run.startWorker();
        }
    });
    (0, node_test_1.it)('the placeholder mounted where the key is expected: a full run swaps the same key back in', T, async () => {
        // What a redeploy with the stack file's default secret name does: the placeholder is mounted again.
        await run.docker.createSecret({
            Name: run.secretBase,
            Labels: { [constants_1.LABEL_KIND]: 'placeholder', [constants_1.LABEL_VERSION]: '0', [constants_1.LABEL_STACK]: run.stack },
            Data: Buffer.from('placeholder\n').toString('base64'),
        });
        await (0, testbed_1.dockerCli)([
            'service',
            'update',
            '--detach=false',
            '--secret-rm',
            `${run.secretBase}_v1`,
            '--secret-add',
            `source=${run.secretBase},target=vault_unseal_key`,
            service,
        ]);
        (0, summary_1.count)('faultsInjected');
        // The swap restarted every task sealed; rotateUnsealKeySecret sees the placeholder mounted and the
        // key in custody, and mounts the key again (the same custody record: stillBootstraps checks it).
        const out = await stillBootstraps();
        strict_1.default.match(out, /rotateUnsealKeySecret\s+done\s+rotated to \S+_v1; removed \S+_vault_unseal_key\b/);
    });
    (0, node_test_1.it)('after all of it: one init, the same key, one secret version, no key material anywhere', T, async () => {
        await stillBootstraps();
        const result = await client.workflow
            .getHandle((0, constants_1.bootstrapWorkflowId)(run.stack))
            .result();
        await (0, end_state_1.assertBootstrapped)(run, client, result);
    });
});
//# sourceMappingURL=bad-input.test.js.map