/**
 * Removing a stack and waiting for Swarm to let go of it. `docker stack rm` returns at once; the tasks stop
 * and their containers go over the next seconds, and a data folder removed or a stack deployed again before
 * then would meet them. Also the clean-up every test ends with: remove what the run made, then find nothing.
 */
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { LABEL_HOME_PREFIX, LABEL_PAUSED_FOR } from '../../src/shared/constants';
import { eventually, sleep } from './wait';

export interface StackRemoval {
  /** Runs `docker ARGS` against a manager: the bed's CLI, or one node's (`docker -H`). */
  docker: (args: string[]) => Promise<unknown>;
  /** The Engines whose containers of the stack must be gone, waited on in turn within one deadline. */
  engines: Docker[];
  /** Wait for each Engine to list no task of the stack either (a listing that fails counts as none). */
  tasks?: boolean;
}

/** How long a stack may take to go: its tasks stop with Vault's own shutdown. */
const REMOVAL_MS = 120_000;

/** Whether `engine` still has a container (stopped ones too) of `stack`, or with `tasks` a task of it. */
async function remains(engine: Docker, stack: string, tasks = false): Promise<boolean> {
  const label = `com.docker.stack.namespace=${stack}`;
  const left = await engine.listContainers({ all: true, filters: { label: [label] } });
  if (!tasks) return left.length > 0;
  const listed = await engine.listTasks({ filters: { label: [label] } }).catch(() => []);
  return left.length > 0 || listed.length > 0;
}

/**
 * The disaster a test plays: `docker stack rm STACK` must succeed and every Engine be rid of the stack's
 * containers within 120 s (polled every 500 ms), or the test fails.
 */
export async function removeStack(stack: string, removal: StackRemoval): Promise<void> {
  await removal.docker(['stack', 'rm', stack]);
  for (const engine of removal.engines)
    await eventually('the stack gone', REMOVAL_MS, async () =>
      (await remains(engine, stack, removal.tasks)) ? undefined : true,
    );
}

/**
 * Clean-up's removal: `docker stack rm STACK`, its failure ignored (the stack may never have been deployed,
 * or be gone already), then a wait of at most 120 s in all, polling every 500 ms, until the Engines are rid
 * of it. Whatever is still there afterwards is for the run's `leftovers()` to report, not a failure here.
 */
export async function removeStackQuietly(stack: string, removal: StackRemoval): Promise<void> {
  await removal.docker(['stack', 'rm', stack]).catch(() => undefined);
  const deadline = Date.now() + REMOVAL_MS;
  for (const engine of removal.engines)
    while (Date.now() < deadline && (await remains(engine, stack, removal.tasks))) await sleep(500);
  const manager = removal.engines[0];
  if (manager) await removeNodeMarks(manager, stack).catch(() => undefined);
}

/** What the tool wrote on the swarm's nodes for `stack`: its slots' homes, its pauses (src/activities/cluster/homes.ts). */
export async function nodeMarks(
  manager: Docker,
  stack: string,
): Promise<{ node: Docker.Node; labels: string[] }[]> {
  const nodes = (await manager.listNodes()) as { ID: string; Spec?: { Labels?: Record<string, string> } }[];
  return nodes
    .map((n) => ({
      node: manager.getNode(n.ID),
      labels: Object.entries(n.Spec?.Labels ?? {})
        .filter(
          ([k, v]) =>
            k.startsWith(`${LABEL_HOME_PREFIX}${stack}.`) || (k === LABEL_PAUSED_FOR && v === stack),
        )
        .map(([k]) => k),
    }))
    .filter((m) => m.labels.length > 0);
}

/** Removes `stack`'s node labels (and makes a node it paused active again): the volumes they described are gone. */
export async function removeNodeMarks(manager: Docker, stack: string): Promise<void> {
  for (const { node } of await nodeMarks(manager, stack)) {
    const raw = (await node.inspect()) as {
      Version?: { Index?: number };
      Spec: { Labels?: Record<string, string>; Availability?: string };
    };
    const labels = { ...raw.Spec.Labels };
    const paused = labels[LABEL_PAUSED_FOR] === stack;
    for (const k of Object.keys(labels))
      if (k.startsWith(`${LABEL_HOME_PREFIX}${stack}.`) || (paused && k === LABEL_PAUSED_FOR))
        delete labels[k];
    await node.update({
      ...raw.Spec,
      Labels: labels,
      ...(paused ? { Availability: 'active' } : {}),
      version: raw.Version?.Index,
    });
  }
}

/** A test's run on a bed: it removes what it made (`cleanup`) and says what of it is still there. */
export interface RemovableRun {
  cleanup(): Promise<void>;
  leftovers(): Promise<string[]>;
}

/** The end of every test on a bed: the run's clean-up, then nothing of it may be left (`message` says so). */
export async function cleanUpLeavingNothing(run: RemovableRun, message?: string): Promise<void> {
  await run.cleanup();
  assert.deepEqual(await run.leftovers(), [], message);
}
