/**
 * The counters every fault test feeds, and the table printed when a test file ends (an `after()` hook):
 * faults injected, runs completed, double inits, keys lost, leaks found. The hook fails the file when any
 * of the last three is not zero. One table per test file (node --test runs each file in its own process);
 * each table is also appended to `.cache/faults/summary.log` so a whole suite can be read back in one place.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { REPO } from '../support/testbed';

export interface FaultTally {
  /** A fault actually happened: the worker died at its fault point, a server or task was killed, bad input was given. */
  faultsInjected: number;
  /** Bootstrap runs that reached `done` after a fault. */
  runsCompleted: number;
  /** Runs that ended, as designed, in a named non-retryable failure (bad input). */
  namedFailures: number;
  /** More than one custody record, a `.conflict-` file, or a key id that changed: Vault initialized twice. */
  doubleInits: number;
  /** An initialized cluster whose key is not in custody (or not the one that unseals it), wherever the crash fell. */
  keysLost: number;
  /** Orphaned secret versions, or anything of a stack left in Docker after its clean-up. */
  leaksFound: number;
}

const tally: FaultTally = {
  faultsInjected: 0,
  runsCompleted: 0,
  namedFailures: 0,
  doubleInits: 0,
  keysLost: 0,
  leaksFound: 0,
};

const notes: string[] = [];

export function count(what: keyof FaultTally, n = 1, note?: string): void {
  tally[what] += n;
  if (note !== undefined && n > 0) notes.push(`${what}: ${note}`);
}

/** A line printed under the table (`! …`), e.g. a failed run with the command that replays it. */
export function note(text: string): void {
  notes.push(text);
}

export function currentTally(): Readonly<FaultTally> {
  return { ...tally };
}

/**
 * A row a suite adds below the common counters (the soak: faults by kind, permanent failures, times).
 * `mustBeZero` rows fail the file, as double inits do, when their value is a number other than 0.
 */
export interface ExtraRow {
  name: string;
  value: number | string;
  note?: string;
  mustBeZero?: boolean;
}

export function formatTally(title: string, t: FaultTally = tally, extra: ExtraRow[] = []): string {
  const rows: [string, number | string, string][] = [
    ['faults injected', t.faultsInjected, ''],
    ['runs completed', t.runsCompleted, ''],
    ['named failures (by design)', t.namedFailures, ''],
    ['double inits', t.doubleInits, 'must be 0'],
    ['keys lost', t.keysLost, 'must be 0'],
    ['leaks found', t.leaksFound, 'must be 0'],
    ...extra.map((r): [string, number | string, string] => [
      r.name,
      r.value,
      r.note ?? (r.mustBeZero ? 'must be 0' : ''),
    ]),
  ];
  const lines = [`fault-injection summary: ${title}`];
  for (const [name, n, note] of rows)
    lines.push(`  ${name.padEnd(40)} ${String(n).padStart(4)}${note ? `   (${note})` : ''}`);
  for (const n of notes) lines.push(`  ! ${n}`);
  return lines.join('\n');
}

/**
 * Registers the `after()` hook of a test file: prints the table, records it, and fails the file when a
 * double init, a lost key or a leak was counted, or an `extra` row that must be 0 is not (`extra` is
 * called once, when the file ends).
 */
export function summaryAfterAll(title: string, extra: () => ExtraRow[] = () => []): void {
  after(() => {
    const rows = extra();
    const table = formatTally(title, tally, rows);
    console.log(`\n${table}\n`);
    try {
      const dir = join(REPO, '.cache', 'faults');
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, 'summary.log'), `[${new Date().toISOString()}] ${table}\n`);
    } catch {
      // The table is on stdout already; the log file is a convenience.
    }
    const bad = (['doubleInits', 'keysLost', 'leaksFound'] as const)
      .filter((k) => tally[k] !== 0)
      .map((k) => `${k}=${tally[k]}`);
    for (const r of rows) if (r.mustBeZero && r.value !== 0) bad.push(`${r.name}=${r.value}`);
    if (bad.length > 0) {
      throw new Error(`${title}: ${bad.join(', ')} (must all be 0)`);
    }
  });
}
