/**
 * What the activities need from Docker Swarm: the unseal-key secret family, the Vault service and its
 * tasks, `docker stack deploy`, a signal to a container and the `start` events of the service's containers.
 * Implemented over dockerode by `DockerGateway` (src/docker/gateway.ts); in tests by `FakeSwarm`.
 * Secret values go in, never out: Docker cannot read them back.
 */
import type { SecretRef } from '../shared/types';

/** A secret of the unseal-key family (`base`, `base_vN`), as its name and labels describe it. */
export interface SecretInfo extends SecretRef {
  /** Custody record id of the key the secret holds (label), for `unseal-key` secrets. */
  keyId?: string;
  /** The key generation of the key it holds (label `LABEL_KEY_GENERATION`; 0 when absent). */
  keyGeneration: number;
  /** The stack the bootstrap made the secret for (label `LABEL_STACK`); undefined when unlabelled. */
  stack?: string;
}

/** The Vault service as the steps read it. */
export interface ServiceInfo {
  /** Replicas of a replicated service; undefined for a global one. */
  replicas: number | undefined;
  /** The secret attached at target `vault_unseal_key`, if any. */
  unsealSecret?: { id: string; name: string };
  /** During a stepwise rollout: how many tasks on the new spec the tool has asked for (`LABEL_ROLLOUT_STEP`). */
  rolloutStep?: number;
  /** When the tool asked for that step, ms since the epoch (`LABEL_ROLLOUT_STEP_AT`). */
  rolloutStepAt?: number;
  /** The image the task template names. */
  image?: string;
  /** The image before the last `swapImage` (`LABEL_PREVIOUS_IMAGE`). */
  previousImage?: string;
}

/**
 * How the tasks take a swapped secret: `rolling`, the stack's own update_config (one task at a time, Swarm's
 * order, a sealed task counted as up); `all-at-once` (parallelism 0); `stop-all` (scaled to 0, none started);
 * `stepwise`, one task now and each next one only when the tool asks (`advanceRollout`).
 */
export type SwapRollout = 'rolling' | 'all-at-once' | 'stop-all' | 'stepwise';

/** One Swarm task of the service. */
export interface TaskInfo {
  id: string;
  slot: number;
  /** Observed state: `running`, `starting`, `failed`, ... */
  state: string;
  containerId?: string;
  /** IPv4 address on `iklimco-net`, without the prefix length. */
  address?: string;
  /** Swarm's error text for a task that failed to start. */
  error?: string;
  /** Secrets the task was created with (a rollout is done when every task has the new one). */
  secretIds: string[];
  /** Swarm id of the node the task is scheduled on: where its container, signals and events are. */
  nodeId?: string;
  /** The image the task was created with (its spec's). */
  image?: string;
}

/** What `removeStack` did: whether it removed a service, or which services kept it from removing anything. */
export interface StackRemoval {
  removed: boolean;
  /** Services of the stack without the label asked for: when any, nothing was removed. */
  unlabelled: string[];
}

/** A node of the swarm, as a manager lists it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  /** `ready`, `down`, `unknown`, ... */
  state: string;
}

/** A node with what the tool reads and writes of its spec (src/activities/cluster/homes.ts). */
export interface SwarmNodeDetail extends SwarmNode {
  /** Whether Swarm may place new tasks there: `active`, `pause` (running tasks stay, no new ones), `drain`. */
  availability: string;
  /** The node's labels (`docker node update --label-add`): where the tool records each slot's home (see homes.ts). */
  labels: Record<string, string>;
}

/** A change to one node: labels to set (a string) or remove (`null`), and its availability. */
export interface NodeChange {
  labels?: Record<string, string | null>;
  availability?: 'active' | 'pause';
}

/** A subscription to a stream of events; `close` ends it. */
export interface Subscription<T> {
  /** The next event; rejects when the stream fails. */
  next(): Promise<T>;
  /** Ends the subscription; idempotent. */
  close(): void;
}

/** A running container of a service on this node. */
export interface LocalContainer {
  containerId: string;
  /** Its task's slot (from the task name `<service>.<slot>.<task id>`), when it names one. */
  slot?: number;
}

/** What a command run in a container (`execInServiceContainer`) ended with. */
export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** An output stream was longer than the limit and was cut. */
  truncated: boolean;
}

/** A container of the service started (Swarm started a task). */
export interface ContainerStart {
  /** Full container id, when the event carries one. */
  containerId?: string;
  /** When the Engine recorded the start (epoch ms), when the event carries it. */
  atMs?: number;
}

/**
 * A one-shot Swarm job (a `replicated-job` service, one task, never restarted) that the bootstrap runs beside a
 * Vault task: the detached `sys/init`, the wipe of a wedged leader's data. It outlives the worker that made it,
 * and so does its output (the service's logs), until `removeJob`.
 */
