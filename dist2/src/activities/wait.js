"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.systemClock = void 0;
exports.waitUntil = waitUntil;
/**
 * The one way the worker waits for a state: poll a check that re-reads real state, pause between polls on
 * an injectable clock, give up at a deadline with a message naming what was awaited and the last reason.
 */
const promises_1 = require("node:timers/promises");
const errors_1 = require("../shared/errors");
/** The real clock: `Date.now` and a timer that an AbortSignal cancels. */
exports.systemClock = {
    now: () => Date.now(),
    sleep: (ms, signal) => (0, promises_1.setTimeout)(ms, undefined, { signal }),
};
/**
 * Calls `check` until it returns a value other than undefined, and returns that value. An error of `check`
 * is remembered as the reason and the check polled again, except a named failure (a `NonRetryableError`
 * or a non-retryable ApplicationFailure), which no waiting changes: it ends the wait at once.
 * After the deadline: `timed out after <s>s waiting for <what> (last: <reason>)`; after `maxPolls`:
 * `gave up after <n> tries waiting for <what> (last: <reason>)`.
 */
async function waitUntil(check, options) {
    const { clock, deadlineMs } = options;
    const interval = options.intervalMs ?? 1000;
    const until = clock.now() + deadlineMs;
    for (let polls = 1;; polls++) {
        let last;
        try {
            const v = await check();
            if (v !== undefined)
                return v;
            last = 'condition not met';
        }
        catch (err) {
            if ((0, errors_1.isNamedFailure)(err))
                throw err;
            last = err instanceof Error ? err.message : String(err);
        }
        if (clock.now() >= until) {
            throw new Error(`timed out after ${Math.round(deadlineMs / 1000)}s waiting for ${options.what} (last: ${last})`);
        }
        if (polls === options.maxPolls) {
            throw new Error(`gave up after ${polls} tries waiting for ${options.what} (last: ${last})`);
        }
        options.onPoll?.();
        await pause(clock, typeof interval === 'number' ? interval : interval(polls), options.cancelled);
    }
}
/** Sleeps on `clock`, or rejects as soon as `cancelled` does (the timer is then cleared). */
async function pause(clock, ms, cancelled) {
    if (!cancelled)
        return clock.sleep(ms);
    const stop = new AbortController();
    try {
        await Promise.race([clock.sleep(ms, stop.signal), cancelled]);
    }
    finally {
        stop.abort();
    }
}
//# sourceMappingURL=wait.js.map