/**
 * `createActivities(deps)`: every activity of the worker, with its dependencies injected (the seam tests
 * use), each wrapped once at the boundary with Temporal:
 * - it heartbeats on a timer for as long as it runs, so a killed worker is noticed within the heartbeat
 *   timeout and the step is retried on another worker, whatever the step is waiting on;
 * - a `NonRetryableError` it throws leaves as a non-retryable ApplicationFailure of its type (`toFailure`).
 */
import { Context } from '@temporalio/activity';
import { toFailure } from '../shared/errors';
import type { ActivityDeps } from './deps';
import { createHealthActivities } from './health';
import { createNodeLocalActivities } from './node-local';
import { createSecretActivities } from './secrets';
import { createStackActivities } from './stack';
import { createVaultActivities } from './vault';

export type { ActivityConfig, ActivityDeps } from './deps';

const HEARTBEAT_EVERY_MS = 2_000;

function atBoundary<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } catch (err) {
      throw toFailure(err);
    } finally {
      clearInterval(timer);
    }
  };
}

function wrapAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts))
    out[name] = atBoundary(fn as (...args: unknown[]) => Promise<unknown>);
  return out as T;
}

export function createActivities(deps: ActivityDeps) {
  return wrapAll({
    ...createStackActivities(deps),
    ...createSecretActivities(deps),
    ...createVaultActivities(deps),
    ...createHealthActivities(deps),
    // Also on the main queue: a one-node swarm, and workflows started before node routing, use them there.
    ...createNodeLocalActivities(deps),
  });
}

/** What a node agent runs on its node's queue: only the node-local activities, with only its Engine. */
export function createNodeAgentActivities(deps: Pick<ActivityDeps, 'swarm' | 'clock'>) {
  return wrapAll(createNodeLocalActivities(deps));
}

export type Activities = ReturnType<typeof createActivities>;
