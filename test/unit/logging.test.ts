import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { log as activityLog } from '@temporalio/activity';
import type { LogLevel } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { LogTimestamp } from '@temporalio/worker';
import { NativeLogCollector } from '@temporalio/worker/lib/runtime-logger';
import type { LogFormat } from '../../src/config/process';
import { REDACTED, runtimeLogging, WorkerLogger } from '../../src/logging';

/** A logger whose lines are kept, with the level each was written at. */
function capture(format: LogFormat, level?: LogLevel) {
  const lines: { level: LogLevel; line: string }[] = [];
  const logger = new WorkerLogger(format, level, (l, line) => lines.push({ level: l, line }));
  const json = (): Record<string, unknown>[] =>
    lines.map(({ line }) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, json };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('json log lines', () => {
  it('one JSON object per line: time, lower-case level, message first, then the meta', () => {
    const { logger, lines, json } = capture('json');
    logger.info('polling task queue vault-bootstrap', {
      sdkComponent: 'worker',
      taskQueue: 'vault-bootstrap',
    });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.line.includes('\n'), 'no newline inside a line (the writer adds the one after it)');
    const [line] = json();
    assert.deepEqual(Object.keys(line!), ['time', 'level', 'message', 'sdkComponent', 'taskQueue']);
    assert.match(String(line!.time), ISO);
    assert.ok(Math.abs(Date.parse(String(line!.time)) - Date.now()) < 5_000);
    assert.equal(line!.level, 'info');
    assert.equal(line!.message, 'polling task queue vault-bootstrap');
  });

  it('drops what is below INFO by default, and writes every level lower-case from a lower threshold', () => {
    const dflt = capture('json');
    for (const l of ['trace', 'debug', 'info', 'warn', 'error'] as const) dflt.logger[l](`m-${l}`);
    assert.deepEqual(
      dflt.json().map((j) => j.level),
      ['info', 'warn', 'error'],
    );

    const all = capture('json', 'TRACE');
    for (const l of ['trace', 'debug', 'info', 'warn', 'error'] as const) all.logger[l](`m-${l}`);
    all.logger.log('WARN', 'through log()');
    assert.deepEqual(
      all.json().map((j) => [j.level, j.message]),
      [
        ['trace', 'm-trace'],
        ['debug', 'm-debug'],
        ['info', 'm-info'],
        ['warn', 'm-warn'],
        ['error', 'm-error'],
        ['warn', 'through log()'],
      ],
    );
  });

  it("takes the time from the SDK's timestamp when it passes one", () => {
    const { logger, json } = capture('json');
    const at = Date.parse('2024-05-06T07:08:09.123Z');
    logger.info('sorted and written later', { [LogTimestamp]: BigInt(at) * 1_000_000n + 456_789n });
    assert.equal(json()[0]!.time, '2024-05-06T07:08:09.123Z');
  });

  it("writes a workflow's log with the ids the SDK's workflow logger passes", () => {
    const { logger, json } = capture('json');
    // The meta of `workflow.log` (@temporalio/workflow workflowLogAttributes), as its sink hands it over.
    logger.info('step deployStack done', {
      [LogTimestamp]: 1_700_000_000_000_000_000n,
      sdkComponent: 'workflow',
      namespace: 'default',
      taskQueue: 'vault-bootstrap',
      workflowId: 'vault-bootstrap-iklimco',
      runId: '0191e2a4-5f4e-7c1d-9a77-3f1c2b7d0e11',
      workflowType: 'BootstrapVault',
    });
    assert.deepEqual(json()[0], {
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

  it("writes an activity's log with the SDK's activity ids, its run id as runId, and no task token", async () => {
    const { logger, lines, json } = capture('json');
    const env = new MockActivityEnvironment(
      {
        activityId: '7',
        activityType: 'deployStack',
        attempt: 3,
        taskQueue: 'vault-bootstrap',
        workflowType: 'BootstrapVault',
        workflowExecution: { workflowId: 'vault-bootstrap-iklimco', runId: 'run-1' },
      },
      { logger },
    );
    await env.run(() => {
      activityLog.warn('service not converged yet', { replicas: '1/3' });
      return Promise.resolve();
    });
    const line = json()[0]!;
    assert.equal(line.level, 'warn');
    assert.equal(line.message, 'service not converged yet');
    assert.equal(line.sdkComponent, 'activity');
    assert.equal(line.activityId, '7');
    assert.equal(line.activityType, 'deployStack');
    assert.equal(line.attempt, 3);
    assert.equal(line.taskQueue, 'vault-bootstrap');
    assert.equal(line.workflowId, 'vault-bootstrap-iklimco');
    assert.equal(line.runId, 'run-1');
    assert.equal(line.workflowType, 'BootstrapVault');
    assert.equal(line.replicas, '1/3');
    assert.equal(line.taskToken, REDACTED, "the SDK passes the activity's base64 task token: never written");
    assert.ok(!('workflowRunId' in line));
    assert.ok(!lines[0]!.line.includes(Buffer.from('test').toString('base64')));
  });

  it("writes Core's forwarded logs (as the SDK converts them) as JSON lines, without their nested values", () => {
    const { logger, json } = capture('json');
    const collector = new NativeLogCollector(logger);
    collector.receive([
      JSON.stringify({
        target: 'temporal_sdk_core::worker',
        message: 'Network error while polling',
        timestamp: String(BigInt(Date.parse('2024-01-02T03:04:05.006Z')) * 1_000_000n),
        level: 'WARN',
        fields: { task_queue: 'vault-bootstrap', error: { code: 14 } },
        spanContexts: ['poll'],
      }),
    ]);
    collector.close();
    assert.deepEqual(json(), [
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

  it('writes an Error as its name and message only, and leaves objects and arrays out', () => {
    const { logger, lines, json } = capture('json');
    class CustodyFailure extends Error {
      readonly record = { key: 'c2VjcmV0LWtleQ==' };
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
    assert.deepEqual(json()[0], {
      time: json()[0]!.time,
      level: 'error',
      message: 'vault-bootstrap worker failed',
      error: { name: 'CustodyFailure', message: 'custody file unreadable' },
      count: 2,
      infinite: 'Infinity',
      big: '12',
      ok: false,
    });
    assert.doesNotMatch(lines[0]!.line, /c2VjcmV0|k-123|EACCES|at .*logging\.test/);
  });

  it('redacts strings under secret-sounding names, keeps the ids, and never lets meta replace the line fields', () => {
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
    const line = json()[0]!;
    for (const k of ['token', 'rootToken', 'unsealKey', 'API_KEY', 'clientSecret', 'Password'])
      assert.equal(line[k], REDACTED, k);
    assert.equal(line.keyVersion, 2, 'only strings are redacted');
    assert.equal(line.activityId, 'a-key-1');
    assert.equal(line.taskQueue, 'secret-queue');
    assert.equal(line.workflowId, 'vault-token-rotation');
    assert.equal(line.workflowType, 'RotateKey');
    assert.equal(line.message, 'tokens');
    assert.equal(line.level, 'info');
    assert.match(String(line.time), ISO);
    assert.doesNotMatch(lines[0]!.line, /hvs\.|AAAA/);
  });
});

describe('text log lines', () => {
  it("keeps the worker's messages as they were, meta values after a colon as console.error printed them", () => {
    const { logger, lines } = capture('text');
    logger.info('vault-bootstrap worker: shut down cleanly');
    logger.error('vault-bootstrap worker failed', { error: new TypeError('boom') });
    assert.equal(lines[0]!.line, 'vault-bootstrap worker: shut down cleanly');
    assert.match(lines[1]!.line, /^vault-bootstrap worker failed: TypeError: boom\n {4}at /);
    assert.deepEqual(
      lines.map((l) => l.level),
      ['INFO', 'ERROR'],
    );
  });
});

describe('where lines go (the process writer)', () => {
  const logging = join(__dirname, '..', '..', 'src', 'logging.js');
  const run = (format: LogFormat) =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `const { WorkerLogger } = require(${JSON.stringify(logging)});
         const log = new WorkerLogger(${JSON.stringify(format)});
         log.info('one'); log.warn('two'); log.error('three');`,
      ],
      { encoding: 'utf8' },
    );

  it('json: every line on stdout, each one JSON object', () => {
    const r = run('json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout.split('\n');
    assert.equal(out.pop(), '', 'ends with a newline');
    assert.deepEqual(
      out.map((l) => (JSON.parse(l) as { level: string }).level),
      ['info', 'warn', 'error'],
    );
  });

  it('text: info on stdout, warnings and errors on stderr, as before', () => {
    const r = run('text');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'one\n');
    assert.equal(r.stderr, 'two\nthree\n');
  });
});

describe('runtime logging options', () => {
  it('both install the logger; text leaves Core its console, json forwards Core from WARN', () => {
    const text = new WorkerLogger('text');
    assert.deepEqual(runtimeLogging(text), { logger: text });
    const logger = new WorkerLogger('json');
    assert.deepEqual(runtimeLogging(logger), {
      logger,
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  });
});

describe('VAULT_BOOTSTRAP_LOG_FORMAT in the worker (the variable: test/unit/config/process.test.ts)', () => {
  const worker = join(__dirname, '..', '..', 'src', 'worker.js');
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, [worker], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

  it('the worker exits 2 on an invalid value, saying so in text', () => {
    const r = start({ VAULT_BOOTSTRAP_LOG_FORMAT: 'xml' });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'vault-bootstrap worker: VAULT_BOOTSTRAP_LOG_FORMAT: expected `text` or `json`, got "xml"\n',
    );
  });

  it("in json, the worker's start errors are JSON lines on stdout (exit 2 as before)", () => {
    const r = start({ VAULT_BOOTSTRAP_LOG_FORMAT: 'json', VAULT_BOOTSTRAP_WORKER_ROLE: 'agent' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, 'error');
    assert.match(String(line.message), /^vault-bootstrap worker: VAULT_BOOTSTRAP_WORKER_ROLE: expected/);
  });
});
