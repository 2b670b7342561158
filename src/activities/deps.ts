/**
 * What every activity is given (the one seam tests swap: interfaces from src/ports only), and the small
 * helpers they share: locating the Vault nodes of a stack, waiting for a state, reading custody.
 */
import { Context } from '@temporalio/activity';
import type { StackConfig } from '../config/stack';
import type { BackupConfig, VaultConfig } from '../config/worker';
import { unsealSecretBase } from '../shared/names';
import type {
  Clock,
  FaultPoints,
  HealthMetrics,
  HeldKeys,
  KeyCustody,
  SecretInfo,
  StackHolds,
  Swarm,
  TaskInfo,
  VaultNode,
  VaultNodeFactory,
} from '../ports';
import { ALL_SLOTS, nodeName, serviceName, VAULT_API_PORT } from '../shared/constants';
import type { NodeName, Slot } from '../shared/constants';
import { CustodyError, ErrorType, NonRetryableError } from '../shared/errors';
import { waitUntil } from './wait';

/** The part of the worker configuration the activities read. */
export interface ActivityConfig {
  stack: Pick<StackConfig, 'files' | 'unsealSecretTemplate' | 'stackDirRoot' | 'deployEnv'>;
  vault: Pick<VaultConfig, 'certDir' | 'serverNameTemplate'>;
  backup: BackupConfig;
}

/** The activities' dependencies, all interfaces: src/wiring.ts gives the real ones, unit tests fakes. */
export interface ActivityDeps {
  /** Docker Swarm: secrets, the service, its tasks, deploy, signals, events. */
  swarm: Swarm;
  /** Where the unseal key and root token live. */
  custody: KeyCustody;
  /** Builds the client of one Vault node. */
  vaultNode: VaultNodeFactory;
  config: ActivityConfig;
  /** Fault points for the crash tests; inert in production. */
  failpoints: FaultPoints;
  /** Time for the waits. */
  clock: Clock;
  /** Where health checks and automatic actions are counted (Prometheus, or nowhere). */
  metrics: HealthMetrics;
  /** Operators' holds on stacks: while one lasts, health reports and never acts. */
  holds: StackHolds;
}

/** One Vault node of the stack, as currently scheduled by Swarm. */
export interface ClusterNode<S extends Slot = Slot> {
  slot: S;
  name: NodeName<S>;
  task: TaskInfo;
  client: VaultNode;
}

/**
 * The stack's custody record, for a step that cannot go on without it. No record is `UnsealKeyUnavailable`
 * (`without` says what cannot be done); a record that cannot be read keeps its custody error type
 * (`CustodyCorrupt`, `CustodyPermissionsTooOpen`). Both are non-retryable: a retry reads the same disk.
 */
export async function readCustody(
  deps: Pick<ActivityDeps, 'custody'>,
  stack: string,
  without: string,
): Promise<HeldKeys> {
  try {
    return await deps.custody.read(stack);
  } catch (err) {
    if (err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable') {
      throw new NonRetryableError(
        ErrorType.UnsealKeyUnavailable,
        `custody holds no unseal key for stack ${stack}, so ${without}. Nothing was changed. ` +
          `Restore the custody record and its key file from backup, then run again.`,
      );
    }
    throw err;
  }
}

/**
 * Refuses an automatic action on a held stack (`StackHeld`, not retried), read right before acting: a hold
 * put on after the health run's check still wins. `nothingDone` says what was not done.
 */
export async function refuseWhileHeld(
  deps: Pick<ActivityDeps, 'holds'>,
  stack: string,
  nothingDone: string,
): Promise<void> {
  const hold = await deps.holds.current(stack);
  if (hold)
    throw new NonRetryableError(
      ErrorType.StackHeld,
      `stack ${stack} is held since ${hold.since}${hold.by ? ` by ${hold.by}` : ''} (${hold.reason}): ${nothingDone}`,
    );
}

export function serverName(deps: Pick<ActivityDeps, 'config'>, slot: number): string {
  return deps.config.vault.serverNameTemplate.replaceAll('{slot}', String(slot));
}

export function secretBase(deps: Pick<ActivityDeps, 'config'>, stack: string): string {
  return unsealSecretBase(deps.config.stack, stack);
}

/** A stack's view of the unseal-key secret family. */
export interface StackSecrets {
  /** The family's base name (`vault_unseal_key` by default, the same for every stack). */
  base: string;
  /** The stack's own secrets (label `LABEL_STACK` = the stack), oldest version first. */
  own: SecretInfo[];
  /** Every name of the family that exists, any stack's: a new secret must take none of them. */
  taken: Set<string>;
  /** The next version number free in the whole family. */
  nextVersion: number;
}

/**
 * The stack's own unseal-key secrets and what the family leaves free. With the default name
 * (`vault_unseal_key`, no `{stack}`) two stacks on one swarm share the names: only the secrets labelled with
 * this stack are ever mounted, deployed with or removed; another stack's are only avoided when naming.
 */
