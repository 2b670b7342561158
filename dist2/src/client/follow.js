"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.bootstrapRun = bootstrapRun;
exports.followProgress = followProgress;
const workflows_1 = require("../workflows");
const format_1 = require("./format");
/** A `BootstrapRun` over a typed handle: `handle.query(progressQuery)` and `handle.result()`. */
function bootstrapRun(handle) {
    return { progress: () => handle.query(workflows_1.progressQuery), result: () => handle.result() };
}
/**
 * Prints each step once per status it reaches (never `pending`) until the run ends, then once more so every
 * step's final state is printed; resolves or rejects as the run's result does. Query failures (no worker
 * polling yet) are skipped: the loop keeps waiting for the result.
 */
async function followProgress(run, options = {}) {
    const { print = console.log, now = () => new Date(), pollMs = 1000 } = options;
    const seen = new Map();
    const result = run.result();
    let finished = false;
    result.then(() => (finished = true), () => (finished = true));
    for (let last = false; !last;) {
        last = finished; // one more pass after the end, so the final state of every step is printed
        try {
            for (const r of await run.progress()) {
                if (seen.get(r.step) !== r.status && r.status !== 'pending') {
                    seen.set(r.step, r.status);
                    print((0, format_1.formatProgressEvent)(r, now()));
                }
            }
        }
        catch {
            // The query needs a worker; while none is polling, keep waiting for the result.
        }
        if (!last)
            await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
    }
    return result;
}
//# sourceMappingURL=follow.js.map