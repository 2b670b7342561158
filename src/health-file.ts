/**
 * The worker's liveness file, for a container HEALTHCHECK (`src/healthcheck.ts`).
 *
 * While every Temporal Worker of the process is `RUNNING`, the process rewrites the file every
 * `HEALTH_FILE_INTERVAL_MS`; the check calls it healthy while the file is younger than
 * `HEALTH_FILE_MAX_AGE_MS`. A fresh file proves the process lives, its event loop turns and its Workers
 * poll (or retry their polls: the SDK keeps a Worker `RUNNING` while Temporal is briefly unreachable, and
 * fails it when polling cannot go on, which ends the process). It does not prove that Temporal answers,
 * nor anything about Vault: that is the health workflow's job.
 */
import { rmSync, statSync, writeFileSync } from 'node:fs';

/** How often the file is rewritten, in milliseconds. */
export const HEALTH_FILE_INTERVAL_MS = 10_000;
/** Age after which the file no longer counts as a sign of life: three missed writes. */
export const HEALTH_FILE_MAX_AGE_MS = 3 * HEALTH_FILE_INTERVAL_MS;

export interface HealthFileWriter {
  /** Stops writing and removes the file: a stopped worker is unhealthy at once, not after the max age. */
  stop(): void;
}

/**
 * Writes `path` now and every `intervalMs` while `isRunning()` holds. A failed write is reported once
 * (until a write succeeds again) and never stops the worker: the file going stale is the signal.
 */
export function startHealthFile(
  path: string,
  isRunning: () => boolean,
  intervalMs = HEALTH_FILE_INTERVAL_MS,
  log: (message: string) => void = (m) => console.error(m),
): HealthFileWriter {
  let failing = false;
  const beat = (): void => {
    if (!isRunning()) return;
    try {
      writeFileSync(path, `${new Date().toISOString()} pid ${process.pid}\n`);
      failing = false;
    } catch (err) {
      if (!failing) log(`vault-bootstrap worker: cannot write the health file ${path}: ${errorCode(err)}`);
      failing = true;
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      try {
        rmSync(path, { force: true });
      } catch (err) {
        log(`vault-bootstrap worker: cannot remove the health file ${path}: ${errorCode(err)}`);
      }
    },
  };
}

export interface HealthFileState {
  healthy: boolean;
  /** One line for the HEALTHCHECK log (`docker inspect`): what was found. */
  detail: string;
}

/** Whether `path` was written less than `maxAgeMs` before `nowMs`. */
export function checkHealthFile(
  path: string,
  nowMs: number,
  maxAgeMs = HEALTH_FILE_MAX_AGE_MS,
): HealthFileState {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch (err) {
    return {
      healthy: false,
      detail: `no health file ${path} (${errorCode(err)}): the worker is starting, stopping or not polling`,
    };
  }
  const ageMs = nowMs - mtimeMs;
  const ageS = Math.round(ageMs / 1000);
  return ageMs <= maxAgeMs
    ? { healthy: true, detail: `${path} written ${ageS}s ago: the worker polls` }
    : {
        healthy: false,
        detail: `${path} written ${ageS}s ago (more than ${maxAgeMs / 1000}s): the worker stopped polling or hangs`,
      };
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
