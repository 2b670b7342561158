/** The one wait helper, on a fake clock: polls, deadline, named failures, poll limit, cancellation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { systemClock, waitUntil } from '../../src/time/wait';
import { NonRetryableError } from '../../src/shared/errors';
import { FakeClock } from '../support/fakes';

describe('waitUntil', () => {
  it('returns the first value the check gives, pausing the interval between polls', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const v = await waitUntil(() => Promise.resolve(++polls === 3 ? 'ready' : undefined), {
      what: 'x',
      deadlineMs: 10_000,
      intervalMs: 250,
      clock,
    });
    assert.equal(v, 'ready');
    assert.deepEqual(clock.sleeps, [250, 250]);
  });

  it('at the deadline: a retryable error naming what was awaited and the last reason', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    await assert.rejects(
      waitUntil(() => Promise.reject(new Error('2/3 running')), {
        what: '3 tasks',
        deadlineMs: 5_000,
        clock,
      }),
      /^Error: timed out after 5s waiting for 3 tasks \(last: 2\/3 running\)$/,
    );
    assert.equal(clock.now() - started, 5_000);
    await assert.rejects(
      waitUntil(() => Promise.resolve(undefined), { what: 'y', deadlineMs: 1_000, clock }),
      /\(last: condition not met\)/,
    );
  });

  it('a named failure ends the wait at once: waiting cannot change it', async () => {
    const clock = new FakeClock();
    const named = new NonRetryableError('UnsealKeyRejected', 'no');
    await assert.rejects(
      waitUntil(() => Promise.reject(named), { what: 'z', deadlineMs: 60_000, clock }),
      named,
    );
    const failure = ApplicationFailure.nonRetryable('no', 'CustodyCorrupt');
    await assert.rejects(
      waitUntil(() => Promise.reject(failure), { what: 'z', deadlineMs: 60_000, clock }),
      failure,
    );
    assert.deepEqual(clock.sleeps, []);
  });

  it('maxPolls and a growing interval: at most that many polls, however fast they fail', async () => {
    const clock = new FakeClock();
    let polls = 0;
    await assert.rejects(
      waitUntil(
        () => {
          polls++;
          return Promise.reject(new Error('EIO'));
        },
        { what: 'the write', deadlineMs: 60_000, maxPolls: 5, intervalMs: (n) => 200 * n, clock },
      ),
      /^Error: gave up after 5 tries waiting for the write \(last: EIO\)$/,
    );
    assert.equal(polls, 5);
    assert.deepEqual(clock.sleeps, [200, 400, 600, 800]);
  });

  it('onPoll runs after each unsuccessful poll (where an activity heartbeats)', async () => {
    let beats = 0;
    let polls = 0;
    await waitUntil(() => Promise.resolve(++polls > 2 ? true : undefined), {
      what: 'w',
      deadlineMs: 10_000,
      clock: new FakeClock(),
      onPoll: () => beats++,
    });
    assert.equal(beats, 2);
  });

  it('cancelled: rejects with the cancellation at once, and clears the pending timer', async () => {
    const clock = new FakeClock('manual');
    let cancel: (err: Error) => void = () => undefined;
    const cancelled = new Promise<never>((_, reject) => (cancel = reject));
    const waiting = waitUntil(() => Promise.resolve(undefined), {
      what: 'v',
      deadlineMs: 60_000,
      clock,
      cancelled,
    });
    await new Promise((r) => setImmediate(r));
    cancel(new Error('cancelled'));
    await assert.rejects(waiting, /^Error: cancelled$/);
    clock.advance(60_000); // nothing left to resolve
  });

  it('the system clock sleeps for real and stops when aborted', async () => {
    const t0 = systemClock.now();
    await systemClock.sleep(5);
    assert.ok(systemClock.now() - t0 >= 4);
    const stop = new AbortController();
    const sleeping = systemClock.sleep(60_000, stop.signal);
    stop.abort();
    await assert.rejects(sleeping, { name: 'AbortError' });
  });
});
