/**
 * `createActivities(deps)`: every activity of the worker, with its clients injected (the seam tests use).
 * Each activity heartbeats on a timer for as long as it runs, so a killed worker is noticed within the
 * heartbeat timeout and the step is retried on another worker, whatever the step is waiting on.
 */
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { createHealthActivities } from './health';
import { createSecretActivities } from './secrets';
import { createStackActivities } from './stack';
import { createVaultActivities } from './vault';

export type { ActivityDeps } from './deps';

const HEARTBEAT_EVERY_MS = 2_000;

function withHeartbeat<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(acts: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts))
    out[name] = withHeartbeat(fn as (...args: unknown[]) => Promise<unknown>);
  return out as T;
}

export function createActivities(deps: ActivityDeps) {
  return heartbeating({
    ...createStackActivities(deps),
    ...createSecretActivities(deps),
    ...createVaultActivities(deps),
    ...createHealthActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
