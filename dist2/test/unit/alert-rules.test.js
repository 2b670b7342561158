"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The Prometheus alert rules (`monitoring/prometheus/`) are valid, and their promtool unit tests pass: each
 * alert fires when it should, with its labels and annotations, and not when it should not. promtool is
 * required (`testbed/testbed.sh up` installs Debian's `prometheus` package, which has it): a missing promtool
 * fails here instead of skipping, or the rules would go untested.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const testbed_1 = require("../support/testbed");
const RULES_DIR = (0, node_path_1.join)(testbed_1.REPO, 'monitoring', 'prometheus');
const PROMTOOL = process.env.VAULT_BOOTSTRAP_PROMTOOL ?? '/usr/bin/promtool';
function promtool(args) {
    strict_1.default.ok((0, testbed_1.executable)(PROMTOOL), `${PROMTOOL} is missing: \`testbed/testbed.sh up\` installs it (Debian's prometheus package), ` +
        'or point VAULT_BOOTSTRAP_PROMTOOL at a promtool');
    return new Promise((resolve) => {
        (0, node_child_process_1.execFile)(PROMTOOL, args, { cwd: RULES_DIR, timeout: 60_000 }, (err, stdout, stderr) => {
            resolve({ code: err ? (err.code ?? err.signal ?? null) : 0, output: `${stdout}${stderr}` });
        });
    });
}
(0, node_test_1.describe)('Prometheus alert rules', () => {
    (0, node_test_1.it)('pass promtool check rules', async () => {
        const { code, output } = await promtool(['check', 'rules', 'vault-bootstrap-alerts.yml']);
        strict_1.default.equal(code, 0, output);
    });
    (0, node_test_1.it)('pass their promtool unit tests', async () => {
        const { code, output } = await promtool(['test', 'rules', 'vault-bootstrap-alerts.test.yml']);
        strict_1.default.equal(code, 0, output);
    });
});
//# sourceMappingURL=alert-rules.test.js.map