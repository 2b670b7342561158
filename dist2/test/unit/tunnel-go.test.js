"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The tunnel's own Go tests (`testbed/images/tunnel/main_test.go`, issue 10, item 4) run with the unit tests:
 * which targets it serves and refuses, the bind rule and the idle timeout. Go is required: without it the
 * tunnel image cannot be built either, so a missing toolchain fails here instead of skipping.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const testbed_1 = require("../support/testbed");
const TUNNEL_DIR = (0, node_path_1.join)(testbed_1.REPO, 'testbed', 'images', 'tunnel');
/** Where the test bed's `prepare_tunnel_context` keeps Go's caches too. */
const CACHE = process.env.VAULT_BOOTSTRAP_CACHE ?? (0, node_path_1.join)(testbed_1.REPO, '.cache');
/** `go` on PATH, else the official tarball's place; undefined when neither exists. */
function findGo() {
    const dirs = (process.env.PATH ?? '').split(node_path_1.delimiter).filter((d) => d !== '');
    return [...dirs, '/usr/local/go/bin'].map((d) => (0, node_path_1.join)(d, 'go')).find(testbed_1.executable);
}
function run(file, args, options) {
    return new Promise((resolve) => {
        (0, node_child_process_1.execFile)(file, args, { ...options, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            const code = err ? (err.code ?? err.signal ?? null) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
        });
    });
}
(0, node_test_1.describe)('the tunnel (Go)', () => {
    (0, node_test_1.it)('passes go test ./...', { timeout: 5 * 60_000 }, async () => {
        const go = findGo();
        strict_1.default.ok(go, 'go is not on PATH nor in /usr/local/go/bin: install Go to test (and build) the tunnel');
        const { code, output } = await run(go, ['test', '-count=1', './...'], {
            cwd: TUNNEL_DIR,
            // Offline and reproducible, as the image build: this toolchain, no module download, no workspace.
            env: {
                ...process.env,
                GOTOOLCHAIN: 'local',
                GOPROXY: 'off',
                GOFLAGS: '',
                GO111MODULE: 'on',
                GOWORK: 'off',
                CGO_ENABLED: '0',
                GOPATH: (0, node_path_1.join)(CACHE, 'go', 'path'),
                GOCACHE: (0, node_path_1.join)(CACHE, 'go', 'build'),
            },
            timeout: 4 * 60_000,
        });
        strict_1.default.equal(code, 0, `go test ./... in ${TUNNEL_DIR} failed (exit ${String(code)}):\n${output}`);
    });
});
//# sourceMappingURL=tunnel-go.test.js.map