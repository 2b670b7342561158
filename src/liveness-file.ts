/**
 * The worker's liveness file, for a container HEALTHCHECK (`src/liveness-check.ts`). Liveness is the worker
 * process's own: whether it still polls. Vault's health is another matter (src/shared/health.ts and the
 * health workflow).
 *
 * While every Temporal Worker of the process is `RUNNING`, the process rewrites the file every
 * `LIVENESS_FILE_INTERVAL_MS`; the check calls it alive while the file is younger than
 * `LIVENESS_FILE_MAX_AGE_MS`. A fresh file proves the process lives, its event loop turns and its Workers
 * poll (or retry their polls: the SDK keeps a Worker `RUNNING` while Temporal is briefly unreachable, and
 * fails it when polling cannot go on, which ends the process). It does not prove that Temporal answers,
 * nor anything about Vault: that is the health workflow's job.
 *
 * The file's variable keeps its first name, `VAULT_BOOTSTRAP_HEALTH_FILE` (the image and the stack files set
 * it), and so do the lines written about it ("the health file"), which operators may already look for.
 */
import { rmSync, statSync, writeFileSync } from 'node:fs';

/** How often the file is rewritten, in milliseconds. */
export const LIVENESS_FILE_INTERVAL_MS = 10_000;
/** Age after which the file no longer counts as a sign of life: three missed writes. */
export const LIVENESS_FILE_MAX_AGE_MS = 3 * LIVENESS_FILE_INTERVAL_MS;

export interface LivenessFileWriter {
  /** Stops writing and removes the file: a stopped worker fails the check at once, not after the max age. */
  stop(): void;
}

/**
 * Writes `path` now and every `intervalMs` while `isRunning()` holds. A failed write is reported once
 * (until a write succeeds again) and never stops the worker: the file going stale is the signal.
 */
export function startLivenessFile(
  path: string,
  isRunning: () => boolean,
  intervalMs = LIVENESS_FILE_INTERVAL_MS,
  log: (message: string) => void = (m) => console.error(m),
): LivenessFileWriter {
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

/**
 * The files of `paths` that were replaced on the host after this container bound them one by one: a bind
 * mount of a single file keeps showing the file it was given, and once the host renames a new file over it
 * (or removes it) that old file has no link left (`nlink` 0). The worker stack binds only `ca.pem` and
 * `fullchain.pem` of the TLS folder (no private key), so a renewal that replaces them is seen here; the
 * worker then stops writing its liveness file and Swarm starts it again with the current files. A path
 * that cannot be read is not counted: a missing file is the health check's finding, not a stale mount.
 */
export function replacedFiles(paths: readonly string[]): string[] {
  return paths.filter((p) => {
    try {
      return statSync(p).nlink === 0;
    } catch {
      return false;
    }
  });
}

export interface LivenessState {
  /** Whether the worker counts as alive: Docker's HEALTHCHECK then reports the container healthy. */
  alive: boolean;
  /** One line for the HEALTHCHECK log (`docker inspect`): what was found. */
  detail: string;
}

/** Whether `path` was written less than `maxAgeMs` before `nowMs`. */
export function checkLivenessFile(
  path: string,
  nowMs: number,
  maxAgeMs = LIVENESS_FILE_MAX_AGE_MS,
): LivenessState {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch (err) {
    return {
      alive: false,
      detail: `no health file ${path} (${errorCode(err)}): the worker is starting, stopping or not polling`,
    };
  }
  const ageMs = nowMs - mtimeMs;
  const ageS = Math.round(ageMs / 1000);
  return ageMs <= maxAgeMs
    ? { alive: true, detail: `${path} written ${ageS}s ago: the worker polls` }
    : {
        alive: false,
        detail: `${path} written ${ageS}s ago (more than ${maxAgeMs / 1000}s): the worker stopped polling or hangs`,
      };
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
