/**
 * The worker process's logger: its own lines and, in `json`, the Temporal SDK's and Core's logs too.
 *
 * `text` (the default) writes what the worker always wrote: its messages as they are, warnings and errors on
 * stderr, the rest on stdout; the SDK keeps its own console output.
 *
 * `json` writes one JSON object per line, every line on stdout, whatever its level: one stream keeps the lines
 * in order, and `docker service logs` shows stdout and stderr together anyway. A line holds `time` (ISO 8601),
 * `level` (`trace` … `error`) and `message`, then the log's meta as the SDK passes it:
 * - from inside a workflow: `workflowId`, `runId`, `workflowType`, `taskQueue`, `namespace`;
 * - from inside an activity: `activityId`, `activityType`, `attempt`, `isLocal`, `taskQueue`, `namespace`,
 *   `workflowId`, `workflowType`, and the run id as `workflowRunId`, written here as `runId` like a workflow's;
 * - on every SDK log, `sdkComponent` (`workflow`, `activity`, `worker`, `core`); on Core's, its `target`.
 *
 * A line never holds a key or a token. Meta values are written only when they are primitives, an Error as its
 * `name` and `message` (the project's messages hold no key material: `src/shared/errors.ts`); anything else
 * (objects, arrays: the SDK's `options`, Core's `spanContexts`) is left out, never dumped. A string under a
 * name that sounds secret (the SDK's `taskToken`, say) is written as `[redacted]`.
 */
import { inspect, types } from 'node:util';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { LogTimestamp } from '@temporalio/worker';
import type { RuntimeOptions } from '@temporalio/worker';
import type { LogFormat } from './config/process';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Meta names whose string values are never written: defence in depth, nothing should log such a value. */
const SECRET_NAME = /token|key|secret|password/i;
/** The SDK's ids, written as they are whatever a future name looks like. */
const ID_NAMES = new Set([
  'workflowId',
  'runId',
  'workflowType',
  'activityId',
  'activityType',
  'taskQueue',
  'attempt',
  'namespace',
]);
export const REDACTED = '[redacted]';

/** Where a finished line (without its newline) goes. */
export type LineWriter = (level: LogLevel, line: string) => void;

/** The process's standard streams: in `json` all on stdout; in `text` warnings and errors on stderr, as before. */
function processWriter(format: LogFormat): LineWriter {
  return (level, line) => {
    const stderr = format === 'text' && (level === 'WARN' || level === 'ERROR');
    (stderr ? process.stderr : process.stdout).write(`${line}\n`);
  };
}

/**
 * The SDK's `Logger` in the chosen format, used both by the worker's own code and as the Runtime's logger.
 * Drops what is below `level` (`INFO`, like the SDK's default logger: the SDK's per-task lifecycle logs are
 * `DEBUG` and `TRACE`).
 */
export class WorkerLogger implements Logger {
  constructor(
    readonly format: LogFormat,
    readonly level: LogLevel = 'INFO',
    private readonly write: LineWriter = processWriter(format),
  ) {}

  /**
   * The error of the SDK's first `Worker failed` log line: what the first worker to fail failed with (later
   * ones are often the shutdown's own errors, IllegalStateError: Worker still in use).
   */
  firstWorkerFailure?: Error;

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (message === 'Worker failed' && meta?.error !== undefined)
      this.firstWorkerFailure ??= asError(meta.error);
    if (LEVELS.indexOf(level) < LEVELS.indexOf(this.level)) return;
    this.write(level, this.format === 'json' ? jsonLine(level, message, meta) : textLine(message, meta));
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The Runtime's logging options for the logger's format. Either way the SDK's own logs go through `logger`
 * (which is how the worker learns what a failed Worker failed with: `firstWorkerFailure`). `text`: Core prints
 * its own WARN and above, as by default. `json`: Core forwards its
 * logs to it, WARN and above from Core's crates and ERROR from the crates below them (the SDK's default
 * filter), so no line of either is printed as text.
 */
export function runtimeLogging(logger: WorkerLogger): Pick<RuntimeOptions, 'logger' | 'telemetryOptions'> {
  if (logger.format === 'text') return { logger };
  return { logger, telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } };
}

function jsonLine(level: LogLevel, message: string, meta: LogMetadata = {}): string {
  // The SDK stamps its logs when they happen (nanoseconds), and may write them up to 100 ms later, sorted.
  const nanos: unknown = meta[LogTimestamp];
  const time = typeof nanos === 'bigint' ? new Date(Number(nanos / 1_000_000n)) : new Date();
  const line: Record<string, unknown> = {
    time: time.toISOString(),
    level: level.toLowerCase(),
    message: String(message),
  };
  for (const [name, value] of Object.entries(meta)) {
    const key = name === 'workflowRunId' ? 'runId' : name;
    const written = safeValue(key, value);
    if (written !== undefined && !Object.hasOwn(line, key)) line[key] = written;
  }
  return JSON.stringify(line);
}

/** A meta value as written: a primitive as it is, an Error as its name and message, anything else not at all. */
function safeValue(name: string, value: unknown): unknown {
  if (value instanceof Error || types.isNativeError(value)) {
    return { name: String(value.name), message: String(value.message) };
  }
  switch (typeof value) {
    case 'string':
      return SECRET_NAME.test(name) && !ID_NAMES.has(name) ? REDACTED : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

/** A text line as `console.error('message:', ...values)` printed it: the message, then the meta's values. */
function textLine(message: string, meta: LogMetadata = {}): string {
  const values = Object.values(meta).map((v) => (typeof v === 'string' ? v : inspect(v)));
  return values.length === 0 ? message : `${message}: ${values.join(' ')}`;
}

/** An error as the SDK logged it: an Error (of this realm or not), or anything with a message. */
function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  const message = (e as { message?: unknown } | null)?.message;
  return new Error(typeof message === 'string' ? message : String(e));
}
