"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The test bed's tunnel (issue 10, item 4) against a real Vault stack: it serves a Vault task's address on
 * 8200 with TLS verified end to end, and refuses everything else by closing without a byte: another port of
 * the same task, addresses that are not a Vault task (the service's virtual IP, the tunnel's own address),
 * a name, an overlong line, and a client on iklimco-net (only the published port is served).
 * The Go tests (test/unit/tunnel-go.test.ts) cover each rule on its own; this checks them with Docker's DNS.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_net_1 = require("node:net");
const node_test_1 = require("node:test");
const testing_1 = require("@temporalio/testing");
const activities_1 = require("../../src/activities");
const config_1 = require("../../src/config");
const gateway_1 = require("../../src/docker/gateway");
const transport_1 = require("../../src/vault/transport");
const wiring_1 = require("../../src/wiring");
const testbed_1 = require("../support/testbed");
const NETWORK = 'iklimco-net';
const TUNNEL_CONTAINER = 'vault-bootstrap-tunnel';
/**
 * Sent after the target line: plain HTTP, to which Vault's TLS listener answers "400 Bad Request" at once.
 * A served connection thus shows bytes right away instead of waiting for a ClientHello that never comes.
 */
const PLAIN_REQUEST = 'GET / HTTP/1.0\r\n\r\n';
/** Sends `payload` to the tunnel and collects what comes back until it closes or `waitMs` passes. */
function probe(tunnel, payload, waitMs = 5_000) {
    return new Promise((resolve, reject) => {
        const socket = (0, node_net_1.connect)({ host: tunnel.host, port: tunnel.port });
        const chunks = [];
        const finish = (closed) => {
            clearTimeout(timer);
            socket.destroy();
            resolve({ answer: Buffer.concat(chunks).toString('utf8'), closed });
        };
        const timer = setTimeout(() => finish(false), waitMs);
        socket.on('connect', () => socket.write(payload));
        socket.on('data', (c) => chunks.push(c));
        socket.on('close', () => finish(true));
        socket.on('error', (err) => {
            // A reset is a way of closing; failing to connect at all is not what is under test.
            if (err.code === 'ECONNRESET' || err.code === 'EPIPE')
                return;
            clearTimeout(timer);
            reject(err);
        });
    });
}
function assertRefused(p, what) {
    strict_1.default.deepEqual(p, { answer: '', closed: true }, `${what}: closed at once with no byte`);
}
(0, node_test_1.describe)('the tunnel serves Vault task addresses only', () => {
    const run = new testbed_1.TestRun();
    const config = (0, config_1.loadWorkerConfig)(run.env());
    const tunnel = config.vault.addressing.mode === 'tunnel'
        ? config.vault.addressing
        : strict_1.default.fail('the test bed uses the tunnel');
    const ca = (0, node_fs_1.readFileSync)(config.vault.caFile);
    let task = { address: '', slot: 0 };
    (0, node_test_1.before)(async () => {
        const acts = (0, activities_1.createActivities)((0, wiring_1.buildActivityDeps)(config));
        const mock = new testing_1.MockActivityEnvironment();
        const input = { stack: run.stack };
        await mock.run(acts.preflight, input);
        await mock.run(acts.ensurePlaceholderSecret, input);
        await mock.run(acts.deployStack, input);
        const running = [
            ...(await new gateway_1.DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).values(),
        ]
            .filter((t) => t.state === 'running' && t.address)
            .map((t) => ({ address: t.address ?? '', slot: t.slot }));
        strict_1.default.ok(running[0], `${run.stack}_vault has a running task with an ${NETWORK} address`);
        task = running[0];
    });
    (0, node_test_1.after)(async () => {
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('serves a Vault task address on 8200, TLS verified end to end', async () => {
        const served = await (0, transport_1.servedCertificate)({ host: task.address, port: 8200, serverName: `vault-${task.slot}` }, tunnel, ca, 5_000);
        strict_1.default.match(served.fingerprint256, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
        // The raw probe the refusals below rely on sees a served connection answer at once.
        const p = await probe(tunnel, `${task.address}:8200\n${PLAIN_REQUEST}`);
        strict_1.default.match(p.answer, /^HTTP\/1\.0 400 Bad Request/, 'Vault answered the plain request through the tunnel');
    });
    (0, node_test_1.it)("refuses the same task on another port (8201, Raft's, also listening)", async () => {
        assertRefused(await probe(tunnel, `${task.address}:8201\n${PLAIN_REQUEST}`), 'port 8201');
    });
    (0, node_test_1.it)('refuses addresses that are not a Vault task, and names', async () => {
        const networkId = (await run.docker.getNetwork(NETWORK).inspect()).Id;
        const service = (await run.docker.getService(`${run.stack}_vault`).inspect());
        const vip = service.Endpoint?.VirtualIPs?.find((v) => v.NetworkID === networkId)?.Addr?.split('/')[0];
        strict_1.default.ok(vip, `${run.stack}_vault has a virtual IP on ${NETWORK}`);
        const self = await tunnelOverlayAddress();
        // The virtual IP and the service name lead to a Vault too: only the tunnel's rules refuse them.
        for (const target of [
            `${vip}:8200`,
            `${self}:8200`,
            `${run.stack}_vault:8200`,
            `vault-${task.slot}:8200`,
        ])
            assertRefused(await probe(tunnel, `${target}\n${PLAIN_REQUEST}`), target);
    });
    (0, node_test_1.it)('refuses an overlong line, even with a Vault task after it', async () => {
        assertRefused(await probe(tunnel, `${' '.repeat(300)}${task.address}:8200\n${PLAIN_REQUEST}`), 'a 300-byte line');
    });
    (0, node_test_1.it)(`refuses a client on ${NETWORK}, which can reach Vault itself`, { timeout: 60_000 }, async () => {
        const self = await tunnelOverlayAddress();
        // From a throwaway container on the overlay: Vault directly (the control), then the tunnel's overlay side.
        const script = [
            `printf '${PLAIN_REQUEST.replaceAll('\r', '\\r').replaceAll('\n', '\\n')}' > /tmp/request`,
            `echo "direct:$( timeout 5 nc ${task.address} 8200 < /tmp/request | head -c 24)"`,
            `{ printf '%s\\n' '${task.address}:8200'; cat /tmp/request; } > /tmp/tunnelled`,
            `echo "tunnel:$( timeout 5 nc ${self} 8080 < /tmp/tunnelled | head -c 24)"`,
        ].join('; ');
        const out = await (0, testbed_1.dockerCli)([
            'run',
            '--rm',
            '--name',
            `${run.stack}-tunnel-probe`,
            '--network',
            NETWORK,
            '--entrypoint',
            '/bin/sh',
            run.bed.VAULT_IMAGE ?? 'vault-bootstrap-testbed/openbao:2.7.2',
            '-c',
            script,
        ]);
        strict_1.default.match(out, /^direct:HTTP\/1\.0 400 Bad Request$/m, `the container reaches Vault itself:\n${out}`);
        strict_1.default.match(out, /^tunnel:$/m, `the tunnel's overlay side answers nothing:\n${out}`);
    });
});
/** The tunnel container's own address on the overlay. */
async function tunnelOverlayAddress() {
    const out = await (0, testbed_1.dockerCli)([
        'inspect',
        '--format',
        `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`,
        TUNNEL_CONTAINER,
    ]);
    const address = out.trim();
    strict_1.default.match(address, /^\d+\.\d+\.\d+\.\d+$/, `${TUNNEL_CONTAINER} has an address on ${NETWORK}`);
    return address;
}
//# sourceMappingURL=08-tunnel.test.js.map