"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The docker CLI (used for `docker stack deploy` only) gets a minimal, explicit environment built from
 * configuration (issue 10, item 2): no `TEMPORAL_*` (API keys), no inherited `DOCKER_HOST`/context, the
 * Engine pinned to the socket dockerode uses.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const config_1 = require("../../src/config");
const gateway_1 = require("../../src/docker/gateway");
const testbed_1 = require("../support/testbed");
(0, node_test_1.describe)('docker CLI environment', () => {
    (0, node_test_1.it)('holds PATH, HOME, the stack variables and DOCKER_HOST pinned to the socket, nothing else', () => {
        const { args, env } = (0, gateway_1.dockerCliInvocation)('/run/engine.sock', { PATH: '/usr/bin', HOME: '/root' }, 's1', ['/x/a.yml', '/x/b.yml'], {
            VAULT_IMAGE: 'openbao:test',
            VAULT_UNSEAL_KEY_SECRET: 'vault_unseal_key_v2',
            TEMPORAL_API_KEY: 'tk-should-not-leak',
            DOCKER_HOST: 'tcp://elsewhere:2375',
            DOCKER_CONTEXT: 'prod',
        });
        strict_1.default.deepEqual(env, {
            VAULT_IMAGE: 'openbao:test',
            VAULT_UNSEAL_KEY_SECRET: 'vault_unseal_key_v2',
            PATH: '/usr/bin',
            HOME: '/root',
            DOCKER_HOST: 'unix:///run/engine.sock',
        });
        strict_1.default.deepEqual(args.slice(0, 2), ['--host', 'unix:///run/engine.sock']);
        strict_1.default.deepEqual(args.slice(2), [
            'stack',
            'deploy',
            '--resolve-image',
            'never',
            '-c',
            '/x/a.yml',
            '-c',
            '/x/b.yml',
            's1',
        ]);
    });
    (0, node_test_1.it)("configuration passes on only the variables the stack files reference, never TEMPORAL_* or the proxy's", () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-cli-'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
        const c = (0, config_1.loadWorkerConfig)({
            VAULT_CERT_DIR: dir,
            VAULT_STACK_FILES: (0, node_path_1.join)(testbed_1.REPO, 'docker-stack-vault.yml'),
            VAULT_IMAGE: 'openbao:test',
            TEMPORAL_API_KEY: 'tk-should-not-leak',
            HTTPS_PROXY: 'http://proxy:3128',
            DOCKER_HOST: 'tcp://elsewhere:2375',
            PATH: '/usr/bin',
            HOME: '/root',
        }, testbed_1.REPO);
        strict_1.default.equal(c.stack.deployEnv.VAULT_IMAGE, 'openbao:test');
        strict_1.default.equal(c.stack.deployEnv.VAULT_CERT_DIR, dir);
        for (const k of Object.keys(c.stack.deployEnv))
            strict_1.default.ok(!/^(TEMPORAL|DOCKER)_|PROXY/.test(k), k);
        strict_1.default.deepEqual(c.stack.cliBaseEnv, { PATH: '/usr/bin', HOME: '/root' });
    });
});
//# sourceMappingURL=docker-cli-env.test.js.map