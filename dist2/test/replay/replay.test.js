"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Replay test: every history committed in `test/replay/histories/` (recorded from real runs with
 * `npm run record-histories`) is replayed against the CURRENT workflow code (the compiled src/workflows,
 * bundled as the worker bundles it). A change that makes the code issue other commands than the ones the
 * history recorded (a step added, removed or moved, a different child or timer) fails here with Temporal's
 * non-determinism error, before it can break a `BootstrapVault` or a watcher in flight after a deploy.
 * No server is needed. The same files are checked to hold names and ids only, no key material.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const worker_1 = require("@temporalio/worker");
const history_files_1 = require("./history-files");
const files = (0, history_files_1.readHistoryFiles)();
/**
 * How to record a history of each type from the test bed's runs (stacks `vbt…` of the e2e and fault tests;
 * the health ones come from test/e2e/06-health.test.ts). `--list` instead of `--name` shows the candidates.
 */
const RECORD = {
    BootstrapVault: `--query "WorkflowType='BootstrapVault' AND WorkflowId STARTS_WITH 'vault-bootstrap-vbt'" --limit 1 --name LABEL`,
    VerifyVaultHealth: `--query "WorkflowType='VerifyVaultHealth' AND WorkflowId STARTS_WITH 'vault-health-event-vbt'" --limit 1 --name event-remediated`,
    WatchVaultTasks: `--query "WorkflowType='WatchVaultTasks' AND WorkflowId STARTS_WITH 'vault-health-watch:vbt'" --limit 1 --name terminated-after-task-restart`,
    BreakGlassRootToken: `--query "WorkflowType='BreakGlassRootToken'" --limit 1 --name revoked-after-worker-restart`,
};
void (0, node_test_1.describe)(`replay of the recorded histories in ${history_files_1.HISTORIES_DIR}`, () => {
    const results = new Map();
    (0, node_test_1.before)(async () => {
        const logger = new worker_1.DefaultLogger('ERROR');
        worker_1.Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
        const replays = worker_1.Worker.runReplayHistories({ workflowsPath: require.resolve('../../src/workflows'), replayName: 'replay-test' }, files.map((f) => ({ workflowId: f.name, history: f.history })));
        for await (const result of replays)
            results.set(result.workflowId, result);
    });
    // Every workflow type must have at least one: a type without one would meet its in-flight runs unguarded.
    for (const type of history_files_1.REPLAYED_WORKFLOW_TYPES) {
        void (0, node_test_1.it)(`has recorded histories of ${type}`, () => {
            strict_1.default.ok(files.some((f) => f.workflowType === type), `no ${type} history in ${history_files_1.HISTORIES_DIR}; after a real run: npm run record-histories -- ${RECORD[type]}`);
        });
    }
    for (const f of files) {
        void (0, node_test_1.it)(`replays ${f.file} (${f.workflowType}, ${f.history.events?.length ?? 0} events)`, () => {
            const result = results.get(f.name);
            strict_1.default.ok(result, `${f.file} was not replayed`);
            if (result.error) {
                strict_1.default.fail(`${f.file} no longer replays: ${result.error.name}: ${result.error.message}`);
            }
        });
    }
    void (0, node_test_1.it)('the histories hold names and ids only, no key material', () => {
        for (const f of files)
            strict_1.default.deepEqual((0, history_files_1.keyMaterialFindings)(f.text), [], f.file);
    });
    void (0, node_test_1.it)('the key material check catches a root token and an unseal key in a payload', () => {
        const payload = (value) => ({
            metadata: { encoding: Buffer.from('json/plain').toString('base64') },
            data: Buffer.from(JSON.stringify(value)).toString('base64'),
        });
        const historyWith = (value) => JSON.stringify({
            events: [
                { eventId: '7', activityTaskCompletedEventAttributes: { result: { payloads: [payload(value)] } } },
            ],
        });
        const key = Buffer.alloc(32, 7);
        strict_1.default.deepEqual((0, history_files_1.keyMaterialFindings)(historyWith({ keyId: 'key-0001', stack: 'vbt1' })), []);
        strict_1.default.equal((0, history_files_1.keyMaterialFindings)(historyWith({ root_token: 'x' })).length, 1);
        strict_1.default.ok((0, history_files_1.keyMaterialFindings)(historyWith({ token: `s.${'A1b2C3d4'.repeat(3)}` })).length > 0);
        strict_1.default.ok((0, history_files_1.keyMaterialFindings)(historyWith({ k: key.toString('base64') })).length > 0);
        strict_1.default.ok((0, history_files_1.keyMaterialFindings)(historyWith({ k: key.toString('hex') })).length > 0);
    });
});
//# sourceMappingURL=replay.test.js.map