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
const config_1 = require("../../src/config");
function certDir() {
    const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-cfg-'));
    (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    return dir;
}
function expectConfigError(fn, setting, expected) {
    strict_1.default.throws(fn, (err) => {
        strict_1.default.ok(err instanceof config_1.ConfigError, `expected ConfigError, got ${String(err)}`);
        strict_1.default.equal(err.setting, setting);
        strict_1.default.match(err.message, expected);
        return true;
    });
}
(0, node_test_1.describe)('config', () => {
    (0, node_test_1.it)('has production defaults', () => {
        const dir = certDir();
        const c = (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir });
        strict_1.default.equal(c.temporal.address, '127.0.0.1:7233');
        strict_1.default.equal(c.temporal.namespace, 'default');
        strict_1.default.equal(c.temporal.taskQueue, 'vault-bootstrap');
        strict_1.default.equal(c.stack.defaultName, 'iklimco');
        strict_1.default.equal(c.stack.unsealSecretTemplate, 'vault_unseal_key');
        strict_1.default.equal(c.vault.caFile, (0, node_path_1.join)(dir, 'ca.pem'));
        strict_1.default.deepEqual(c.vault.addressing, { mode: 'tunnel', host: '127.0.0.1', port: 18200 });
        strict_1.default.deepEqual(c.failpoints, []);
        strict_1.default.equal(c.vault.requestTimeoutMs, 10_000);
        strict_1.default.equal(c.vault.initTimeoutMs, 240_000);
    });
    (0, node_test_1.it)('names a missing cert folder', () => {
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: '/nonexistent/ssl' }), 'VAULT_CERT_DIR', /existing folder.*\/nonexistent\/ssl/);
    });
    (0, node_test_1.it)('names a cert folder without the CA', () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-cfg-'));
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /PEM CA bundle/);
    });
    (0, node_test_1.it)('names a CA file that is not PEM', () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-cfg-'));
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 'ca.pem'), 'not a certificate');
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir }), 'VAULT_CA_FILE', /CERTIFICATE block/);
    });
    (0, node_test_1.it)('rejects malformed values with the setting name and what was expected', () => {
        const dir = certDir();
        expectConfigError(() => (0, config_1.loadClientConfig)({ TEMPORAL_ADDRESS: 'no-port' }), 'TEMPORAL_ADDRESS', /host:port.*"no-port"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ TEMPORAL_ADDRESS: 'h:99999' }), 'TEMPORAL_ADDRESS', /host:port/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_BOOTSTRAP_STACK: 'bad name!' }), 'VAULT_BOOTSTRAP_STACK', /letters, digits/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ TEMPORAL_UI_URL: 'ftp://x' }), 'TEMPORAL_UI_URL', /http/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_ADDRESSING: 'magic' }), 'VAULT_ADDRESSING', /"tunnel" or "direct"/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_TUNNEL_ADDRESS: 'x' }), 'VAULT_TUNNEL_ADDRESS', /host:port/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_REQUEST_TIMEOUT_MS: '-1' }), 'VAULT_REQUEST_TIMEOUT_MS', /positive integer/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_INIT_TIMEOUT_MS: '300000' }), 'VAULT_INIT_TIMEOUT_MS', /at most 280000 \(below the init step's 5-minute start-to-close timeout\)/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_UNSEAL_SECRET_NAME: 'a b' }), 'VAULT_UNSEAL_SECRET_NAME', /secret name/);
    });
    (0, node_test_1.it)('resolves stack files and the per-stack secret template', () => {
        const dir = certDir();
        const c = (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_STACK_FILES: 'a.yml, b.yml', VAULT_UNSEAL_SECRET_NAME: '{stack}_key' }, '/srv');
        strict_1.default.deepEqual(c.stack.files, ['/srv/a.yml', '/srv/b.yml']);
        strict_1.default.equal(c.stack.unsealSecretTemplate, '{stack}_key');
    });
});
(0, node_test_1.describe)('backup schedule config', () => {
    (0, node_test_1.it)('backs up every hour and drills every day by default', () => {
        strict_1.default.deepEqual((0, config_1.loadClientConfig)({}).backup, { interval: '1h', drillInterval: '24h' });
    });
    (0, node_test_1.it)('takes VAULT_BACKUP_INTERVAL and VAULT_DRILL_INTERVAL as durations, and off for no drill', () => {
        strict_1.default.deepEqual((0, config_1.loadClientConfig)({ VAULT_BACKUP_INTERVAL: '15m', VAULT_DRILL_INTERVAL: '7d' }).backup, {
            interval: '15m',
            drillInterval: '7d',
        });
        strict_1.default.deepEqual((0, config_1.loadClientConfig)({ VAULT_DRILL_INTERVAL: 'off' }).backup, {
            interval: '1h',
            drillInterval: undefined,
        });
        // Empty is unset, as for every other setting.
        strict_1.default.deepEqual((0, config_1.loadClientConfig)({ VAULT_BACKUP_INTERVAL: '', VAULT_DRILL_INTERVAL: '' }).backup, {
            interval: '1h',
            drillInterval: '24h',
        });
    });
    (0, node_test_1.it)('names a bad interval, and backups cannot be turned off this way', () => {
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_BACKUP_INTERVAL: 'hourly' }), 'VAULT_BACKUP_INTERVAL', /a duration like 30m, 1h or 24h, not 0.*"hourly"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_BACKUP_INTERVAL: 'off' }), 'VAULT_BACKUP_INTERVAL', /a duration like 30m, 1h or 24h, not 0.*"off"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_BACKUP_INTERVAL: '0m' }), 'VAULT_BACKUP_INTERVAL', /not 0.*"0m"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_DRILL_INTERVAL: '0s' }), 'VAULT_DRILL_INTERVAL', /\(not 0\), or off.*"0s"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_DRILL_INTERVAL: 'daily' }), 'VAULT_DRILL_INTERVAL', /a duration like 30m, 24h or 7d \(not 0\), or off.*"daily"/);
        expectConfigError(() => (0, config_1.loadClientConfig)({ VAULT_DRILL_INTERVAL: 'OFF' }), 'VAULT_DRILL_INTERVAL', /or off/);
    });
});
(0, node_test_1.describe)('worker role', () => {
    (0, node_test_1.it)('full by default; node-agent needs only Temporal and the Docker socket', () => {
        strict_1.default.equal((0, config_1.loadWorkerRole)({}), 'full');
        strict_1.default.equal((0, config_1.loadWorkerRole)({ VAULT_BOOTSTRAP_WORKER_ROLE: 'node-agent' }), 'node-agent');
        // No certificate folder, custody or stack settings: an agent starts where none of them exist.
        const agent = (0, config_1.loadNodeAgentConfig)({
            DOCKER_SOCKET: '/run/vbt-n2/docker.sock',
            VAULT_CERT_DIR: '/nonexistent',
        });
        strict_1.default.equal(agent.dockerSocket, '/run/vbt-n2/docker.sock');
        strict_1.default.equal(agent.temporal.taskQueue, 'vault-bootstrap');
    });
    (0, node_test_1.it)('an unknown role is a named configuration error', () => {
        strict_1.default.throws(() => (0, config_1.loadWorkerRole)({ VAULT_BOOTSTRAP_WORKER_ROLE: 'agent' }), (err) => err instanceof config_1.ConfigError && /VAULT_BOOTSTRAP_WORKER_ROLE/.test(err.message));
    });
    (0, node_test_1.it)('custody copies in the swarm only with a custody key every worker shares', () => {
        const dir = certDir();
        strict_1.default.equal((0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir }).custody.replica, 'none');
        const swarm = (0, config_1.loadWorkerConfig)({
            VAULT_CERT_DIR: dir,
            VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'swarm',
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: '/run/secrets/vault_bootstrap_custody_key',
        });
        strict_1.default.equal(swarm.custody.replica, 'swarm');
        strict_1.default.equal(swarm.custody.keyFile, '/run/secrets/vault_bootstrap_custody_key');
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'swarm' }), 'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE', /shared by every worker/);
        expectConfigError(() => (0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: dir, VAULT_BOOTSTRAP_CUSTODY_REPLICA: 'nfs' }), 'VAULT_BOOTSTRAP_CUSTODY_REPLICA', /`none` or `swarm`/);
    });
});
//# sourceMappingURL=config.test.js.map