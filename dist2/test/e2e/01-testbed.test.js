"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The test bed itself (issue: real test bed): the production stack deploys on the local swarm, its three
 * tasks answer `GET /v1/sys/health` over TLS verified with the test CA (uninitialized: 501), and removing
 * the stack leaves nothing behind. Driven through the real activities, outside a worker.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_https_1 = require("node:https");
const node_test_1 = require("node:test");
const testing_1 = require("@temporalio/testing");
const activities_1 = require("../../src/activities");
const config_1 = require("../../src/config");
const gateway_1 = require("../../src/docker/gateway");
const transport_1 = require("../../src/vault/transport");
const wiring_1 = require("../../src/wiring");
const testbed_1 = require("../support/testbed");
function health(host, serverName, tunnel, ca) {
    const agent = (0, transport_1.createNodeAgent)({ host, port: 8200, serverName }, { mode: 'tunnel', ...tunnel }, ca);
    return new Promise((resolve, reject) => {
        (0, node_https_1.get)({ host, port: 8200, path: '/v1/sys/health', agent }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        }).on('error', reject);
    });
}
(0, node_test_1.describe)('test bed: the Vault stack on the local swarm', () => {
    const run = new testbed_1.TestRun();
    (0, node_test_1.after)(() => run.cleanup());
    (0, node_test_1.it)('deploys 3 tasks that answer sys/health over verified TLS, and removal leaves nothing', async () => {
        const config = (0, config_1.loadWorkerConfig)(run.env());
        const acts = (0, activities_1.createActivities)((0, wiring_1.buildActivityDeps)(config));
        const mock = new testing_1.MockActivityEnvironment();
        const env = {
            run: (fn, ...a) => mock.run(fn, ...a),
        };
        const input = { stack: run.stack };
        await env.run(acts.preflight, input);
        const placeholder = await env.run(acts.ensurePlaceholderSecret, input);
        strict_1.default.equal(placeholder.secret.kind, 'placeholder');
        const deployed = await env.run(acts.deployStack, input);
        strict_1.default.equal(deployed.changed, true);
        const tasks = [
            ...(await new gateway_1.DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).values(),
        ];
        // deployStack returns once every task's API answers: its container runs, though Swarm may still call it
        // `starting` until its first healthcheck passes (issue 12 stopped waiting for that).
        strict_1.default.equal(tasks.length, 3);
        for (const t of tasks)
            strict_1.default.ok(t.state === 'running' || t.state === 'starting', `task state ${t.state}`);
        const ca = (0, node_fs_1.readFileSync)(config.vault.caFile);
        const tunnel = config.vault.addressing.mode === 'tunnel'
            ? config.vault.addressing
            : strict_1.default.fail('test bed uses the tunnel');
        for (const t of tasks) {
            strict_1.default.ok(t.address, `task ${t.id} has an iklimco-net address`);
            strict_1.default.equal(await health(t.address, `vault-${t.slot}`, tunnel, ca), 501, `vault-${t.slot} is up and uninitialized`);
        }
        // The certificate is really verified: a name the certificate does not carry is refused.
        await strict_1.default.rejects(health(tasks[0]?.address ?? '', 'not-in-cert', tunnel, ca), /altname|ERR_TLS/i);
        // Deploying again changes nothing.
        strict_1.default.equal((await env.run(acts.deployStack, input)).changed, false);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
});
//# sourceMappingURL=01-testbed.test.js.map