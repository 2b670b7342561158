/** Assertions on what an activity run through MockActivityEnvironment rejects with. */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

/** For `assert.rejects`: a non-retryable ApplicationFailure of `type` (and a message matching `message`). */
export function namedFailure(type: string, message?: RegExp): (err: unknown) => true {
  return (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, true);
    if (message) assert.match(err.message, message);
    return true;
  };
}

/** For `assert.rejects`: an error a retry may fix (not a named failure), with a message matching `message`. */
export function retryableError(message: RegExp): (err: unknown) => true {
  return (err: unknown) => {
    assert.ok(err instanceof Error, String(err));
    assert.ok(
      !(err instanceof ApplicationFailure && err.nonRetryable),
      `unexpected named failure: ${err.message}`,
    );
    assert.match(err.message, message);
    return true;
  };
}

/** Resolves on the next turn of the event loop (lets in-flight activity code run). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
