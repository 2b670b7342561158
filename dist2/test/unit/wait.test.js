"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** The one wait helper, on a fake clock: polls, deadline, named failures, poll limit, cancellation. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const wait_1 = require("../../src/activities/wait");
const errors_1 = require("../../src/shared/errors");
const fakes_1 = require("../support/fakes");
(0, node_test_1.describe)('waitUntil', () => {
    (0, node_test_1.it)('returns the first value the check gives, pausing the interval between polls', async () => {
        const clock = new fakes_1.FakeClock();
        let polls = 0;
        const v = await (0, wait_1.waitUntil)(() => Promise.resolve(++polls === 3 ? 'ready' : undefined), {
            what: 'x',
            deadlineMs: 10_000,
            intervalMs: 250,
            clock,
        });
        strict_1.default.equal(v, 'ready');
        strict_1.default.deepEqual(clock.sleeps, [250, 250]);
    });
    (0, node_test_1.it)('at the deadline: a retryable error naming what was awaited and the last reason', async () => {
        const clock = new fakes_1.FakeClock();
        const started = clock.now();
        await strict_1.default.rejects((0, wait_1.waitUntil)(() => Promise.reject(new Error('2/3 running')), {
            what: '3 tasks',
            deadlineMs: 5_000,
            clock,
        }), /^Error: timed out after 5s waiting for 3 tasks \(last: 2\/3 running\)$/);
        strict_1.default.equal(clock.now() - started, 5_000);
        await strict_1.default.rejects((0, wait_1.waitUntil)(() => Promise.resolve(undefined), { what: 'y', deadlineMs: 1_000, clock }), /\(last: condition not met\)/);
    });
    (0, node_test_1.it)('a named failure ends the wait at once: waiting cannot change it', async () => {
        const clock = new fakes_1.FakeClock();
        const named = new errors_1.NonRetryableError('UnsealKeyRejected', 'no');
        await strict_1.default.rejects((0, wait_1.waitUntil)(() => Promise.reject(named), { what: 'z', deadlineMs: 60_000, clock }), named);
        const failure = common_1.ApplicationFailure.nonRetryable('no', 'CustodyCorrupt');
        await strict_1.default.rejects((0, wait_1.waitUntil)(() => Promise.reject(failure), { what: 'z', deadlineMs: 60_000, clock }), failure);
        strict_1.default.deepEqual(clock.sleeps, []);
    });
    (0, node_test_1.it)('maxPolls and a growing interval: at most that many polls, however fast they fail', async () => {
        const clock = new fakes_1.FakeClock();
        let polls = 0;
        await strict_1.default.rejects((0, wait_1.waitUntil)(() => {
            polls++;
            return Promise.reject(new Error('EIO'));
        }, { what: 'the write', deadlineMs: 60_000, maxPolls: 5, intervalMs: (n) => 200 * n, clock }), /^Error: gave up after 5 tries waiting for the write \(last: EIO\)$/);
        strict_1.default.equal(polls, 5);
        strict_1.default.deepEqual(clock.sleeps, [200, 400, 600, 800]);
    });
    (0, node_test_1.it)('onPoll runs after each unsuccessful poll (where an activity heartbeats)', async () => {
        let beats = 0;
        let polls = 0;
        await (0, wait_1.waitUntil)(() => Promise.resolve(++polls > 2 ? true : undefined), {
            what: 'w',
            deadlineMs: 10_000,
            clock: new fakes_1.FakeClock(),
            onPoll: () => beats++,
        });
        strict_1.default.equal(beats, 2);
    });
    (0, node_test_1.it)('cancelled: rejects with the cancellation at once, and clears the pending timer', async () => {
        const clock = new fakes_1.FakeClock('manual');
        let cancel = () => undefined;
        const cancelled = new Promise((_, reject) => (cancel = reject));
        const waiting = (0, wait_1.waitUntil)(() => Promise.resolve(undefined), {
            what: 'v',
            deadlineMs: 60_000,
            clock,
            cancelled,
        });
        await new Promise((r) => setImmediate(r));
        cancel(new Error('cancelled'));
        await strict_1.default.rejects(waiting, /^Error: cancelled$/);
        clock.advance(60_000); // nothing left to resolve
    });
    (0, node_test_1.it)('the system clock sleeps for real and stops when aborted', async () => {
        const t0 = wait_1.systemClock.now();
        await wait_1.systemClock.sleep(5);
        strict_1.default.ok(wait_1.systemClock.now() - t0 >= 4);
        const stop = new AbortController();
        const sleeping = wait_1.systemClock.sleep(60_000, stop.signal);
        stop.abort();
        await strict_1.default.rejects(sleeping, { name: 'AbortError' });
    });
});
//# sourceMappingURL=wait.test.js.map