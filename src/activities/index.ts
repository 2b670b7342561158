/**
 * `createActivities(deps)`: every activity of the worker, with its dependencies injected (the seam tests
 * use), each wrapped once at the boundary with Temporal:
 * - it heartbeats on a timer for as long as it runs, so a killed worker is noticed within the heartbeat
 *   timeout and the step is retried on another worker, whatever the step is waiting on;
 * - its input's stack name is checked before anything runs (`validateStackName`, and on a full worker the
 *   secret names built from it must fit Swarm's limit): a workflow input, a schedule's stored argument or a
 *   hand-started workflow cannot carry `../x` into a custody path or a name Docker refuses (`listSwarmNodes`
 *   names no stack);
 * - a `NonRetryableError` it throws leaves as a non-retryable ApplicationFailure of its type (`toFailure`).
 */
import { Context } from '@temporalio/activity';
import { toFailure } from '../shared/errors';
import { assertSecretNameFits, validateStackName } from '../shared/names';
import { secretBase } from './cluster/secrets';
import type { ActivityDeps } from './deps';
import { createRaftActivities } from './raft';
import { createInitActivities } from './init-leader';
import { createSecretActivities } from './secrets';
import { createTokenActivities } from './tokens';
import { createBreakGlassActivities } from './break-glass';
import { createBackupActivities } from './backup';
import { createDrillActivities } from './drill';
import { createDiagnoseActivities } from './diagnose';
import { createExecActivities } from './exec';
import { createRestoreActivities } from './restore';
import { createRekeyActivities } from './rekey';
import { createUpgradeActivities } from './upgrade';
import { createHealthActivities } from './health';
import { keepAlive } from './heartbeat';
import { createNodeLocalActivities } from './node-local';
import type { NodeLocalDeps } from './node-local';
import { createStackActivities } from './stack';

export type { ActivityConfig, ActivityDeps } from './deps';

const HEARTBEAT_EVERY_MS = 2_000;

/** The activities whose input names no stack (they read the swarm as a whole): nothing to check. */
const NO_STACK_INPUT: ReadonlySet<string> = new Set(['listSwarmNodes']);

/**
 * Checks the stack name of an activity's input (every other activity takes `{ stack, ... }` first); with
 * `secretBaseOf` (the full worker: it creates the secrets), also that the secret names built from it fit.
 */
function checkEntry(input: unknown, secretBaseOf?: (stack: string) => string): void {
  const stack: unknown =
    typeof input === 'object' && input !== null && 'stack' in input ? input.stack : undefined;
  const name = validateStackName(typeof stack === 'string' ? stack : String(stack), 'stack');
  if (secretBaseOf) assertSecretNameFits(secretBaseOf(name), name);
}

function atBoundary<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  check: ((input: unknown) => void) | undefined,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const timer = setInterval(() => keepAlive(ctx), HEARTBEAT_EVERY_MS);
    try {
      check?.(args[0]);
      return await fn(...args);
    } catch (err) {
      throw toFailure(err);
    } finally {
      clearInterval(timer);
    }
  };
}

function wrapAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  acts: T,
  secretBaseOf?: (stack: string) => string,
): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts))
    out[name] = atBoundary(
      fn as (...args: unknown[]) => Promise<unknown>,
      NO_STACK_INPUT.has(name) ? undefined : (input) => checkEntry(input, secretBaseOf),
    );
  return out as T;
}

export function createActivities(deps: ActivityDeps) {
  return wrapAll(
    {
      ...createStackActivities(deps),
      ...createSecretActivities(deps),
      ...createInitActivities(deps),
      ...createRaftActivities(deps),
      ...createHealthActivities(deps),
      ...createTokenActivities(deps),
      ...createBreakGlassActivities(deps),
      ...createBackupActivities(deps),
      ...createDrillActivities(deps),
      ...createRestoreActivities(deps),
      ...createRekeyActivities(deps),
      ...createUpgradeActivities(deps),
      ...createExecActivities(deps),
      ...createDiagnoseActivities(deps),
      // Also on the main queue: a one-node swarm, and workflows started before node routing, use them there.
      ...createNodeLocalActivities(deps),
    },
    (stack) => secretBase(deps, stack),
  );
}

/**
 * What a node agent runs on its node's queue: only the node-local activities, with only its Engine. Their
 * stack name is checked as well (it goes into Docker filters); an agent creates no secret, so no length check.
 */
export function createNodeAgentActivities(deps: NodeLocalDeps) {
  return wrapAll(createNodeLocalActivities(deps));
}

export type Activities = ReturnType<typeof createActivities>;
