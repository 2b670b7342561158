"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Bad input gets a clear, named error and loses nothing: the worker and the client refuse to start on
 * bad configuration, and a bootstrap with a bad stack file fails by name before anything is deployed.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const testbed_1 = require("../support/testbed");
function runNode(script, args, env) {
    return new Promise((res) => {
        const child = (0, node_child_process_1.spawn)(process.execPath, [(0, node_path_1.join)(testbed_1.REPO, 'dist', 'src', script), ...args], { env });
        let out = '';
        child.stdout.on('data', (d) => (out += d.toString()));
        child.stderr.on('data', (d) => (out += d.toString()));
        child.on('close', (code) => res({ code: code ?? -1, out }));
    });
}
(0, node_test_1.describe)('bad input', () => {
    const run = new testbed_1.TestRun();
    (0, node_test_1.after)(() => run.cleanup());
    const cases = [
        {
            name: 'missing cert folder',
            env: { VAULT_CERT_DIR: '/nonexistent/ssl' },
            expect: /VAULT_CERT_DIR: expected an existing folder .*"\/nonexistent\/ssl"/,
        },
        {
            name: 'Docker not reachable',
            env: { DOCKER_SOCKET: '/nonexistent/docker.sock' },
            expect: /DOCKER_SOCKET: expected a reachable Docker Engine socket .*ENOENT/,
        },
        {
            name: 'Temporal unreachable',
            env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
            expect: /TEMPORAL_ADDRESS: cannot reach the Temporal frontend at 127\.0\.0\.1:1/,
        },
        {
            name: 'malformed Temporal address',
            env: { TEMPORAL_ADDRESS: 'nowhere' },
            expect: /TEMPORAL_ADDRESS: expected host:port, got "nowhere"/,
        },
        {
            name: 'malformed addressing mode',
            env: { VAULT_ADDRESSING: 'carrier-pigeon' },
            expect: /VAULT_ADDRESSING: expected "tunnel" or "direct"/,
        },
        {
            name: 'malformed fault point',
            env: { VAULT_BOOTSTRAP_FAILPOINTS: 'x=explode' },
            expect: /VAULT_BOOTSTRAP_FAILPOINTS: expected name\[=crash\|error\]/,
        },
    ];
    for (const c of cases) {
        (0, node_test_1.it)(`the worker refuses to start: ${c.name}`, async () => {
            const res = await runNode('worker.js', [], run.env(c.env));
            strict_1.default.equal(res.code, 2, res.out);
            strict_1.default.match(res.out, c.expect);
        });
    }
    (0, node_test_1.it)('the client refuses bad configuration and usage with exit code 2', async () => {
        const unreachable = await runNode('client.js', ['status'], run.env({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
        strict_1.default.equal(unreachable.code, 2, unreachable.out);
        strict_1.default.match(unreachable.out, /TEMPORAL_ADDRESS: cannot reach/);
        const badStack = await runNode('client.js', ['bootstrap', '--stack', 'no spaces'], run.env());
        strict_1.default.equal(badStack.code, 2, badStack.out);
        strict_1.default.match(badStack.out, /--stack: expected a name/);
        const unknown = await runNode('client.js', ['launch'], run.env());
        strict_1.default.equal(unknown.code, 2, unknown.out);
        strict_1.default.match(unknown.out, /unknown command "launch"/);
    });
    for (const [name, content, expect] of [
        ['missing', undefined, /StackFileInvalid: stack file .*missing\.yml cannot be read \(ENOENT\)/],
        [
            'invalid',
            'services:\n  vault:\n    deploy: { replicas: 2 }\n',
            /StackFileInvalid: service "vault" must have deploy.replicas: 3 \(found 2\)/,
        ],
    ]) {
        (0, node_test_1.it)(`a ${name} stack file fails the bootstrap by name before anything is deployed`, async () => {
            const file = (0, node_path_1.join)(run.dir, `${name}.yml`);
            if (content !== undefined)
                (0, node_fs_1.writeFileSync)(file, content);
            const files = content === undefined ? file : `${(0, node_path_1.join)(testbed_1.REPO, 'docker-stack-vault.yml')},${file}`;
            run.startWorker({ VAULT_STACK_FILES: files });
            const res = await run.client(['bootstrap', '--wait']);
            await run.stopWorkers();
            strict_1.default.equal(res.code, 1, res.out);
            strict_1.default.match(res.out, expect);
            strict_1.default.match(res.out, /preflight\s+failed/);
            strict_1.default.deepEqual(await run.leftovers(), [], 'no secret, service or container was created');
        });
    }
});
//# sourceMappingURL=04-bad-input.test.js.map