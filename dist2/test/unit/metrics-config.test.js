"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const config_1 = require("../../src/config");
const KEY = 'VAULT_BOOTSTRAP_METRICS_ADDRESS';
(0, node_test_1.describe)('VAULT_BOOTSTRAP_METRICS_ADDRESS', () => {
    (0, node_test_1.it)('unset: 127.0.0.1:9464, this host only', () => {
        strict_1.default.deepEqual((0, config_1.loadMetricsAddress)({}), { host: '127.0.0.1', port: 9464 });
    });
    (0, node_test_1.it)('empty: no metrics are served', () => {
        strict_1.default.equal((0, config_1.loadMetricsAddress)({ [KEY]: '' }), undefined);
    });
    (0, node_test_1.it)('host:port, a name or an address; an IPv6 address in brackets, returned without them', () => {
        strict_1.default.deepEqual((0, config_1.loadMetricsAddress)({ [KEY]: '0.0.0.0:9464' }), { host: '0.0.0.0', port: 9464 });
        strict_1.default.deepEqual((0, config_1.loadMetricsAddress)({ [KEY]: 'localhost:1' }), { host: 'localhost', port: 1 });
        strict_1.default.deepEqual((0, config_1.loadMetricsAddress)({ [KEY]: '[::]:65535' }), { host: '::', port: 65535 });
        strict_1.default.deepEqual((0, config_1.loadMetricsAddress)({ [KEY]: '[::1]:9464' }), { host: '::1', port: 9464 });
    });
    (0, node_test_1.it)('anything else is a configuration error naming the variable and the value', () => {
        for (const bad of [
            '9464',
            ':9464',
            '127.0.0.1',
            '127.0.0.1:',
            '127.0.0.1:0',
            '127.0.0.1:65536',
            'host:port',
            '::1:9464',
            ' 127.0.0.1:9464',
            'http://127.0.0.1:9464',
        ]) {
            strict_1.default.throws(() => (0, config_1.loadMetricsAddress)({ [KEY]: bad }), (err) => {
                strict_1.default.ok(err instanceof config_1.ConfigError, `${JSON.stringify(bad)}: ${String(err)}`);
                strict_1.default.equal(err.setting, KEY);
                strict_1.default.equal(err.message, `${KEY}: expected host:port (e.g. 0.0.0.0:9464), or empty for none, got ${JSON.stringify(bad)}`);
                return true;
            });
        }
    });
});
//# sourceMappingURL=metrics-config.test.js.map