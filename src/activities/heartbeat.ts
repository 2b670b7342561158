/**
 * Heartbeat details that survive the boundary's keep-alive heartbeats: an activity records handles a retry
 * must know about (`recordProgress`), and every later heartbeat of that attempt repeats them (`keepAlive`)
 * instead of replacing them with nothing.
 */
import { Context } from '@temporalio/activity';

const latest = new WeakMap<Context, unknown>();

export function recordProgress(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

export function keepAlive(ctx: Context): void {
  ctx.heartbeat(latest.get(ctx));
}
