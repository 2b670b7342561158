/**
 * The fault points of the crash and fault-injection tests (docs/faults.md), driven by the environment.
 *
 * Inert unless the worker is started with `VAULT_BOOTSTRAP_FAILPOINTS=name[=action],...`: in production
 * the map of enabled points is empty and `hit` is one Map lookup. Every name must be one of `FAILPOINTS`
 * (checked when the worker starts), so a typo in a test fails loudly instead of testing nothing.
 *
 * Actions:
 * - `crash` (default): SIGKILL of the worker's own process, the way a power cut or an OOM kill ends it.
 * - `error`: throws a retryable error (the activity is retried by Temporal).
 * - `pause:<absolute file>`: writes `<file>.reached`, then blocks the activity (it keeps heartbeating)
 *   until `<file>` exists, so a test can act at that exact instant (kill a task, restart a server).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { BACKUP_FAILPOINTS, BREAK_GLASS_FAILPOINTS, FAILPOINTS, REKEY_FAILPOINTS } from '../ports/failpoints';
import type { FaultPoints } from '../ports/failpoints';
import { FailpointSpecError } from '../shared/errors';
import { systemClock, waitUntil } from '../time/wait';

export { BACKUP_FAILPOINTS, BREAK_GLASS_FAILPOINTS, FAILPOINTS, REKEY_FAILPOINTS } from '../ports/failpoints';
export { FailpointSpecError } from '../shared/errors';

const KNOWN = new Set([...FAILPOINTS, ...BACKUP_FAILPOINTS, ...BREAK_GLASS_FAILPOINTS, ...REKEY_FAILPOINTS]);

type FailpointAction = { kind: 'crash' } | { kind: 'error' } | { kind: 'pause'; file: string };

function parseAction(spec: string, raw: string): FailpointAction {
  if (raw === 'crash' || raw === 'error') return { kind: raw };
  if (raw.startsWith('pause:')) {
    const file = raw.slice('pause:'.length);
    if (!isAbsolute(file)) throw new FailpointSpecError(spec, 'a pause needs an absolute file path');
    return { kind: 'pause', file };
  }
  throw new FailpointSpecError(spec);
}

const PAUSE_POLL_MS = 200;
/** A paused activity gives up after this long, so a test that forgot to release it cannot hang forever. */
const PAUSE_LIMIT_MS = 15 * 60_000;

export class Failpoints implements FaultPoints {
  private readonly enabled = new Map<string, FailpointAction>();

  constructor(specs: string[]) {
    for (const spec of specs) {
      const eq = spec.indexOf('=');
      const name = eq < 0 ? spec : spec.slice(0, eq);
      const action = parseAction(spec, eq < 0 ? 'crash' : spec.slice(eq + 1));
      if (!name) throw new FailpointSpecError(spec);
      if (!KNOWN.has(name)) {
        throw new FailpointSpecError(
          spec,
          `unknown fault point ${JSON.stringify(name)} (the lists are FAILPOINTS and BACKUP_FAILPOINTS in src/ports/failpoints.ts, and docs/faults.md)`,
        );
      }
      this.enabled.set(name, action);
    }
  }

  /** Runs the action of `name` when it is enabled; otherwise does nothing (any string: names given at run time). */
  async hit(name: string): Promise<void> {
    const action = this.enabled.get(name);
    if (action === undefined) return;
    switch (action.kind) {
      case 'error':
        throw new Error(`failpoint ${name} injected an error`);
      case 'crash':
        process.stderr.write(`failpoint ${name}: SIGKILL\n`);
        process.kill(process.pid, 'SIGKILL');
        return;
      case 'pause':
        return pause(name, action.file);
    }
  }
}

async function pause(name: string, file: string): Promise<void> {
  process.stderr.write(`failpoint ${name}: paused until ${file} exists\n`);
  writeFileSync(`${file}.reached`, `${name}\n`);
  await waitUntil(() => Promise.resolve(existsSync(file) ? true : undefined), {
    what: `failpoint ${name} to be released by ${file}`,
    deadlineMs: PAUSE_LIMIT_MS,
    intervalMs: PAUSE_POLL_MS,
    clock: systemClock,
  });
  process.stderr.write(`failpoint ${name}: resumed\n`);
}
