"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PausePoint = void 0;
exports.innermostFailure = innermostFailure;
exports.expectCrashAt = expectCrashAt;
/**
 * Acting at an exact instant of a run: waiting for a worker to die by SIGKILL at its fault point
 * (`expectCrashAt`), or for an activity to pause at one (`PausePoint`), failing the case when the point is
 * not reached; and the innermost named failure of a run that failed.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const common_1 = require("@temporalio/common");
const wait_1 = require("../support/wait");
const summary_1 = require("./summary");
/** The innermost ApplicationFailure of a failure chain (WorkflowFailedError -> ActivityFailure -> ...). */
function innermostFailure(err) {
    let found;
    for (let e = err; e instanceof Error; e = e.cause)
        if (e instanceof common_1.ApplicationFailure)
            found = e;
    return found;
}
function exitOf(worker) {
    if (worker.exitCode !== null || worker.signalCode !== null)
        return Promise.resolve({ kind: 'exit', code: worker.exitCode, signal: worker.signalCode });
    return new Promise((r) => worker.once('exit', (code, signal) => r({ kind: 'exit', code, signal })));
}
function closeOf(handle) {
    return handle.result().then(() => ({ kind: 'closed', how: 'completed' }), (err) => ({ kind: 'closed', how: `failed (${String(innermostFailure(err)?.type ?? err)})` }));
}
async function raceWithDeadline(ms, ...events) {
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r({ kind: 'timeout' }), ms)));
    try {
        return await Promise.race([...events, timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
/** How long a fault point may take to be reached in a fresh run (a whole bootstrap is about a minute). */
const REACH_DEADLINE_MS = 8 * 60_000;
/** Waits for the worker to die by SIGKILL at `point`; fails the case if the run ended or stalled first. */
async function expectCrashAt(run, worker, handle, point) {
    const first = await raceWithDeadline(REACH_DEADLINE_MS, exitOf(worker), closeOf(handle));
    if (first.kind === 'closed') {
        strict_1.default.fail(`fault point ${point} was not reached: the workflow ${first.how} while the worker with the fault point was alive`);
    }
    if (first.kind === 'timeout')
        strict_1.default.fail(`fault point ${point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
    strict_1.default.equal(first.kind === 'exit' ? first.signal : undefined, 'SIGKILL', `the worker died by SIGKILL at ${point}`);
    strict_1.default.ok((0, node_fs_1.readFileSync)(run.workerLog, 'utf8').includes(`failpoint ${point}: SIGKILL`), `the worker log names the fault point ${point}`);
    (0, summary_1.count)('faultsInjected');
}
/** A `pause:<file>` fault point: the activity blocks there until `release()`. */
class PausePoint {
    point;
    file;
    constructor(run, point) {
        this.point = point;
        this.file = (0, node_path_1.join)(run.dir, `pause-${point.replace(/[^a-zA-Z0-9-]/g, '_')}`);
    }
    /** The worker environment that enables it. */
    get env() {
        return { VAULT_BOOTSTRAP_FAILPOINTS: `${this.point}=pause:${this.file}` };
    }
    /** Resolves once the activity is paused at the point; fails if the worker died or the run ended first. */
    async reached(worker, handle) {
        let closed;
        void closeOf(handle).then((e) => (closed = e.kind === 'closed' ? e.how : e.kind));
        const until = Date.now() + REACH_DEADLINE_MS;
        while (!(0, node_fs_1.existsSync)(`${this.file}.reached`)) {
            if (worker.exitCode !== null || worker.signalCode !== null)
                strict_1.default.fail(`fault point ${this.point} was not reached: the worker exited (${worker.exitCode ?? worker.signalCode})`);
            if (closed !== undefined)
                strict_1.default.fail(`fault point ${this.point} was not reached: the workflow ${closed}`);
            if (Date.now() > until)
                strict_1.default.fail(`fault point ${this.point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
            await (0, wait_1.sleep)(200);
        }
    }
    release() {
        (0, node_fs_1.writeFileSync)(this.file, 'go\n');
    }
}
exports.PausePoint = PausePoint;
//# sourceMappingURL=fault-control.js.map