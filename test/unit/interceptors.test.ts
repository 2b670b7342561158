/** The worker's activity interceptors (src/interceptors.ts), on a stand-in activity context. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { activityInterceptors } from '../../src/interceptors';

function context(aborted = false): { ctx: Context; lines: string[] } {
  const lines: string[] = [];
  const ctx = {
    log: { info: (message: string) => lines.push(message) },
    info: { activityType: 'deployStack' },
    cancellationSignal: { aborted },
  } as unknown as Context;
  return { ctx, lines };
}

async function run(
  factories: ReturnType<typeof activityInterceptors>,
  ctx: Context,
  next: () => Promise<unknown>,
): Promise<unknown> {
  // The SDK calls the first factory's interceptor outermost.
  let call = (): Promise<unknown> => next();
  for (const factory of [...factories].reverse()) {
    const execute = factory(ctx).inbound?.execute;
    assert.ok(execute);
    const inner = call;
    call = () => execute({} as ActivityExecuteInput, inner);
  }
  return call();
}

describe('activity interceptors', () => {
  it('without metrics: one "activity completed" line per completed attempt, none for a failed one', async () => {
    const { ctx, lines } = context();
    assert.equal(await run(activityInterceptors(undefined), ctx, () => Promise.resolve(42)), 42);
    assert.deepEqual(lines, ['activity completed']);
    await assert.rejects(run(activityInterceptors(undefined), ctx, () => Promise.reject(new Error('no'))));
    assert.deepEqual(lines, ['activity completed']);
  });

  it('with metrics: each attempt observed by activity type as completed, failed or cancelled', async () => {
    const seen: [string, string][] = [];
    const metrics = {
      observeActivity: (type: string, _s: number, outcome: string) => seen.push([type, outcome]),
    };
    await run(activityInterceptors(metrics), context().ctx, () => Promise.resolve());
    await assert.rejects(
      run(activityInterceptors(metrics), context().ctx, () => Promise.reject(new Error('x'))),
    );
    await assert.rejects(
      run(activityInterceptors(metrics), context(true).ctx, () => Promise.reject(new Error('x'))),
    );
    assert.deepEqual(seen, [
      ['deployStack', 'completed'],
      ['deployStack', 'failed'],
      ['deployStack', 'cancelled'],
    ]);
  });
});