export async function stackSecrets(
  deps: Pick<ActivityDeps, 'config' | 'swarm'>,
  stack: string,
): Promise<StackSecrets> {
  const base = secretBase(deps, stack);
  const family = await deps.swarm.listSecretFamily(base);
  return {
    base,
    own: family.filter((s) => s.stack === stack),
    taken: new Set(family.map((s) => s.name)),
    nextVersion: Math.max(0, ...family.map((s) => s.version)) + 1,
  };
}

/**
 * How often a step re-reads the state it waits for. Each read is one Docker or Vault API call per node; a
 * step's wait ends at most this long after the state holds.
 */
export const STATE_POLL_MS = 250;

/**
 * Polls `check` until it returns a value, up to `deadlineMs` (see `waitUntil`). Runs inside an activity:
 * the pause between polls ends when the activity is cancelled, and each poll heartbeats.
 */
export function waitFor<T>(
  deps: Pick<ActivityDeps, 'clock'>,
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = STATE_POLL_MS,
): Promise<T> {
  const ctx = Context.current();
  return waitUntil(check, {
    what,
    deadlineMs,
    intervalMs,
    clock: deps.clock,
    cancelled: ctx.cancelled,
    onPoll: () => ctx.heartbeat(),
  });
}

/**
 * The current task of each requested slot, each with an overlay address and a Vault client: `running`
 * tasks, and with `starting: true` also tasks whose container started but whose first healthcheck has not
 * passed yet. Swarm reports a task `running` only after that check (the production file checks every
 * 15 s), while Vault answers, sealed, within a second of its start: the health check and its remediation
 * talk to a restarted node at once instead of up to an interval later.
 */
export async function locateNodes<S extends Slot>(
  deps: ActivityDeps,
  stack: string,
  slots: readonly S[],
  options: { starting?: boolean; tasks?: Map<number, TaskInfo> } = {},
): Promise<Map<S, ClusterNode<S>>> {
  const tasks = options.tasks ?? (await deps.swarm.currentTasks(serviceName(stack)));
  const nodes = new Map<S, ClusterNode<S>>();
  const usable = (state: string) =>
    state === 'running' || (options.starting === true && state === 'starting');
  for (const slot of slots) {
    const task = tasks.get(slot);
    if (!task || !usable(task.state) || !task.address || !task.containerId) continue;
    const name = nodeName(slot);
    const client = deps.vaultNode(name, {
      host: task.address,
      port: VAULT_API_PORT,
      serverName: serverName(deps, slot),
    });
    nodes.set(slot, { slot, name, task, client });
  }
  return nodes;
}

/**
 * Of `tasks` (by slot), the ones that serve Vault's API: `running`, or `starting` with the API already
 * answering seal-status (see `locateNodes`: the healthcheck that makes a task `running` comes up to an
 * interval after Vault answers). `accept` narrows the tasks looked at (e.g. to those with a new secret).
 */
export async function servingTasks(
  deps: ActivityDeps,
  stack: string,
  tasks: Map<number, TaskInfo>,
  accept: (task: TaskInfo) => boolean = () => true,
): Promise<TaskInfo[]> {
  const nodes = await locateNodes(deps, stack, ALL_SLOTS, { starting: true, tasks });
  const serving = await Promise.all(
    [...nodes.values()]
      .filter((n) => accept(n.task))
      .map(async (n) =>
        n.task.state === 'running' ||
        (await n.client.sealStatus().then(
          () => true,
          () => false,
        ))
          ? n.task
          : undefined,
      ),
  );
  return serving.filter((t) => t !== undefined);
}

/** Waits until every requested slot has a task (running, or starting) whose API answers seal-status. */
export async function waitForNodes<S extends Slot>(
  deps: ActivityDeps,
  stack: string,
  slots: readonly S[],
  deadlineMs = 180_000,
): Promise<Map<S, ClusterNode<S>>> {
  return waitFor(
    deps,
    `Vault API of ${slots.map(nodeName).join(', ')} in ${serviceName(stack)}`,
    deadlineMs,
    async () => {
      const nodes = await locateNodes(deps, stack, slots, { starting: true });
      if (nodes.size !== slots.length) {
        const missing = slots.filter((s) => !nodes.has(s)).map(nodeName);
        throw new Error(`no running task yet for ${missing.join(', ')}`);
      }
      for (const n of nodes.values()) await n.client.sealStatus();
      return nodes;
    },
  );
}

/** The node of `slot` in a map from `locateNodes`/`waitForNodes` (which hold every slot they return). */
export function nodeAt<S extends Slot, K extends S>(nodes: Map<S, ClusterNode<S>>, slot: K): ClusterNode<K> {
  const node = nodes.get(slot);
  if (node === undefined) throw new Error(`internal: no node for slot ${slot}`);
  return node as ClusterNode<K>;
}
