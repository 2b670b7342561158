"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const activity_1 = require("@temporalio/activity");
const testing_1 = require("@temporalio/testing");
const worker_1 = require("@temporalio/worker");
const runtime_logger_1 = require("@temporalio/worker/lib/runtime-logger");
const config_1 = require("../../src/config");
const logging_1 = require("../../src/logging");
/** A logger whose lines are kept, with the level each was written at. */
function capture(format, level) {
    const lines = [];
    const logger = new logging_1.WorkerLogger(format, level, (l, line) => lines.push({ level: l, line }));
    const json = () => lines.map(({ line }) => JSON.parse(line));
    return { logger, lines, json };
}
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
(0, node_test_1.describe)('json log lines', () => {
    (0, node_test_1.it)('one JSON object per line: time, lower-case level, message first, then the meta', () => {
        const { logger, lines, json } = capture('json');
        logger.info('polling task queue vault-bootstrap', {
            sdkComponent: 'worker',
            taskQueue: 'vault-bootstrap',
        });
        strict_1.default.equal(lines.length, 1);
        strict_1.default.ok(!lines[0].line.includes('\n'), 'no newline inside a line (the writer adds the one after it)');
        const [line] = json();
        strict_1.default.deepEqual(Object.keys(line), ['time', 'level', 'message', 'sdkComponent', 'taskQueue']);
        strict_1.default.match(String(line.time), ISO);
        strict_1.default.ok(Math.abs(Date.parse(String(line.time)) - Date.now()) < 5_000);
        strict_1.default.equal(line.level, 'info');
        strict_1.default.equal(line.message, 'polling task queue vault-bootstrap');
    });
    (0, node_test_1.it)('drops what is below INFO by default, and writes every level lower-case from a lower threshold', () => {
        const dflt = capture('json');
        for (const l of ['trace', 'debug', 'info', 'warn', 'error'])
            dflt.logger[l](`m-${l}`);
        strict_1.default.deepEqual(dflt.json().map((j) => j.level), ['info', 'warn', 'error']);
        const all = capture('json', 'TRACE');
        for (const l of ['trace', 'debug', 'info', 'warn', 'error'])
            all.logger[l](`m-${l}`);
        all.logger.log('WARN', 'through log()');
        strict_1.default.deepEqual(all.json().map((j) => [j.level, j.message]), [
            ['trace', 'm-trace'],
            ['debug', 'm-debug'],
            ['info', 'm-info'],
            ['warn', 'm-warn'],
            ['error', 'm-error'],
            ['warn', 'through log()'],
        ]);
    });
    (0, node_test_1.it)("takes the time from the SDK's timestamp when it passes one", () => {
        const { logger, json } = capture('json');
        const at = Date.parse('2024-05-06T07:08:09.123Z');
        logger.info('sorted and written later', { [worker_1.LogTimestamp]: BigInt(at) * 1000000n + 456789n });
        strict_1.default.equal(json()[0].time, '2024-05-06T07:08:09.123Z');
    });
    (0, node_test_1.it)("writes a workflow's log with the ids the SDK's workflow logger passes", () => {
        const { logger, json } = capture('json');
        // The meta of `workflow.log` (@temporalio/workflow workflowLogAttributes), as its sink hands it over.
        logger.info('step deployStack done', {
            [worker_1.LogTimestamp]: 1700000000000000000n,
            sdkComponent: 'workflow',
            namespace: 'default',
            taskQueue: 'vault-bootstrap',
            workflowId: 'vault-bootstrap-iklimco',
            runId: '0191e2a4-5f4e-7c1d-9a77-3f1c2b7d0e11',
            workflowType: 'BootstrapVault',
        });
        strict_1.default.deepEqual(json()[0], {
            time: '2023-11-14T22:13:20.000Z',
            level: 'info',
            message: 'step deployStack done',
            sdkComponent: 'workflow',
            namespace: 'default',
            taskQueue: 'vault-bootstrap',
            workflowId: 'vault-bootstrap-iklimco',
            runId: '0191e2a4-5f4e-7c1d-9a77-3f1c2b7d0e11',
            workflowType: 'BootstrapVault',
        });
    });
    (0, node_test_1.it)("writes an activity's log with the SDK's activity ids, its run id as runId, and no task token", async () => {
        const { logger, lines, json } = capture('json');
        const env = new testing_1.MockActivityEnvironment({
            activityId: '7',
            activityType: 'deployStack',
            attempt: 3,
            taskQueue: 'vault-bootstrap',
            workflowType: 'BootstrapVault',
            workflowExecution: { workflowId: 'vault-bootstrap-iklimco', runId: 'run-1' },
        }, { logger });
        await env.run(() => {
            activity_1.log.warn('service not converged yet', { replicas: '1/3' });
            return Promise.resolve();
        });
        const line = json()[0];
        strict_1.default.equal(line.level, 'warn');
        strict_1.default.equal(line.message, 'service not converged yet');
        strict_1.default.equal(line.sdkComponent, 'activity');
        strict_1.default.equal(line.activityId, '7');
        strict_1.default.equal(line.activityType, 'deployStack');
        strict_1.default.equal(line.attempt, 3);
        strict_1.default.equal(line.taskQueue, 'vault-bootstrap');
        strict_1.default.equal(line.workflowId, 'vault-bootstrap-iklimco');
        strict_1.default.equal(line.runId, 'run-1');
        strict_1.default.equal(line.workflowType, 'BootstrapVault');
        strict_1.default.equal(line.replicas, '1/3');
        strict_1.default.equal(line.taskToken, logging_1.REDACTED, "the SDK passes the activity's base64 task token: never written");
        strict_1.default.ok(!('workflowRunId' in line));
        strict_1.default.ok(!lines[0].line.includes(Buffer.from('test').toString('base64')));
    });
    (0, node_test_1.it)("writes Core's forwarded logs (as the SDK converts them) as JSON lines, without their nested values", () => {
        const { logger, json } = capture('json');
        const collector = new runtime_logger_1.NativeLogCollector(logger);
        collector.receive([
            JSON.stringify({
                target: 'temporal_sdk_core::worker',
                message: 'Network error while polling',
                timestamp: String(BigInt(Date.parse('2024-01-02T03:04:05.006Z')) * 1000000n),
                level: 'WARN',
                fields: { task_queue: 'vault-bootstrap', error: { code: 14 } },
                spanContexts: ['poll'],
            }),
        ]);
        collector.close();
        strict_1.default.deepEqual(json(), [
            {
                time: '2024-01-02T03:04:05.006Z',
                level: 'warn',
                message: 'Network error while polling',
                sdkComponent: 'core',
                target: 'temporal_sdk_core::worker',
                task_queue: 'vault-bootstrap',
            },
        ]);
    });
    (0, node_test_1.it)('writes an Error as its name and message only, and leaves objects and arrays out', () => {
        const { logger, lines, json } = capture('json');
        class CustodyFailure extends Error {
            record = { key: 'c2VjcmV0LWtleQ==' };
        }
        const error = new CustodyFailure('custody file unreadable', { cause: new Error('EACCES') });
        error.name = 'CustodyFailure';
        logger.error('vault-bootstrap worker failed', {
            error,
            options: { apiKey: 'k-123', nested: { token: 't' } },
            list: ['a', 'b'],
            fn: () => 'x',
            nothing: null,
            count: 2,
            infinite: Infinity,
            big: 12n,
            ok: false,
        });
        strict_1.default.deepEqual(json()[0], {
            time: json()[0].time,
            level: 'error',
            message: 'vault-bootstrap worker failed',
            error: { name: 'CustodyFailure', message: 'custody file unreadable' },
            count: 2,
            infinite: 'Infinity',
            big: '12',
            ok: false,
        });
        strict_1.default.doesNotMatch(lines[0].line, /c2VjcmV0|k-123|EACCES|at .*logging\.test/);
    });
    (0, node_test_1.it)('redacts strings under secret-sounding names, keeps the ids, and never lets meta replace the line fields', () => {
        const { logger, lines, json } = capture('json');
        logger.info('tokens', {
            token: 'hvs.abc',
            rootToken: 'hvs.def',
            unsealKey: 'AAAA',
            API_KEY: 'k',
            clientSecret: 's',
            Password: 'p',
            keyVersion: 2,
            activityId: 'a-key-1',
            taskQueue: 'secret-queue',
            workflowId: 'vault-token-rotation',
            workflowType: 'RotateKey',
            message: 'not the message',
            level: 'debug',
            time: 'yesterday',
        });
        const line = json()[0];
        for (const k of ['token', 'rootToken', 'unsealKey', 'API_KEY', 'clientSecret', 'Password'])
            strict_1.default.equal(line[k], logging_1.REDACTED, k);
        strict_1.default.equal(line.keyVersion, 2, 'only strings are redacted');
        strict_1.default.equal(line.activityId, 'a-key-1');
        strict_1.default.equal(line.taskQueue, 'secret-queue');
        strict_1.default.equal(line.workflowId, 'vault-token-rotation');
        strict_1.default.equal(line.workflowType, 'RotateKey');
        strict_1.default.equal(line.message, 'tokens');
        strict_1.default.equal(line.level, 'info');
        strict_1.default.match(String(line.time), ISO);
        strict_1.default.doesNotMatch(lines[0].line, /hvs\.|AAAA/);
    });
});
(0, node_test_1.describe)('text log lines', () => {
    (0, node_test_1.it)("keeps the worker's messages as they were, meta values after a colon as console.error printed them", () => {
        const { logger, lines } = capture('text');
        logger.info('vault-bootstrap worker: shut down cleanly');
        logger.error('vault-bootstrap worker failed', { error: new TypeError('boom') });
        strict_1.default.equal(lines[0].line, 'vault-bootstrap worker: shut down cleanly');
        strict_1.default.match(lines[1].line, /^vault-bootstrap worker failed: TypeError: boom\n {4}at /);
        strict_1.default.deepEqual(lines.map((l) => l.level), ['INFO', 'ERROR']);
    });
});
(0, node_test_1.describe)('where lines go (the process writer)', () => {
    const logging = (0, node_path_1.join)(__dirname, '..', '..', 'src', 'logging.js');
    const run = (format) => (0, node_child_process_1.spawnSync)(process.execPath, [
        '-e',
        `const { WorkerLogger } = require(${JSON.stringify(logging)});
         const log = new WorkerLogger(${JSON.stringify(format)});
         log.info('one'); log.warn('two'); log.error('three');`,
    ], { encoding: 'utf8' });
    (0, node_test_1.it)('json: every line on stdout, each one JSON object', () => {
        const r = run('json');
        strict_1.default.equal(r.status, 0, r.stderr);
        strict_1.default.equal(r.stderr, '');
        const out = r.stdout.split('\n');
        strict_1.default.equal(out.pop(), '', 'ends with a newline');
        strict_1.default.deepEqual(out.map((l) => JSON.parse(l).level), ['info', 'warn', 'error']);
    });
    (0, node_test_1.it)('text: info on stdout, warnings and errors on stderr, as before', () => {
        const r = run('text');
        strict_1.default.equal(r.status, 0, r.stderr);
        strict_1.default.equal(r.stdout, 'one\n');
        strict_1.default.equal(r.stderr, 'two\nthree\n');
    });
});
(0, node_test_1.describe)('runtime logging options', () => {
    (0, node_test_1.it)('text leaves the SDK its defaults; json installs the logger and forwards Core from WARN', () => {
        strict_1.default.deepEqual((0, logging_1.runtimeLogging)(new logging_1.WorkerLogger('text')), {});
        const logger = new logging_1.WorkerLogger('json');
        strict_1.default.deepEqual((0, logging_1.runtimeLogging)(logger), {
            logger,
            telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
        });
    });
});
(0, node_test_1.describe)('VAULT_BOOTSTRAP_LOG_FORMAT', () => {
    (0, node_test_1.it)('text when unset or empty; json or text when set', () => {
        strict_1.default.equal((0, config_1.loadLogFormat)({}), 'text');
        strict_1.default.equal((0, config_1.loadLogFormat)({ VAULT_BOOTSTRAP_LOG_FORMAT: '' }), 'text');
        strict_1.default.equal((0, config_1.loadLogFormat)({ VAULT_BOOTSTRAP_LOG_FORMAT: 'json' }), 'json');
        strict_1.default.equal((0, config_1.loadLogFormat)({ VAULT_BOOTSTRAP_LOG_FORMAT: 'text' }), 'text');
    });
    (0, node_test_1.it)('anything else is a configuration error naming the variable', () => {
        for (const bad of ['JSON', 'logfmt', ' json'])
            strict_1.default.throws(() => (0, config_1.loadLogFormat)({ VAULT_BOOTSTRAP_LOG_FORMAT: bad }), (err) => err instanceof config_1.ConfigError &&
                err.setting === 'VAULT_BOOTSTRAP_LOG_FORMAT' &&
                err.message.includes(JSON.stringify(bad)));
    });
    const worker = (0, node_path_1.join)(__dirname, '..', '..', 'src', 'worker.js');
    const start = (env) => (0, node_child_process_1.spawnSync)(process.execPath, [worker], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    (0, node_test_1.it)('the worker exits 2 on an invalid value, saying so in text', () => {
        const r = start({ VAULT_BOOTSTRAP_LOG_FORMAT: 'xml' });
        strict_1.default.equal(r.status, 2);
        strict_1.default.equal(r.stdout, '');
        strict_1.default.equal(r.stderr, 'vault-bootstrap worker: VAULT_BOOTSTRAP_LOG_FORMAT: expected `text` or `json`, got "xml"\n');
    });
    (0, node_test_1.it)("in json, the worker's start errors are JSON lines on stdout (exit 2 as before)", () => {
        const r = start({ VAULT_BOOTSTRAP_LOG_FORMAT: 'json', VAULT_BOOTSTRAP_WORKER_ROLE: 'agent' });
        strict_1.default.equal(r.status, 2);
        strict_1.default.equal(r.stderr, '');
        const lines = r.stdout.trimEnd().split('\n');
        strict_1.default.equal(lines.length, 1);
        const line = JSON.parse(lines[0]);
        strict_1.default.equal(line.level, 'error');
        strict_1.default.match(String(line.message), /^vault-bootstrap worker: VAULT_BOOTSTRAP_WORKER_ROLE: expected/);
    });
});
//# sourceMappingURL=logging.test.js.map