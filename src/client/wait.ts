/**
 * How the client waits for a workflow's result (`--wait`, `release`, `root-token`): bounded by `--timeout`, and
 * never silent about why nothing happens. Every few seconds it looks at the run: when no worker polls its task
 * queue it says so, naming the queue and how to start one; when a step is being retried it prints the attempt
 * and the last error, once per attempt.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ClientConfig } from '../config/client';
import { formatDuration } from '../shared/duration';
import { uiLink } from './format';

/** `--timeout` ran out: exit code 4 (`EXIT.timedOut`); the workflow goes on. */
export class WaitTimedOutError extends Error {
  constructor(config: ClientConfig, workflowId: string, timeoutMs: number) {
    super(
      `timed out after ${formatDuration(timeoutMs)} waiting for ${workflowId}; it goes on (Temporal UI: ` +
        `${uiLink(config, workflowId)})`,
    );
    this.name = 'WaitTimedOutError';
  }
}

/** A poller the server saw within this long counts as a worker that polls (an idle one long-polls ~1 min). */
const POLLER_FRESH_MS = 2 * 60_000;

/** What the watch reads of a run: its pending activities, as `describe()` gives them. */
export interface PendingActivity {
  activityType?: { name?: string | null } | null;
  attempt?: number | null;
  lastFailure?: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null } | null;
}

/** The lines the watch prints, for a run that was seen with `pollers` and `pending` (pure: tested alone). */
export class RunWatch {
  private said = new Set<string>();
  private idle = false;

  constructor(private readonly taskQueue: string) {}

  /** The lines to print now: a change in whether a worker polls, each new retry attempt. */
  lines(pollers: number | undefined, pending: readonly PendingActivity[]): string[] {
    const out: string[] = [];
    if (pollers === 0 && !this.idle)
      out.push(
        `no worker polls task queue ${this.taskQueue}: the run waits until one does. Start the worker ` +
          `(the worker stack, init-infra-prod.sh; or npm start) with VAULT_BOOTSTRAP_TASK_QUEUE=${this.taskQueue}`,
      );
    if (pollers !== undefined && pollers > 0 && this.idle)
      out.push(`a worker polls task queue ${this.taskQueue} now`);
    if (pollers !== undefined) this.idle = pollers === 0;
    for (const a of pending) {
      const attempt = a.attempt ?? 1;
      const name = a.activityType?.name ?? 'a step';
      const key = `${name}#${attempt}`;
      if (attempt < 2 || this.said.has(key)) continue;
      this.said.add(key);
      const f = a.lastFailure;
      const why = f
        ? `${f.applicationFailureInfo?.type ? `${f.applicationFailureInfo.type}: ` : ''}${f.message ?? ''}`
        : '';
      out.push(`${name}: attempt ${attempt}${why ? `, last error: ${why}` : ''}`);
    }
    return out;
  }
}

/** How many workers polled `taskQueue` for workflow tasks lately; `undefined` when the server does not say. */
export async function recentPollers(
  client: Client,
  namespace: string,
  taskQueue: string,
): Promise<number | undefined> {
  try {
    const res = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const now = Date.now();
    return (res.pollers ?? []).filter((p) => {
      const at = p.lastAccessTime?.seconds;
      return at === undefined || at === null || now - Number(at) * 1000 < POLLER_FRESH_MS;
    }).length;
  } catch {
    return undefined; // not allowed (a role without DescribeTaskQueue) or not answered: say nothing
  }
}

export interface AwaitOptions {
  /** `--timeout`, in milliseconds; none: wait as long as it takes. */
  timeoutMs?: number;
  /** Where the watch's lines go. */
  print: (line: string) => void;
  /** Runs at every look (bootstrap prints its step changes here). */
  onLook?: () => Promise<void>;
  /** Between two looks, in milliseconds. Default 2000. */
  everyMs?: number;
}

/**
 * The run's result, watched while it comes (see the header); rejects as the result does, or with
 * `WaitTimedOutError` when `timeoutMs` runs out first.
 */
export async function awaitResult<R>(
  ctx: { client: Client; config: ClientConfig },
  handle: {
    workflowId: string;
    result(): Promise<R>;
    describe(): Promise<{ raw: { pendingActivities?: PendingActivity[] | null } }>;
  },
  options: AwaitOptions,
): Promise<R> {
  const { client, config } = ctx;
  const { timeoutMs, print, onLook, everyMs = 2000 } = options;
  const watch = new RunWatch(config.temporal.taskQueue);
  const stop = new AbortController();
  const result = handle.result();
  const ended = result.then(
    () => undefined,
    () => undefined,
  );
  const looking = (async () => {
    while (!stop.signal.aborted) {
      const [pollers, pending] = await Promise.all([
        recentPollers(client, config.temporal.namespace, config.temporal.taskQueue),
        handle.describe().then(
          (d) => d.raw.pendingActivities ?? [],
          () => [],
        ),
      ]);
      if (stop.signal.aborted) break;
      for (const line of watch.lines(pollers, pending)) print(line);
      await onLook?.().catch(() => undefined);
      await sleep(everyMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  const timer =
    timeoutMs === undefined
      ? undefined
      : sleep(timeoutMs, undefined, { signal: stop.signal }).then(
          () => 'timeout' as const,
          () => undefined,
        );
  try {
    const first = await Promise.race([ended.then(() => 'ended' as const), ...(timer ? [timer] : [])]);
    if (first === 'timeout') throw new WaitTimedOutError(config, handle.workflowId, timeoutMs!);
    return await result;
  } finally {
    stop.abort();
    await looking;
  }
}
