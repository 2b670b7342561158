"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FakeClock = void 0;
class FakeClock {
    mode;
    time;
    /** Every sleep asked for, in milliseconds, in order. */
    sleeps = [];
    pending = [];
    constructor(
    /** May change mid-test, e.g. `manual` once a world is set up. */
    mode = 'auto', start = Date.now()) {
        this.mode = mode;
        this.time = start;
    }
    now() {
        return this.time;
    }
    sleep(ms, signal) {
        this.sleeps.push(ms);
        if (signal?.aborted)
            return Promise.reject(signal.reason);
        if (this.mode === 'auto') {
            this.time += ms;
            return new Promise((resolve) => setImmediate(resolve));
        }
        return new Promise((resolve, reject) => {
            const entry = { due: this.time + ms, resolve };
            this.pending.push(entry);
            signal?.addEventListener('abort', () => {
                this.pending = this.pending.filter((p) => p !== entry);
                reject(signal.reason);
            });
        });
    }
    /** Manual mode: moves time forward and resolves the sleeps that are due. */
    advance(ms) {
        this.time += ms;
        const due = this.pending.filter((p) => p.due <= this.time);
        this.pending = this.pending.filter((p) => p.due > this.time);
        for (const p of due)
            p.resolve();
    }
}
exports.FakeClock = FakeClock;
//# sourceMappingURL=clock.js.map