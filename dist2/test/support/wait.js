"use strict";
/** Test-side waiting: a pause, and polling a real state until it holds or a deadline passes. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.sleep = sleep;
exports.eventually = eventually;
function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}
/** Waits for `check` to hold, polling; fails with `what` after `ms`. */
async function eventually(what, ms, check) {
    const until = Date.now() + ms;
    let last = '';
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined)
                return v;
        }
        catch (err) {
            last = err instanceof Error ? err.message : String(err);
        }
        if (Date.now() > until)
            throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
        await sleep(500);
    }
}
//# sourceMappingURL=wait.js.map