"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const promises_1 = require("node:timers/promises");
const config_1 = require("../../src/config");
const health_file_1 = require("../../src/health-file");
const tmp = () => (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-health-'));
const HOUR_AGO = (Date.now() - 3_600_000) / 1000;
(0, node_test_1.describe)('health file writer', () => {
    (0, node_test_1.it)('writes at once and on every tick while running, skips while not, and removes the file on stop', async () => {
        const file = (0, node_path_1.join)(tmp(), 'alive');
        let running = true;
        const writer = (0, health_file_1.startHealthFile)(file, () => running, 10);
        strict_1.default.ok((0, node_fs_1.existsSync)(file), 'written at start');
        strict_1.default.match(`${(0, node_fs_1.statSync)(file).size}`, /^[1-9]/);
        running = false;
        (0, node_fs_1.utimesSync)(file, HOUR_AGO, HOUR_AGO);
        await (0, promises_1.setTimeout)(60);
        strict_1.default.ok((0, node_fs_1.statSync)(file).mtimeMs < Date.now() - 3_000_000, 'not rewritten while not running');
        running = true;
        await (0, promises_1.setTimeout)(60);
        strict_1.default.ok((0, node_fs_1.statSync)(file).mtimeMs > Date.now() - 5_000, 'rewritten once running again');
        writer.stop();
        strict_1.default.ok(!(0, node_fs_1.existsSync)(file), 'removed on stop');
        writer.stop(); // a second stop is harmless
    });
    (0, node_test_1.it)('reports a failing write once, keeps the process going, and reports again after a recovery', async () => {
        const dir = tmp();
        const file = (0, node_path_1.join)(dir, 'sub', 'alive'); // the folder does not exist yet
        const logged = [];
        const writer = (0, health_file_1.startHealthFile)(file, () => true, 10, (m) => logged.push(m));
        await (0, promises_1.setTimeout)(60);
        strict_1.default.equal(logged.length, 1);
        strict_1.default.match(logged[0], /cannot write the health file .*sub\/alive: ENOENT/);
        (0, node_fs_1.mkdirSync)((0, node_path_1.join)(dir, 'sub'));
        await (0, promises_1.setTimeout)(60);
        strict_1.default.ok((0, node_fs_1.existsSync)(file), 'written once the folder exists');
        strict_1.default.equal(logged.length, 1);
        writer.stop();
    });
});
(0, node_test_1.describe)('health file check', () => {
    (0, node_test_1.it)('is healthy while the file is fresh, and says why not otherwise', () => {
        const file = (0, node_path_1.join)(tmp(), 'alive');
        const now = Date.now();
        const missing = (0, health_file_1.checkHealthFile)(file, now);
        strict_1.default.equal(missing.healthy, false);
        strict_1.default.match(missing.detail, /no health file .*alive \(ENOENT\): the worker is starting, stopping or not polling/);
        (0, node_fs_1.writeFileSync)(file, 'x');
        strict_1.default.equal((0, health_file_1.checkHealthFile)(file, now).healthy, true);
        const old = (now - health_file_1.HEALTH_FILE_MAX_AGE_MS - 5_000) / 1000;
        (0, node_fs_1.utimesSync)(file, old, old);
        const stale = (0, health_file_1.checkHealthFile)(file, now);
        strict_1.default.equal(stale.healthy, false);
        strict_1.default.match(stale.detail, /written 35s ago \(more than 30s\): the worker stopped polling or hangs/);
    });
});
(0, node_test_1.describe)('VAULT_BOOTSTRAP_HEALTH_FILE', () => {
    const rejects = (raw, expected) => strict_1.default.throws(() => (0, config_1.loadHealthFile)({ VAULT_BOOTSTRAP_HEALTH_FILE: raw }), (err) => err instanceof config_1.ConfigError &&
        err.setting === 'VAULT_BOOTSTRAP_HEALTH_FILE' &&
        expected.test(err.message));
    (0, node_test_1.it)('is off when unset or empty, an absolute path in an existing folder otherwise', () => {
        strict_1.default.equal((0, config_1.loadHealthFile)({}), undefined);
        strict_1.default.equal((0, config_1.loadHealthFile)({ VAULT_BOOTSTRAP_HEALTH_FILE: '' }), undefined);
        const dir = tmp();
        strict_1.default.equal((0, config_1.loadHealthFile)({ VAULT_BOOTSTRAP_HEALTH_FILE: (0, node_path_1.join)(dir, 'alive') }), (0, node_path_1.join)(dir, 'alive'));
        rejects('alive', /expected an absolute file path, got "alive"/);
        rejects(`${dir}/`, /absolute file path/);
        rejects('/nonexistent/folder/alive', /a file in an existing folder, got "\/nonexistent\/folder\/alive"/);
    });
    (0, node_test_1.it)('reaches the worker and the node agent configuration', () => {
        const certs = tmp();
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(certs, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
        const file = (0, node_path_1.join)(tmp(), 'alive');
        const env = { VAULT_CERT_DIR: certs, VAULT_BOOTSTRAP_HEALTH_FILE: file };
        strict_1.default.equal((0, config_1.loadWorkerConfig)(env).healthFile, file);
        strict_1.default.equal((0, config_1.loadNodeAgentConfig)(env).healthFile, file);
        strict_1.default.equal((0, config_1.loadWorkerConfig)({ VAULT_CERT_DIR: certs }).healthFile, undefined);
    });
});
(0, node_test_1.describe)('the HEALTHCHECK command (dist/src/healthcheck.js)', () => {
    const healthcheck = (0, node_path_1.join)(__dirname, '..', '..', 'src', 'healthcheck.js');
    const run = (env) => {
        const r = (0, node_child_process_1.spawnSync)(process.execPath, [healthcheck], {
            env: { PATH: process.env.PATH ?? '', ...env },
            encoding: 'utf8',
        });
        return { status: r.status, out: r.stdout + r.stderr };
    };
    (0, node_test_1.it)('exits 0 on a fresh file and 1 on a missing one, an unset variable or a bad value', () => {
        const file = (0, node_path_1.join)(tmp(), 'alive');
        let r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: file });
        strict_1.default.equal(r.status, 1);
        strict_1.default.match(r.out, /no health file/);
        (0, node_fs_1.writeFileSync)(file, 'x');
        r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: file });
        strict_1.default.equal(r.status, 0, r.out);
        strict_1.default.match(r.out, /written 0s ago: the worker polls/);
        r = run({});
        strict_1.default.equal(r.status, 1);
        strict_1.default.match(r.out, /VAULT_BOOTSTRAP_HEALTH_FILE is not set/);
        r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: 'relative' });
        strict_1.default.equal(r.status, 1);
        strict_1.default.match(r.out, /VAULT_BOOTSTRAP_HEALTH_FILE: expected an absolute file path/);
    });
});
//# sourceMappingURL=health-file.test.js.map