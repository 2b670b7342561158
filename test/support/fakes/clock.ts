/**
 * A clock for the waits that never really waits. `auto` (the default): each sleep moves time forward at
 * once and resolves on the next turn of the event loop, so a five-minute deadline passes in milliseconds.
 * `manual`: sleeps resolve only when the test calls `advance`.
 */
import type { Clock } from '../../../src/ports';

export class FakeClock implements Clock {
  private time: number;
  /** Every sleep asked for, in milliseconds, in order. */
  readonly sleeps: number[] = [];
  private pending: { due: number; resolve: () => void }[] = [];

  constructor(
    /** May change mid-test, e.g. `manual` once a world is set up. */
    public mode: 'auto' | 'manual' = 'auto',
    start = Date.now(),
  ) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.mode === 'auto') {
      this.time += ms;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve, reject) => {
      const entry = { due: this.time + ms, resolve };
      this.pending.push(entry);
      signal?.addEventListener('abort', () => {
        this.pending = this.pending.filter((p) => p !== entry);
        reject(signal.reason as Error);
      });
    });
  }

  /** Manual mode: moves time forward and resolves the sleeps that are due. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.pending.filter((p) => p.due <= this.time);
    this.pending = this.pending.filter((p) => p.due > this.time);
    for (const p of due) p.resolve();
  }
}
