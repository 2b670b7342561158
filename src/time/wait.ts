/**
 * The one way the worker waits for a state: poll a check that re-reads real state, pause between polls on
 * an injectable clock, give up at a deadline with a message naming what was awaited and the last reason.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isNamedFailure, messageOf } from '../shared/errors';
import type { Clock } from '../ports';

/** The real clock: `Date.now` and a timer that an AbortSignal cancels. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

export interface WaitOptions {
  /** What is awaited, named in the timeout error (`3 running tasks of s_vault`). */
  what: string;
  /** Give up after this many milliseconds. */
  deadlineMs: number;
  /** Give up after this many polls as well, however fast they fail. Default: no limit. */
  maxPolls?: number;
  /** Pause before the next poll, in milliseconds, by the number of polls done so far (1, 2, ...). Default 1000. */
  intervalMs?: number | ((polls: number) => number);
  clock: Clock;
  /** Ends the wait with its rejection when it rejects (an activity's `Context.current().cancelled`). */
  cancelled?: Promise<never>;
  /** Runs after each unsuccessful poll (an activity heartbeats here). */
  onPoll?: () => void;
}

/**
 * Calls `check` until it returns a value other than undefined, and returns that value. An error of `check`
 * is remembered as the reason and the check polled again, except a named failure (a `NonRetryableError`
 * or a non-retryable ApplicationFailure), which no waiting changes: it ends the wait at once.
 * After the deadline: `timed out after <s>s waiting for <what> (last: <reason>)`; after `maxPolls`:
 * `gave up after <n> tries waiting for <what> (last: <reason>)`.
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const { clock, deadlineMs } = options;
  const interval = options.intervalMs ?? 1000;
  const until = clock.now() + deadlineMs;
  for (let polls = 1; ; polls++) {
    let last: string;
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = 'condition not met';
    } catch (err) {
      if (isNamedFailure(err)) throw err;
      last = messageOf(err);
    }
    if (clock.now() >= until) {
      throw new Error(
        `timed out after ${Math.round(deadlineMs / 1000)}s waiting for ${options.what} (last: ${last})`,
      );
    }
    if (polls === options.maxPolls) {
      throw new Error(`gave up after ${polls} tries waiting for ${options.what} (last: ${last})`);
    }
    options.onPoll?.();
    await pause(clock, typeof interval === 'number' ? interval : interval(polls), options.cancelled);
  }
}

/** Sleeps on `clock`, or rejects as soon as `cancelled` does (the timer is then cleared). */
async function pause(clock: Clock, ms: number, cancelled: Promise<never> | undefined): Promise<void> {
  if (!cancelled) return clock.sleep(ms);
  const stop = new AbortController();
  try {
    await Promise.race([clock.sleep(ms, stop.signal), cancelled]);
  } finally {
    stop.abort();
  }
}
