"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Preflight in memory: every input problem is named before any step changes anything. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
(0, node_test_1.describe)('preflight', () => {
    (0, node_test_1.it)('all usable on an autolocked swarm: changes nothing, no finding', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.swarm.autolocked = true;
        const out = await w.run(w.acts.preflight, w.input);
        strict_1.default.deepEqual(out, {
            changed: false,
            summary: 'stack files, TLS files, swarm, iklimco-net and custody are usable',
        });
        strict_1.default.deepEqual(w.swarm.secretNames(), []);
        strict_1.default.deepEqual(w.swarm.deploys, []);
    });
    (0, node_test_1.it)('a swarm without autolock: a SwarmAutolockOff finding in the summary, not a failure', async () => {
        const w = (0, fakes_1.fakeWorld)();
        const out = await w.run(w.acts.preflight, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.match(out.summary, /^stack files, .* are usable; finding SwarmAutolockOff: .*docker swarm update --autolock/);
    });
    (0, node_test_1.it)('a stack name Docker cannot take: InvalidConfig', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await strict_1.default.rejects(w.run(w.acts.preflight, { stack: 'no spaces' }), (0, failures_1.namedFailure)('InvalidConfig', /^stack: expected a name/));
    });
    (0, node_test_1.it)('a stack file of the wrong shape: StackFileInvalid naming the problem', async () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-pf-'));
        const file = (0, node_path_1.join)(dir, 'two.yml');
        (0, node_fs_1.writeFileSync)(file, 'services:\n  vault:\n    deploy:\n      replicas: 2\n');
        const w = (0, fakes_1.fakeWorld)({ stackFiles: [file] });
        await strict_1.default.rejects(w.run(w.acts.preflight, w.input), (0, failures_1.namedFailure)('StackFileInvalid', /service "vault" must have deploy.replicas: 3 \(found 2\)/));
    });
    (0, node_test_1.it)('a missing TLS file: CertificatesMissing', async () => {
        const w = (0, fakes_1.fakeWorld)();
        (0, node_fs_1.rmSync)((0, node_path_1.join)(w.deps.config.vault.certDir, 'ca.pem'));
        await strict_1.default.rejects(w.run(w.acts.preflight, w.input), (0, failures_1.namedFailure)('CertificatesMissing', /TLS file .*ca\.pem is missing/));
    });
    (0, node_test_1.it)('no swarm, or no overlay network: retryable, with the command that fixes it', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.swarm.active = false;
        await strict_1.default.rejects(w.run(w.acts.preflight, w.input), (0, failures_1.retryableError)(/docker swarm init/));
        w.swarm.active = true;
        w.swarm.networks.clear();
        await strict_1.default.rejects(w.run(w.acts.preflight, w.input), (0, failures_1.retryableError)(/overlay network iklimco-net does not exist \(docker network create/));
    });
    (0, node_test_1.it)('custody that cannot be written: CustodyNotWritable', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.custody.writable = false;
        await strict_1.default.rejects(w.run(w.acts.preflight, w.input), (0, failures_1.namedFailure)('CustodyNotWritable'));
    });
});
//# sourceMappingURL=preflight.test.js.map