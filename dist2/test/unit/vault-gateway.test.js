"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The Vault gateway against a small local HTTPS server (127.0.0.1, a certificate made with openssl for this
 * test, server name vault-1, `direct` addressing): a node answering with a version this bootstrap does not
 * know is refused as a VaultProtocolError, which the activities turn into the non-retryable
 * `UnexpectedVaultResponse`.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_http_1 = require("node:http");
const node_https_1 = require("node:https");
const node_net_1 = require("node:net");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const errors_1 = require("../../src/shared/errors");
const gateway_1 = require("../../src/vault/gateway");
const certs_1 = require("../support/certs");
const fakes_1 = require("../support/fakes");
/** A CA and a server certificate for vault-1 and 127.0.0.1, made once per test file. */
const certificates = (async () => {
    const certs = new certs_1.TestCertificates((0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-gw-')));
    await certs.createCa();
    await certs.issueServer(1);
    return certs.dir;
})();
/** What the fake node answers on seal-status and unseal; the tests change it between calls. */
let sealStatus = {};
function answer(overrides) {
    return {
        type: 'shamir',
        initialized: true,
        sealed: true,
        t: 1,
        n: 1,
        progress: 0,
        version: '2.7.2',
        ...overrides,
    };
}
/**
 * A fake Vault node for the surrounding `describe`: an HTTPS server on 127.0.0.1 with the test bed's
 * certificate, answering `route(url)`. Returns a factory of gateway clients for it (`direct`, vault-1).
 */
function fakeNode(route) {
    let ca = Buffer.alloc(0);
    let server;
    let port = 0;
    (0, node_test_1.before)(async () => {
        const dir = await certificates;
        ca = (0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 'ca.pem'));
        server = (0, node_https_1.createServer)({ cert: (0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 'fullchain.pem')), key: (0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, 'privkey.pem')) }, (req, res) => {
            req.resume();
            const reply = route(req.url ?? '', req.headers);
            setTimeout(() => {
                res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
                res.end(JSON.stringify(reply.body));
            }, reply.delayMs ?? 0);
        });
        await new Promise((r) => server?.listen(0, '127.0.0.1', r));
        port = server.address().port;
    });
    (0, node_test_1.after)(() => {
        server?.closeAllConnections();
        return new Promise((r) => (server ? server.close(() => r()) : r()));
    });
    return (timeouts) => new gateway_1.VaultNodeClient('vault-1', { host: '127.0.0.1', port, serverName: 'vault-1' }, { mode: 'direct' }, ca, timeouts);
}
(0, node_test_1.describe)('Vault gateway: version check', () => {
    const node = fakeNode((url) => url === '/v1/sys/seal-status' || url === '/v1/sys/unseal'
        ? { body: sealStatus }
        : { status: 404, body: { errors: [] } });
    const client = () => node({ requestMs: 5_000, initMs: 5_000 });
    for (const version of ['2.7.2', '1.17.6', '1.17.6+ent', '1.4.0-rc1', '10.0.0']) {
        (0, node_test_1.it)(`accepts version ${version}`, async () => {
            sealStatus = answer({ version });
            const s = await client().sealStatus();
            strict_1.default.equal(s.version, version);
            strict_1.default.equal(s.sealed, true);
        });
    }
    for (const version of ['0.11.6', 'v1.17.6', '1.17', '', 'OpenBao', 17, null, undefined]) {
        (0, node_test_1.it)(`refuses version ${JSON.stringify(version) ?? 'absent'} as a VaultProtocolError`, async () => {
            sealStatus = answer({ version });
            await strict_1.default.rejects(client().sealStatus(), (err) => {
                strict_1.default.ok(err instanceof errors_1.VaultProtocolError, String(err));
                strict_1.default.match(err.message, /vault-1 reports version .* in seal-status; expected .*major\.minor\.patch/);
                return true;
            });
        });
    }
    (0, node_test_1.it)('checks the version in the answer to an unseal too, and never echoes the key', async () => {
        sealStatus = answer({ version: '0.9.0', sealed: false });
        const key = 'c2VjcmV0LXVuc2VhbC1rZXktZm9yLXRlc3Rz';
        await strict_1.default.rejects(client().unseal(key), (err) => {
            strict_1.default.ok(err instanceof errors_1.VaultProtocolError, String(err));
            strict_1.default.ok(!err.message.includes(key));
            return true;
        });
    });
    (0, node_test_1.it)('still refuses a seal type other than Shamir', async () => {
        sealStatus = answer({ type: 'awskms' });
        await strict_1.default.rejects(client().sealStatus(), /uses seal type "awskms"/);
    });
    (0, node_test_1.it)('activities turn a VaultProtocolError into the non-retryable UnexpectedVaultResponse', () => {
        const failure = (0, errors_1.toFailure)(new errors_1.VaultProtocolError('vault-1 reports version "0.9.0"'));
        strict_1.default.ok(failure instanceof common_1.ApplicationFailure);
        strict_1.default.equal(failure.type, 'UnexpectedVaultResponse');
        strict_1.default.equal(failure.nonRetryable, true);
    });
    (0, node_test_1.it)('an activity meeting that node fails by name at once (not after its wait deadline)', async () => {
        sealStatus = answer({ version: '0.9.0' });
        const w = (0, fakes_1.fakeWorld)({ vaultNode: () => client() });
        await w.swarm.createSecret(w.secretBase, Buffer.from('placeholder'), {});
        await w.swarm.givenService(w.stack, w.secretBase);
        w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
        await strict_1.default.rejects(w.run(w.acts.unsealLeader, w.input), (err) => {
            strict_1.default.ok(err instanceof common_1.ApplicationFailure, String(err));
            strict_1.default.equal(err.type, 'UnexpectedVaultResponse');
            return true;
        });
        strict_1.default.deepEqual(w.clock.sleeps, [], 'no wait: the first answer ended the step');
    });
});
(0, node_test_1.describe)('Vault gateway: timeouts', () => {
    /** How long the fake node takes to answer seal-status and sys/init, in milliseconds. */
    let delays = { sealStatus: 0, init: 0 };
    const node = fakeNode((url) => url === '/v1/sys/init'
        ? { body: { keys_base64: ['a2V5'], keys: ['6b6579'], root_token: 'hvs.test' }, delayMs: delays.init }
        : { body: answer({ initialized: false, sealed: true }), delayMs: delays.sealStatus });
    const client = () => node({ requestMs: 300, initMs: 5_000 });
    (0, node_test_1.it)('gives up on an ordinary call after the request timeout', async () => {
        delays = { sealStatus: 1_500, init: 0 };
        await strict_1.default.rejects(client().sealStatus(), /reading seal status on vault-1: no answer in time/);
    });
    (0, node_test_1.it)('waits for a sys/init answer slower than the request timeout, so the key is not dropped', async () => {
        delays = { sealStatus: 0, init: 1_500 };
        const answered = await client().init();
        strict_1.default.equal(answered.unsealKey, 'a2V5');
        strict_1.default.equal(answered.rootToken, 'hvs.test');
    });
});
(0, node_test_1.describe)('Vault gateway: an address that accepts but never answers', () => {
    (0, node_test_1.it)('fails the call after the 3 s TLS handshake limit, not the whole request timeout', async () => {
        const sockets = [];
        const silent = (0, node_net_1.createServer)((socket) => sockets.push(socket)); // accepts, never speaks TLS
        await new Promise((r) => silent.listen(0, '127.0.0.1', r));
        try {
            const client = new gateway_1.VaultNodeClient('vault-2', { host: '127.0.0.1', port: silent.address().port, serverName: 'vault-2' }, { mode: 'direct' }, Buffer.from(''), { requestMs: 60_000, initMs: 60_000 });
            // The handshake limit's own error, not the request timeout's (ETIMEDOUT after 60 s).
            await strict_1.default.rejects(client.sealStatus(), /no TLS handshake from vault-2 within 3s/);
        }
        finally {
            for (const s of sockets)
                s.destroy();
            await new Promise((r) => silent.close(r));
        }
    });
});
(0, node_test_1.describe)('Vault gateway: only config.ts decides where it connects and what it sends (issue 10, item 2)', () => {
    const seen = [];
    const node = fakeNode((url, headers) => {
        seen.push({ url, headers });
        return url === '/v1/sys/seal-status' ? { body: answer({}) } : { status: 404, body: { errors: [] } };
    });
    const names = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
    const more = ['VAULT_TOKEN', 'VAULT_PREFIX', 'VAULT_NAMESPACE', 'VAULT_SKIP_VERIFY'];
    const saved = new Map();
    let proxyHits = 0;
    const proxy = (0, node_http_1.createServer)((_req, res) => {
        proxyHits++;
        res.writeHead(502).end();
    }).on('connect', (_req, socket) => {
        proxyHits++;
        socket.destroy();
    });
    (0, node_test_1.before)(async () => {
        await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
        const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
        for (const n of [...names, ...more])
            saved.set(n, process.env[n]);
        for (const n of names)
            delete process.env[n];
        process.env.HTTPS_PROXY = proxyUrl;
        process.env.https_proxy = proxyUrl;
        process.env.VAULT_TOKEN = 'hvs.token-from-the-environment';
        process.env.VAULT_PREFIX = '/prefix-from-env';
        process.env.VAULT_NAMESPACE = 'ns-from-env';
    });
    (0, node_test_1.after)(async () => {
        for (const [n, v] of saved) {
            if (v === undefined)
                delete process.env[n];
            else
                process.env[n] = v;
        }
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(() => r()));
    });
    (0, node_test_1.it)('with HTTPS_PROXY set, the node is reached directly through the agent, never the proxy', async () => {
        const s = await node({ requestMs: 5_000, initMs: 5_000 }).sealStatus();
        strict_1.default.equal(s.initialized, true);
        strict_1.default.equal(proxyHits, 0, 'the proxy saw no request');
    });
    (0, node_test_1.it)('VAULT_TOKEN, VAULT_PREFIX, VAULT_NAMESPACE from the environment are not used', async () => {
        seen.length = 0;
        await node({ requestMs: 5_000, initMs: 5_000 }).sealStatus();
        strict_1.default.equal(seen.length, 1);
        strict_1.default.equal(seen[0]?.url, '/v1/sys/seal-status', 'no prefix from VAULT_PREFIX');
        strict_1.default.equal(seen[0]?.headers['x-vault-token'], undefined, 'no token on an unauthenticated call');
        strict_1.default.equal(seen[0]?.headers['x-vault-namespace'], undefined);
    });
});
(0, node_test_1.describe)('goDurationSeconds (autopilot durations as Vault prints them)', () => {
    (0, node_test_1.it)('reads whole and compound durations, and nothing else', () => {
        strict_1.default.equal((0, gateway_1.goDurationSeconds)('10s'), 10);
        strict_1.default.equal((0, gateway_1.goDurationSeconds)('24h0m0s'), 86400);
        strict_1.default.equal((0, gateway_1.goDurationSeconds)('10m0s'), 600);
        strict_1.default.equal((0, gateway_1.goDurationSeconds)('1m30.4s'), 90);
        for (const bad of ['', '10', 'ten seconds', '5ms', 10, undefined])
            strict_1.default.equal((0, gateway_1.goDurationSeconds)(bad), undefined, String(bad));
    });
});
//# sourceMappingURL=vault-gateway.test.js.map