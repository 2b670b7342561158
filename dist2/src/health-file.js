"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HEALTH_FILE_MAX_AGE_MS = exports.HEALTH_FILE_INTERVAL_MS = void 0;
exports.startHealthFile = startHealthFile;
exports.checkHealthFile = checkHealthFile;
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
const node_fs_1 = require("node:fs");
/** How often the file is rewritten, in milliseconds. */
exports.HEALTH_FILE_INTERVAL_MS = 10_000;
/** Age after which the file no longer counts as a sign of life: three missed writes. */
exports.HEALTH_FILE_MAX_AGE_MS = 3 * exports.HEALTH_FILE_INTERVAL_MS;
/**
 * Writes `path` now and every `intervalMs` while `isRunning()` holds. A failed write is reported once
 * (until a write succeeds again) and never stops the worker: the file going stale is the signal.
 */
function startHealthFile(path, isRunning, intervalMs = exports.HEALTH_FILE_INTERVAL_MS, log = (m) => console.error(m)) {
    let failing = false;
    const beat = () => {
        if (!isRunning())
            return;
        try {
            (0, node_fs_1.writeFileSync)(path, `${new Date().toISOString()} pid ${process.pid}\n`);
            failing = false;
        }
        catch (err) {
            if (!failing)
                log(`vault-bootstrap worker: cannot write the health file ${path}: ${errorCode(err)}`);
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
                (0, node_fs_1.rmSync)(path, { force: true });
            }
            catch (err) {
                log(`vault-bootstrap worker: cannot remove the health file ${path}: ${errorCode(err)}`);
            }
        },
    };
}
/** Whether `path` was written less than `maxAgeMs` before `nowMs`. */
function checkHealthFile(path, nowMs, maxAgeMs = exports.HEALTH_FILE_MAX_AGE_MS) {
    let mtimeMs;
    try {
        mtimeMs = (0, node_fs_1.statSync)(path).mtimeMs;
    }
    catch (err) {
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
function errorCode(err) {
    return err.code ?? String(err);
}
//# sourceMappingURL=health-file.js.map