/**
 * Acting at an exact instant of a run: waiting for a worker to die by SIGKILL at its fault point
 * (`expectCrashAt`), or for an activity to pause at one (`PausePoint`), failing the case when the point is
 * not reached; and the innermost named failure of a run that failed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestRun } from '../support/testbed';
import { sleep } from '../support/wait';
import { count } from './summary';

/** The innermost ApplicationFailure of a failure chain (WorkflowFailedError -> ActivityFailure -> ...). */
export function innermostFailure(err: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) found = e;
  return found;
}

type FirstEvent =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'closed'; how: string }
  | { kind: 'timeout' };

function exitOf(worker: ChildProcess): Promise<FirstEvent> {
  if (worker.exitCode !== null || worker.signalCode !== null)
    return Promise.resolve({ kind: 'exit', code: worker.exitCode, signal: worker.signalCode });
  return new Promise((r) => worker.once('exit', (code, signal) => r({ kind: 'exit', code, signal })));
}

function closeOf(handle: WorkflowHandle): Promise<FirstEvent> {
  return handle.result().then(
    () => ({ kind: 'closed', how: 'completed' }),
    (err: unknown) => ({ kind: 'closed', how: `failed (${String(innermostFailure(err)?.type ?? err)})` }),
  );
}

async function raceWithDeadline(ms: number, ...events: Promise<FirstEvent>[]): Promise<FirstEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<FirstEvent>((r) => (timer = setTimeout(() => r({ kind: 'timeout' }), ms)));
  try {
    return await Promise.race([...events, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a fault point may take to be reached in a fresh run (a whole bootstrap is about a minute). */
const REACH_DEADLINE_MS = 8 * 60_000;

/** Waits for the worker to die by SIGKILL at `point`; fails the case if the run ended or stalled first. */
export async function expectCrashAt(
  run: TestRun,
  worker: ChildProcess,
  handle: WorkflowHandle,
  point: string,
): Promise<void> {
  const first = await raceWithDeadline(REACH_DEADLINE_MS, exitOf(worker), closeOf(handle));
  if (first.kind === 'closed') {
    assert.fail(
      `fault point ${point} was not reached: the workflow ${first.how} while the worker with the fault point was alive`,
    );
  }
  if (first.kind === 'timeout')
    assert.fail(`fault point ${point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
  assert.equal(
    first.kind === 'exit' ? first.signal : undefined,
    'SIGKILL',
    `the worker died by SIGKILL at ${point}`,
  );
  assert.ok(
    readFileSync(run.workerLog, 'utf8').includes(`failpoint ${point}: SIGKILL`),
    `the worker log names the fault point ${point}`,
  );
  count('faultsInjected');
}

/**
 * Waits for `worker` (started with the fault point `point`) to die by SIGKILL, within `deadlineMs`; fails the test
 * when it exits otherwise or not at all. For runs whose workflow a test follows on its own (the day-two tests).
 */
export async function expectWorkerKilledAt(
  worker: ChildProcess,
  point: string,
  deadlineMs: number,
): Promise<void> {
  const first = await raceWithDeadline(deadlineMs, exitOf(worker));
  assert.notEqual(first.kind, 'timeout', `the worker reached ${point} within ${deadlineMs / 60_000} min`);
  assert.equal(
    first.kind === 'exit' ? first.signal : undefined,
    'SIGKILL',
    `the worker died by SIGKILL at ${point}`,
  );
}

/** A `pause:<file>` fault point: the activity blocks there until `release()`. */
export class PausePoint {
  readonly file: string;

  constructor(
    run: TestRun,
    readonly point: string,
  ) {
    this.file = join(run.dir, `pause-${point.replace(/[^a-zA-Z0-9-]/g, '_')}`);
  }

  /** The worker environment that enables it. */
  get env(): Record<string, string> {
    return { VAULT_BOOTSTRAP_FAILPOINTS: `${this.point}=pause:${this.file}` };
  }

  /** Resolves once the activity is paused at the point; fails if the worker died or the run ended first. */
  async reached(worker: ChildProcess, handle: WorkflowHandle): Promise<void> {
    let closed: string | undefined;
    void closeOf(handle).then((e) => (closed = e.kind === 'closed' ? e.how : e.kind));
    const until = Date.now() + REACH_DEADLINE_MS;
    while (!existsSync(`${this.file}.reached`)) {
      if (worker.exitCode !== null || worker.signalCode !== null)
        assert.fail(
          `fault point ${this.point} was not reached: the worker exited (${worker.exitCode ?? worker.signalCode})`,
        );
      if (closed !== undefined)
        assert.fail(`fault point ${this.point} was not reached: the workflow ${closed}`);
      if (Date.now() > until)
        assert.fail(`fault point ${this.point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
      await sleep(200);
    }
  }

  release(): void {
    writeFileSync(this.file, 'go\n');
  }
}
