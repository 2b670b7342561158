/**
 * Time as the waits see it. The worker uses the system clock; tests pass a fake one that advances at once,
 * so a five-minute deadline is tested in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