export interface JobSpec {
  /** The job's service name. */
  name: string;
  /** The Vault service whose image and network the job takes, with the mounts named in `mounts`. */
  likeService: string;
  /** Mount targets of `likeService` the job mounts too (read-only as there), `{{.Task.Slot}}` read as `slot`. */
  mounts: string[];
  slot: number;
  /** Swarm node the job runs on (where the slot's task and volume are). */
  nodeId: string;
  /** Replaces the image's entrypoint. */
  command: string[];
  /** Environment of the job's container (no secret ever: it is readable by whoever inspects the service). */
  env: Record<string, string>;
  labels: Record<string, string>;
}

/** A job as a manager sees it. */
export interface JobStatus {
  /** The task's state (`pending`, `running`, `complete`, `failed`, …); `new` before Swarm made a task. */
  state: string;
  /** Whether the task reached an end state (complete, failed, rejected, orphaned, shutdown). */
  done: boolean;
  /** The container's exit code, once it ended. */
  exitCode?: number;
  /** The Swarm node its task was given to, once Swarm placed it. */
  nodeId?: string;
  /** The job's Swarm service id (a job made again under the same name has another). */
  id: string;
  labels: Record<string, string>;
}

export interface Swarm {
  /** Whether this Engine is an active swarm manager. */
  swarmActive(): Promise<boolean>;
  /**
   * Whether the swarm's managers are autolocked (`docker swarm update --autolock`): their Raft log, which holds
   * the Docker secrets (the unseal key among them), is then encrypted with a key a restarted manager needs.
   */
  swarmAutolocked(): Promise<boolean>;
  /** Whether the network exists (default: `iklimco-net`). */
  networkExists(name?: string): Promise<boolean>;
  /**
   * Every secret named like the family, `base` and `base_vN`, oldest version first, whatever stack it was made
   * for: with a secret name without `{stack}` two stacks share the names. Activities use only their own
   * (`stackSecrets` in src/activities/cluster/secrets.ts filters by `stack`).
   */
  listSecretFamily(base: string): Promise<SecretInfo[]>;
  /**
   * Creates a secret with value `data` (sent in the Engine API body only) and returns its id. A name that
   * exists already is an error with `statusCode` 409.
   */
  createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string>;
  /** Removes a secret; Docker refuses while a service uses it. */
  removeSecret(id: string): Promise<void>;
  /** IDs of every secret referenced by any service in the swarm. */
  secretsInUse(): Promise<Set<string>>;
  /** The service, or undefined when it does not exist. */
  inspectService(name: string): Promise<ServiceInfo | undefined>;
  /** The stacks that have a Vault service (`<stack>_vault`, labelled with its stack as `docker stack deploy` does). */
  vaultStacks(): Promise<string[]>;
  /**
   * Points the service's `vault_unseal_key` target at another secret. Swarm rolls the tasks: they restart
   * and come back sealed, as `how` says (`SwapRollout`). `all-at-once` and `stepwise` keep the stack's own
   * `update_config` values they change in service labels (`LABEL_STACK_PARALLELISM`, `LABEL_STACK_UPDATE_DELAY`)
   * for `restoreUpdateConfig`; `stepwise` sets parallelism 1 and a delay of a day after each task, so Swarm
   * replaces one task (in its own order) and waits, and labels the service `LABEL_ROLLOUT_STEP` = 1 + the tasks
   * already on the new spec (mounting that secret, running that image). `stop-all`
   * scales the service to 0 in the same update (the caller starts the tasks: `startSteered`, or `rehomeSlots`
   * after a crash). `rolling` puts back what a label kept.
   */
  swapUnsealSecret(service: string, secret: { id: string; name: string }, how?: SwapRollout): Promise<void>;
  /**
   * Points the service at another image, keeping the one it ran in `LABEL_PREVIOUS_IMAGE`; the tasks roll as
   * `how` says (as `swapUnsealSecret`).
   */
  swapImage(service: string, image: string, how?: SwapRollout): Promise<void>;
  /**
   * During a stepwise rollout: sets `LABEL_ROLLOUT_STEP` to `step` and nothing else (the task template is
   * unchanged), which restarts Swarm's updater: it replaces the next task not yet updated at once, then waits.
   */
  advanceRollout(service: string, step: number): Promise<void>;
  /**
   * Puts back the `update_config` values an `all-at-once` or `stepwise` swap kept and removes their labels and
   * the step label (the task template is unchanged: no task restarts); returns whether there was any.
   */
  restoreUpdateConfig(service: string): Promise<boolean>;
  /**
   * When Swarm paused the service's rolling update (a task failed during it, e.g. its node was lost:
   * `update_config.failure_action` defaults to `pause`), posts the service's spec again unchanged, which makes
   * Swarm resume the update; returns whether it did. Without it the tasks not yet updated keep the old spec.
   */
  resumePausedUpdate(service: string): Promise<boolean>;
  /** The current task of each slot (desired `running`, newest first), by slot. */
  currentTasks(service: string): Promise<Map<number, TaskInfo>>;
  /** Swarm id of the node this Engine is. */
  localNodeId(): Promise<string>;
  /** Every node of the swarm (asked of a manager). */
  listNodes(): Promise<SwarmNodeDetail[]>;
  /**
   * Changes one node's labels and availability (read, changed, written back at the version read: a change
   * made meanwhile by someone else is read again and kept). Labels not named are left as they are.
   */
  updateNode(nodeId: string, change: NodeChange): Promise<void>;
  /**
   * Sets the replicas of a replicated service (`docker service scale`). Swarm removes tasks on a scale down
   * and adds the lowest free slots on a scale up; no other task restarts.
   */
  scaleService(service: string, replicas: number): Promise<void>;
  /**
   * Sends SIGHUP (Vault re-reads its TLS files) to a container on this node, only when the container is a task
   * of `service` (its `com.docker.swarm.service.name` label); returns `other-service` without signalling
   * otherwise. A container this Engine does not have is an error with `statusCode` 404: signals are node-local.
   * The one signal and the service check are the node agent's limits whatever a task asks of it (a caller
   * that can reach its task queue cannot make it stop or kill a container).
   */
  signalServiceContainer(
    service: string,
    containerId: string,
    signal: 'SIGHUP',
  ): Promise<'signalled' | 'other-service'>;
  /** The running containers of `service` on this Engine (node-local), by task slot. */
  localServiceContainers(service: string): Promise<LocalContainer[]>;
  /**
   * Runs `command` in a container on this node, only when it is a task of `service` (as for signals; else
   * `other-service`, nothing run); `env` reaches the command's process only (the exec's API body, never argv
   * or the container's configuration). Each output stream is cut at `maxBytes`; the command is stopped
   * waiting for after `timeoutMs` (an error).
   */
  execInServiceContainer(
    service: string,
    containerId: string,
    command: readonly string[],
    env: Record<string, string>,
    limits: { maxBytes: number; timeoutMs: number },
  ): Promise<ExecOutput | 'other-service'>;
  /**
   * Subscribes to the `start` events of the service's containers (node-local in a multi-node swarm). With
   * `sinceMs` (epoch milliseconds) the Engine first replays the starts since then that it still holds, so a
   * start while no one was subscribed (the stream was down) is not missed.
   */
  containerStarts(service: string, sinceMs?: number): Promise<Subscription<ContainerStart>>;
  /**
   * The service's containers running on this node (node-local), each with the time its Engine started it
   * (`atMs`, from the container's `State.StartedAt`): what a subscriber that (re)connects reconciles, whatever
   * the events stream replays.
   */
  runningContainers(service: string): Promise<ContainerStart[]>;
  /**
   * `docker stack deploy` of `files` as `stack`; the files' variables come from `env` (argv holds only
   * file paths and the stack name). `override`, a compose document (YAML text), is laid over the files last:
   * the implementation hands it to the CLI as a private temporary file and removes that file afterwards.
   * On the single-node test bed (`VAULT_STACK_DIR_ROOT`) the implementation also makes the stack's per-slot
   * folders the bind mounts need and exports them to the files as `TESTBED_STACK_DIR`.
   */
  deployStack(stack: string, files: string[], env: Record<string, string>, override?: string): Promise<void>;
  /**
   * Removes what `deployStack` made for `stack` outside Docker: on the test bed its per-slot folders. Does
   * nothing in production (no `VAULT_STACK_DIR_ROOT`). Call it after `removeStack`, once `stackTasks` is 0.
   */
  removeStackFolders(stack: string): Promise<void>;
  /** Starts a job; one of that name existing already is an error with `statusCode` 409. */
  createJob(spec: JobSpec): Promise<void>;
  /** The job's state, or undefined when there is no job of that name. */
  inspectJob(name: string): Promise<JobStatus | undefined>;
  /** What the job's container wrote so far (its service logs, read through a manager from its node). */
  jobOutput(name: string): Promise<{ stdout: string; stderr: string }>;
  /** Removes the job (its output goes with it); nothing when there is none. */
  removeJob(name: string): Promise<void>;
  /**
   * Restarts every task of the service (`docker service update --force`: a new task per slot, the stack's
   * update order), and resolves once Swarm accepted the update.
   */
  forceRestart(service: string): Promise<void>;
  /**
   * Removes a stack's services, configs and networks (`docker stack rm`). With `onlyLabelled`, only if every
   * service of the stack carries that service label: when one does not, nothing at all is removed and
   * `unlabelled` names those services (the services checked are the ones removed, so one deployed between the
   * check and the removal is not taken). `removed`: whether a service existed and was removed.
   */
  removeStack(stack: string, onlyLabelled?: string): Promise<StackRemoval>;
  /**
   * How many tasks of a stack the swarm still knows, on any node: after `removeStack` they stay until their
   * containers are gone, so 0 means nothing of the stack runs anywhere any more.
   */
  stackTasks(stack: string): Promise<number>;
}
