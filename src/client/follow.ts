/**
 * `bootstrap --wait`: follow a BootstrapVault run live, one line per step status change, until it ends.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { StepProgress } from '../shared/steps';
import type { BootstrapResult } from '../shared/types';
import { formatProgressEvent } from './format';

/** What following needs of a bootstrap run: its progress rows and its result. The seam tests fake. */
export interface BootstrapRun {
  /** The `progress` query; rejects while no worker answers queries. */
  progress(): Promise<StepProgress[]>;
  /** Resolves with the workflow's result, rejects with `WorkflowFailedError` when it failed. */
  result(): Promise<BootstrapResult>;
}

export interface FollowOptions {
  /** Where each line goes. Default `console.log`. */
  print?: (line: string) => void;
  /** The clock stamped on each line. Default the current time. */
  now?: () => Date;
  /** Longest wait between two progress queries, in milliseconds (the result ending cuts it short). Default 1000. */
  pollMs?: number;
}

/** How long the pass after the end waits for its query (a run that ended as no worker polls is never answered). */
const LAST_QUERY_MS = 5000;

/**
 * Prints each step once per status it reaches (never `pending`) until the run ends, then once more so every
 * step's final state is printed; resolves or rejects as the run's result does. Query failures (no worker
 * polling yet) are skipped, and a query still unanswered when the result comes (a query waits for a worker)
 * is given up: the loop keeps to the result.
 */
export async function followProgress(
  run: BootstrapRun,
  options: FollowOptions = {},
): Promise<BootstrapResult> {
  const { print = console.log, now = () => new Date(), pollMs = 1000 } = options;
  const seen = new Map<string, string>();
  const result = run.result();
  let finished = false;
  let ended = true; // false when the wait stopped (a timeout) before the run ended: no final state to print
  const settled = result.then(
    () => (finished = true),
    (err: unknown) => {
      ended = err instanceof WorkflowFailedError;
      finished = true;
    },
  );
  const timers = new Set<NodeJS.Timeout>();
  const timer = (ms: number) =>
    new Promise<undefined>((r) => {
      const t = setTimeout(() => {
        timers.delete(t);
        r(undefined);
      }, ms);
      timers.add(t);
    });
  for (let last = false; !last;) {
    last = finished; // one more pass after the end, so the final state of every step is printed
    if (last && !ended) break;
    const rows = await Promise.race([
      run.progress().catch(() => undefined), // the query needs a worker; while none polls, keep waiting
      last ? timer(LAST_QUERY_MS) : settled.then(() => undefined),
    ]);
    for (const r of rows ?? []) {
      if (seen.get(r.step) !== r.status && r.status !== 'pending') {
        seen.set(r.step, r.status);
        print(formatProgressEvent(r, now()));
      }
    }
    if (!last) await Promise.race([settled, timer(pollMs)]);
  }
  for (const t of timers) clearTimeout(t); // a timer the result cut short keeps nothing alive
  return result;
}
