/**
 * Docker Swarm in memory, enough for the steps: secrets with labels (immutable, 409 on a taken name, in use
 * cannot be removed), the Vault service deployed from a secret name, one task per slot with an overlay
 * address, a swap of the unseal secret that restarts every task, signals, and container `start` events.
 * Task (re)starts are announced to listeners: the fake Vault cluster seals the restarted node.
 * Three nodes `node-1..3`; the task of slot N runs on `node-N` while that node is active and free, else on the
 * first active node without a task of the service (pending when there is none), or where `placeNext` says.
 * Signals are node-local as in Docker: this Engine is `localNode`, and a container on another node is a 404.
 */
import { parse } from 'yaml';
import { toSecretInfo } from '../../../src/docker/gateway';
import type {
  ContainerStart,
  ExecOutput,
  JobSpec,
  JobStatus,
  LocalContainer,
  NodeChange,
  SecretInfo,
  ServiceInfo,
  SwapRollout,
  StackRemoval,
  Subscription,
  Swarm,
  SwarmNodeDetail,
  TaskInfo,
} from '../../../src/ports';
import { VAULT_NETWORK, VAULT_SERVICE } from '../../../src/shared/constants';

interface StoredSecret {
  id: string;
  name: string;
  labels: Record<string, string>;
  data: Buffer;
}

interface StoredService {
  id: string;
  name: string;
  replicas: number;
  unsealSecret?: { id: string; name: string };
  /** `update_config.parallelism`: the stack file's 1, 0 while a rollout runs every task at once. */
  parallelism: number;
  /** The stack's parallelism kept while it is 0 (the service label `LABEL_STACK_PARALLELISM`). */
  keptParallelism?: number;
  /** During a stepwise rollout: the step label (`LABEL_ROLLOUT_STEP`). */
  rolloutStep?: number;
  /** When it was asked for (`LABEL_ROLLOUT_STEP_AT`), on the fake's clock (`now`). */
  rolloutStepAt?: number;
  /** The task template's image (the deploy's `VAULT_IMAGE`), and the one before the last `swapImage`. */
  image: string;
  previousImage?: string;
  /** Service labels: the override's `services.vault.deploy.labels` (the stack file sets none). */
  labels: Record<string, string>;
}

/** What a fake job's container does: its exit code and output (see `FakeSwarm.jobRunner`). */
export type JobRun = (spec: JobSpec) => Promise<{ exitCode: number; stdout: string; stderr?: string }>;

interface StoredJob {
  spec: JobSpec;
  status: JobStatus;
  stdout: string;
  stderr: string;
  /**
   * The runner's container, ending. `inspectJob` waits for it: the runner's work (OpenPGP in libuv's thread
   * pool) takes real time, while the worker's wait for the job runs on the fake clock, which moves on every
   * turn of the event loop; on a busy machine 240 fake seconds passed before the job could end.
   */
  ending?: Promise<void>;
}

/** Why and where a task (re)started: a deploy, a rollout after a secret swap, or a test killing it. */
export type TaskStart = { service: string; slot: number; task: TaskInfo };

function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode });
}

export class FakeSwarm implements Swarm {
  active = true;
  /** The clock the tool's labels are stamped with (the world's). */
  now: () => number = () => Date.now();
  /** `docker swarm update --autolock` was run (the test bed's swarm is not autolocked). */
  autolocked = false;
  readonly networks = new Set([VAULT_NETWORK]);
  /** Replicas a deploy creates: the stack file's 3, unless a test wants another shape. */
  deployReplicas = 3;
  /** New tasks report `starting` for this many `currentTasks` reads before `running`. */
  startingReads = 0;
  /** Whether a new task of `slot` on `image` fails to start (a broken image, a node it cannot run on): `failed`. */
  failsToStart: (slot: number, image: string) => boolean = () => false;
  /** Every deploy, with the override document laid over the files (YAML text), if any. */
  readonly deploys: { stack: string; files: string[]; env: Record<string, string>; override?: string }[] = [];
  /** Every `removeStack` (of a stack that had a service or not), and every `removeStackFolders`, in order. */
  readonly stacksRemoved: string[] = [];
  readonly foldersRemoved: string[] = [];
  /** After a `removeStack`, the stack's tasks stay listed by `stackTasks` for this many reads (containers stopping). */
  lingeringTaskReads = 0;
  private readonly lingering = new Map<string, { tasks: number; reads: number }>();
  readonly signals: { containerId: string; signal: string }[] = [];
  /** Every command run in a container, with the environment it got (what reached the process). */
  readonly execs: { containerId: string; command: string[]; env: Record<string, string> }[] = [];
  /** What a command run in a container answers (default: exit 0, no output). */
  execAnswer: (command: readonly string[], env: Record<string, string>) => ExecOutput = () => ({
    exitCode: 0,
    stdout: '',
    stderr: '',
    truncated: false,
  });
  readonly removed: string[] = [];
  /** The node this Engine is. */
  localNode = 'node-1';
  /** Every task on `node-1` (a one-node swarm, as the test bed), instead of slot N on `node-N`. */
  oneNode = false;
  readonly nodes: SwarmNodeDetail[] = [1, 2, 3].map((n) => ({
    id: `node-${n}`,
    hostname: `host-${n}`,
    state: 'ready',
    availability: 'active',
    labels: {},
  }));
  /** Where the next start of a slot's task goes, whatever the rule (a shuffle Swarm may make); used once. */
  readonly placeNext = new Map<number, string>();
  /** Every `scaleService`, in order. */
  readonly scales: { service: string; replicas: number }[] = [];
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly services = new Map<string, StoredService>();
  private readonly tasks = new Map<string, Map<number, FakeTask>>();
  private readonly startListeners: ((start: TaskStart) => void)[] = [];
  private readonly signalListeners: ((task: TaskStart, signal: string) => void)[] = [];
  private readonly eventQueues = new Map<string, Set<(e: ContainerStart) => void>>();
  private seq = 0;
  /** Services whose rolling update Swarm paused (see `pauseNextRollout`). */
  private readonly pausedUpdates = new Set<string>();
  private pauseRolloutAfter: number | undefined;
  /** How many times `resumePausedUpdate` resumed one. */
  resumes = 0;
  /** Each secret swap's rollout: the service and the parallelism it ran with (0: every task at once). */
  readonly rollouts: { service: string; parallelism: number; stopAll?: boolean; stepwise?: boolean }[] = [];
  /** Every `advanceRollout`. */
  readonly advances: { service: string; step: number }[] = [];
  /** The order in which a stepwise rollout's updater takes the slots (Swarm's is its own). */
  stepwiseOrder: number[] = [1, 2, 3];
  /**
   * How many `currentTasks` reads Swarm's stepwise pick stays invisible for (the updater runs after the service
   * update returns); an `advanceRollout` meanwhile throws, as that would have Swarm take a second task.
   */
  stepwisePickReads = 0;
  private pendingPick?: { svc: StoredService; slot: number; readsLeft: number };
  /** The slots a stepwise rollout replaced, in order. */
  readonly stepwiseReplaced: number[] = [];

  /**
   * What a job's container does when it runs (e.g. the detached `sys/init` against the fake Vault cluster);
   * without one, jobs stay `pending` (their node never runs them).
   */
  jobRunner?: JobRun;
  /** Per Vault service (`JobSpec.likeService`): two worlds sharing one swarm each run their own jobs. */
  readonly jobRunners = new Map<string, JobRun>();
  private readonly jobs = new Map<string, StoredJob>();
  /** Every job created, in order (removed ones too). */
  readonly jobsCreated: JobSpec[] = [];
  /** Jobs whose output reads empty for now (their node's log not readable yet, or the container gone). */
  readonly unreadableOutput = new Set<string>();
  /** Jobs that stay `pending` when created (their node down). */
  readonly heldJobs = new Set<string>();
  /** Every `forceRestart`, by service. */
  readonly forcedRestarts: string[] = [];

  // ---- the port

  swarmActive(): Promise<boolean> {
    return Promise.resolve(this.active);
  }

  swarmAutolocked(): Promise<boolean> {
    return Promise.resolve(this.autolocked);
  }

  networkExists(name: string = VAULT_NETWORK): Promise<boolean> {
    return Promise.resolve(this.networks.has(name));
  }

  listSecretFamily(base: string): Promise<SecretInfo[]> {
    const family = [...this.secrets.values()]
      .map((s) => toSecretInfo(base, s))
      .filter((s) => s !== undefined)
      .sort((a, b) => a.version - b.version);
    return Promise.resolve(family);
  }

  createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    if (this.secretNamed(name)) return Promise.reject(dockerError(409, `secret ${name} already exists`));
    const id = `secret${++this.seq}`;
    this.secrets.set(id, { id, name, labels: { ...labels }, data: Buffer.from(data) });
    return Promise.resolve(id);
  }

  async removeSecret(id: string): Promise<void> {
    const s = this.secrets.get(id);
    if (!s) throw dockerError(404, `secret ${id} not found`);
    if ((await this.secretsInUse()).has(id))
      throw dockerError(400, `secret ${s.name} is in use by a service`);
    this.secrets.delete(id);
    this.removed.push(s.name);
  }

  secretsInUse(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const svc of this.services.values()) if (svc.unsealSecret) used.add(svc.unsealSecret.id);
    return Promise.resolve(used);
  }

  inspectService(name: string): Promise<ServiceInfo | undefined> {
    const svc = this.services.get(name);
    return Promise.resolve(
      svc && {
        id: svc.id,
        name: svc.name,
        replicas: svc.replicas,
        unsealSecret: svc.unsealSecret && { ...svc.unsealSecret },
        ...(svc.rolloutStep !== undefined ? { rolloutStep: svc.rolloutStep } : {}),
        ...(svc.rolloutStepAt !== undefined ? { rolloutStepAt: svc.rolloutStepAt } : {}),
        image: svc.image,
        ...(svc.previousImage !== undefined ? { previousImage: svc.previousImage } : {}),
      },
    );
  }

  vaultStacks(): Promise<string[]> {
    const stacks = [...this.services.keys()].filter((n) => n.endsWith('_vault')).map((n) => n.slice(0, -6));
    return Promise.resolve(stacks.sort());
  }

  swapUnsealSecret(
    service: string,
    secret: { id: string; name: string },
    how: SwapRollout = 'rolling',
  ): Promise<void> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    svc.unsealSecret = { ...secret };
    return this.rollOutAs(svc, how);
  }

  swapImage(service: string, image: string, how: SwapRollout = 'rolling'): Promise<void> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    if (svc.image !== image) svc.previousImage = svc.image;
    svc.image = image;
    return this.rollOutAs(svc, how);
  }

  /** The rollout of a changed task template, as `how` says. */
  private rollOutAs(svc: StoredService, how: SwapRollout): Promise<void> {
    const service = svc.name;
    if (how === 'stepwise') {
      svc.keptParallelism ??= svc.parallelism;
      svc.parallelism = 1;
      // As the gateway: 1 + the tasks on the new spec already (a rollback's tasks that never left the image).
      const already = [...(this.tasks.get(service)?.values() ?? [])].filter(
        (t) => t.image === svc.image && t.secretIds.includes(svc.unsealSecret?.id ?? ''),
      ).length;
      svc.rolloutStep = 1 + already;
      svc.rolloutStepAt = this.now();
      this.rollouts.push({ service, parallelism: 1, stepwise: true });
      this.replaceNextStale(svc);
      return Promise.resolve();
    }
    if (how === 'stop-all') {
      // One update: the new secret and 0 replicas; every task stops, none starts.
      this.restore(svc);
      this.rollouts.push({ service, parallelism: svc.parallelism, stopAll: true });
      this.scales.push({ service, replicas: 0 });
      svc.replicas = 0;
      this.tasks.get(service)?.clear();
      return Promise.resolve();
    }
    if (how === 'all-at-once') {
      svc.keptParallelism ??= svc.parallelism;
      svc.parallelism = 0;
    } else {
      this.restore(svc);
    }
    this.rollouts.push({ service, parallelism: svc.parallelism });
    if (this.pauseRolloutAfter !== undefined) {
      // Swarm paused the update after these slots: the others keep their tasks (and the old secret).
      for (let slot = 1; slot <= this.pauseRolloutAfter; slot++) this.startTask(svc, slot);
      this.pauseRolloutAfter = undefined;
      this.pausedUpdates.add(service);
    } else {
      this.rollOut(svc);
    }
    return Promise.resolve();
  }

  advanceRollout(service: string, step: number): Promise<void> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    svc.rolloutStep = step;
    svc.rolloutStepAt = this.now();
    this.advances.push({ service, step });
    this.replaceNextStale(svc);
    return Promise.resolve();
  }

  /** Swarm's updater restarted: the first slot of `stepwiseOrder` whose task lacks the mounted secret is replaced. */
  private replaceNextStale(svc: StoredService): void {
    // Swarm's updater restarted before the task it took last was stopped: it would take another (two down).
    if (this.pendingPick)
      throw new Error(
        `advanceRollout while Swarm's pick of vault-${this.pendingPick.slot} is not visible yet: a second task taken`,
      );
    const tasks = this.tasks.get(svc.name) ?? new Map<number, FakeTask>();
    const stale = this.stepwiseOrder.find((slot) => {
      const t = tasks.get(slot);
      return (
        slot <= svc.replicas && (!t?.secretIds.includes(svc.unsealSecret?.id ?? '') || t.image !== svc.image)
      );
    });
    if (stale !== undefined) {
      this.stepwiseReplaced.push(stale);
      if (this.stepwisePickReads > 0)
        this.pendingPick = { svc, slot: stale, readsLeft: this.stepwisePickReads };
      else this.startTask(svc, stale);
    }
  }

  restoreUpdateConfig(service: string): Promise<boolean> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    return Promise.resolve(this.restore(svc));
  }

  private restore(svc: StoredService): boolean {
    if (svc.keptParallelism === undefined && svc.rolloutStep === undefined) return false;
    svc.parallelism = svc.keptParallelism ?? svc.parallelism;
    svc.keptParallelism = undefined;
    svc.rolloutStep = undefined;
    svc.rolloutStepAt = undefined;
    return true;
  }

  resumePausedUpdate(service: string): Promise<boolean> {
    const svc = this.services.get(service);
    if (!svc || !this.pausedUpdates.delete(service)) return Promise.resolve(false);
    this.resumes++;
    for (const [slot, t] of this.tasks.get(service) ?? [])
      if (svc.unsealSecret && !t.secretIds.includes(svc.unsealSecret.id)) this.startTask(svc, slot);
    return Promise.resolve(true);
  }

  currentTasks(service: string): Promise<Map<number, TaskInfo>> {
    const pick = this.pendingPick;
    if (pick && pick.svc.name === service && pick.readsLeft-- <= 0) {
      this.pendingPick = undefined;
      this.startTask(pick.svc, pick.slot);
    }
    const out = new Map<number, TaskInfo>();
    for (const [slot, t] of this.tasks.get(service) ?? []) {
      if (t.state === 'starting' && t.readsLeft-- <= 0) t.state = 'running';
      out.set(slot, {
        id: t.id,
        slot: t.slot,
        state: t.state,
        containerId: t.containerId,
        address: t.address,
        error: t.error,
        secretIds: [...t.secretIds],
        nodeId: t.nodeId,
        image: t.image,
      });
    }
    return Promise.resolve(out);
  }

  localNodeId(): Promise<string> {
    return Promise.resolve(this.localNode);
  }

  listNodes(): Promise<SwarmNodeDetail[]> {
    return Promise.resolve(this.nodes.map((n) => ({ ...n, labels: { ...n.labels } })));
  }

  updateNode(nodeId: string, change: NodeChange): Promise<void> {
    const node = this.nodes.find((n) => n.id === nodeId);
    if (!node) return Promise.reject(dockerError(404, `node ${nodeId} not found`));
    for (const [key, value] of Object.entries(change.labels ?? {})) {
      if (value === null) delete node.labels[key];
      else node.labels[key] = value;
    }
    if (change.availability) node.availability = change.availability;
    if (change.availability === 'active') this.placePending();
    return Promise.resolve();
  }

  /** As Swarm's scheduler does once a node can take tasks again: every pending task placed where it may go. */
  private placePending(): void {
    for (const [name, bySlot] of this.tasks) {
      const svc = this.services.get(name);
      if (!svc) continue;
      for (const [slot, t] of bySlot) if (t.nodeId === undefined) this.startTask(svc, slot);
    }
  }

  scaleService(service: string, replicas: number): Promise<void> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    this.scales.push({ service, replicas });
    svc.replicas = replicas;
    const bySlot = this.tasks.get(service) ?? new Map();
    for (const slot of [...bySlot.keys()]) if (slot > replicas) bySlot.delete(slot);
    for (let slot = 1; slot <= replicas; slot++) if (!bySlot.has(slot)) this.startTask(svc, slot);
    return Promise.resolve();
  }

  /** Every task stopped at once and started again, slot N where `placement` says (a shuffle, as after a power cut). */
  restartAllOn(service: string, placement: Record<number, string>): void {
    const svc = this.services.get(service);
    if (!svc) throw new Error(`no service ${service}`);
    for (const [slot, node] of Object.entries(placement)) this.placeNext.set(Number(slot), node);
    this.tasks.get(service)?.clear();
    this.rollOut(svc);
  }

  localServiceContainers(service: string): Promise<LocalContainer[]> {
    const out: LocalContainer[] = [];
    for (const [slot, t] of this.tasks.get(service) ?? [])
      if (t.nodeId === this.localNode && t.state === 'running' && t.containerId)
        out.push({ containerId: t.containerId, slot });
    return Promise.resolve(out);
  }

  execInServiceContainer(
    wanted: string,
    containerId: string,
    command: readonly string[],
    env: Record<string, string>,
  ): Promise<ExecOutput | 'other-service'> {
    for (const [service, bySlot] of this.tasks)
      for (const task of bySlot.values())
        if (task.containerId === containerId) {
          if (task.nodeId !== this.localNode)
            return Promise.reject(dockerError(404, `No such container: ${containerId}`));
          if (service !== wanted) return Promise.resolve('other-service');
          this.execs.push({ containerId, command: [...command], env: { ...env } });
          return Promise.resolve(this.execAnswer(command, env));
        }
    return Promise.reject(dockerError(404, `No such container: ${containerId}`));
  }

  signalServiceContainer(
    wanted: string,
    containerId: string,
    signal: 'SIGHUP',
  ): Promise<'signalled' | 'other-service'> {
    for (const [service, bySlot] of this.tasks)
      for (const [slot, task] of bySlot)
        // Docker takes a unique prefix of the id, as `docker kill <short id>` does.
        if (containerId.length >= 12 && task.containerId?.startsWith(containerId)) {
          if (task.nodeId !== this.localNode)
            return Promise.reject(dockerError(404, `No such container: ${containerId}`));
          if (service !== wanted) return Promise.resolve('other-service');
          this.signals.push({ containerId, signal });
          for (const l of this.signalListeners) l({ service, slot, task }, signal);
          return Promise.resolve('signalled');
        }
    return Promise.reject(dockerError(404, `No such container: ${containerId}`));
  }

  runningContainers(service: string): Promise<ContainerStart[]> {
    const running: ContainerStart[] = [];
    for (const task of this.tasks.get(service)?.values() ?? [])
      if (task.state === 'running' && task.nodeId === this.localNode && task.containerId)
        running.push({ containerId: task.containerId, atMs: task.startedAtMs ?? 0 });
    return Promise.resolve(running);
  }

  containerStarts(service: string): Promise<Subscription<ContainerStart>> {
    const queued: ContainerStart[] = [];
    let waiting: ((e: ContainerStart) => void) | undefined;
    const listener = (e: ContainerStart): void => {
      if (waiting) {
        waiting(e);
        waiting = undefined;
      } else queued.push(e);
    };
    const listeners = this.eventQueues.get(service) ?? new Set();
    this.eventQueues.set(service, listeners.add(listener));
    return Promise.resolve({
      next: () => {
        const e = queued.shift();
        return e ? Promise.resolve(e) : new Promise<ContainerStart>((r) => (waiting = r));
      },
      close: () => listeners.delete(listener),
    });
  }

  createJob(spec: JobSpec): Promise<void> {
    if (this.jobs.has(spec.name) || this.services.has(spec.name))
      return Promise.reject(dockerError(409, `service ${spec.name} already exists`));
    if (!this.services.has(spec.likeService))
      return Promise.reject(new Error(`service ${spec.likeService} not found: no job ${spec.name}`));
    const job: StoredJob = {
      spec: structuredClone(spec),
      status: {
        state: 'pending',
        done: false,
        labels: { ...spec.labels },
        id: `job-${this.jobsCreated.length + 1}`,
      },
      stdout: '',
      stderr: '',
    };
    this.jobs.set(spec.name, job);
    this.jobsCreated.push(job.spec);
    const run = this.jobRunners.get(spec.likeService) ?? this.jobRunner;
    if (run && !this.heldJobs.has(spec.name)) {
      job.status.state = 'running';
      job.status.nodeId = spec.nodeId;
      job.ending = run(job.spec).then(
        (r) => {
          Object.assign(job, { stdout: r.stdout, stderr: r.stderr ?? '' });
          job.status = {
            ...job.status,
            state: r.exitCode === 0 ? 'complete' : 'failed',
            done: true,
            exitCode: r.exitCode,
          };
        },
        (err: unknown) => {
          job.stderr = String(err);
          job.status = { ...job.status, state: 'failed', done: true, exitCode: 1 };
        },
      );
    }
    return Promise.resolve();
  }

  async inspectJob(name: string): Promise<JobStatus | undefined> {
    const job = this.jobs.get(name);
    await job?.ending;
    return job && { ...job.status, labels: { ...job.status.labels } };
  }

  jobOutput(name: string): Promise<{ stdout: string; stderr: string }> {
    const job = this.jobs.get(name);
    if (!job) return Promise.reject(dockerError(404, `service ${name} not found`));
    if (this.unreadableOutput.has(name)) return Promise.resolve({ stdout: '', stderr: '' });
    return Promise.resolve({ stdout: job.stdout, stderr: job.stderr });
  }

  removeJob(name: string): Promise<void> {
    this.jobs.delete(name);
    return Promise.resolve();
  }

  forceRestart(service: string): Promise<void> {
    const svc = this.services.get(service);
    if (!svc) return Promise.reject(new Error(`service ${service} not found`));
    this.forcedRestarts.push(service);
    this.rollOut(svc);
    return Promise.resolve();
  }

  /** The names of the jobs that exist now. */
  jobNames(): string[] {
    return [...this.jobs.keys()].sort();
  }

  /** Makes a job end as a container would (a test that runs jobs by hand instead of `jobRunner`). */
  endJob(name: string, exitCode: number, stdout: string, stderr = ''): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name}`);
    Object.assign(job, { stdout, stderr });
    job.status = { ...job.status, state: exitCode === 0 ? 'complete' : 'failed', done: true, exitCode };
  }

  /**
   * The stack's service goes, and its tasks with it (after `lingeringTaskReads` reads of `stackTasks`); with
   * `onlyLabelled`, nothing goes (and nothing is recorded) when the service lacks that label.
   */
  removeStack(stack: string, onlyLabelled?: string): Promise<StackRemoval> {
    const name = `${stack}_vault`;
    const svc = this.services.get(name);
    if (svc && onlyLabelled !== undefined && !(onlyLabelled in svc.labels))
      return Promise.resolve({ removed: false, unlabelled: [name] });
    this.stacksRemoved.push(stack);
    const tasks = this.tasks.get(name)?.size ?? 0;
    this.tasks.delete(name);
    if (tasks && this.lingeringTaskReads)
      this.lingering.set(stack, { tasks, reads: this.lingeringTaskReads });
    return Promise.resolve({ removed: this.services.delete(name), unlabelled: [] });
  }

  stackTasks(stack: string): Promise<number> {
    const left = this.lingering.get(stack);
    if (left && left.reads-- > 0) return Promise.resolve(left.tasks);
    this.lingering.delete(stack);
    return Promise.resolve(this.tasks.get(`${stack}_vault`)?.size ?? 0);
  }

  removeStackFolders(stack: string): Promise<void> {
    this.foldersRemoved.push(stack);
    return Promise.resolve();
  }

  /** Replicas from `override`'s `services.vault.deploy.replicas` when it says, else `deployReplicas`. */
  deployStack(stack: string, files: string[], env: Record<string, string>, override?: string): Promise<void> {
    this.deploys.push({ stack, files, env: { ...env }, ...(override !== undefined ? { override } : {}) });
    const secretName = env.VAULT_UNSEAL_KEY_SECRET ?? 'vault_unseal_key';
    const secret = this.secretNamed(secretName);
    if (!secret)
      return Promise.reject(
        new Error(`docker stack deploy ${stack} failed: secret not found: ${secretName}`),
      );
    const name = `${stack}_vault`;
    const svc = this.services.get(name) ?? {
      id: `service${++this.seq}`,
      name,
      replicas: replicasIn(override) ?? this.deployReplicas,
      parallelism: 1,
      labels: {},
      image: env.VAULT_IMAGE || 'vault-bootstrap-testbed/openbao:2.7.2',
    };
    svc.unsealSecret = { id: secret.id, name: secret.name };
    // A deploy posts the stack file's spec: its update_config, and its labels only.
    svc.parallelism = 1;
    svc.keptParallelism = undefined;
    svc.labels = labelsIn(override);
    this.services.set(name, svc);
    this.rollOut(svc);
    return Promise.resolve();
  }

  // ---- for tests

  /** The service's `update_config.parallelism`, and the stack's value kept while it is 0. */
  updateParallelism(service: string): { parallelism: number; kept?: number } | undefined {
    const svc = this.services.get(service);
    return svc && { parallelism: svc.parallelism, kept: svc.keptParallelism };
  }

  /** Called whenever a task (re)starts; its Vault process starts from its data, sealed. */
  onTaskStart(listener: (start: TaskStart) => void): void {
    this.startListeners.push(listener);
  }

  /** Called for every signal delivered to a task's container. */
  onSignal(listener: (task: TaskStart, signal: string) => void): void {
    this.signalListeners.push(listener);
  }

  /** The value of a secret (Docker could not show it; the fake can, so tests check what went in). */
  secretValue(name: string): string | undefined {
    return this.secretNamed(name)?.data.toString('utf8');
  }

  /** The labels of a secret, as the bootstrap put them. */
  secretLabels(name: string): Record<string, string> | undefined {
    return this.secretNamed(name)?.labels;
  }

  secretNames(): string[] {
    return [...this.secrets.values()].map((s) => s.name).sort();
  }

  /** Puts a service in place as if deployed earlier with `secretName` at the unseal target. */
  async givenService(stack: string, secretName: string, replicas = 3): Promise<void> {
    const before = this.deployReplicas;
    this.deployReplicas = replicas;
    await this.deployStack(stack, [], { VAULT_UNSEAL_KEY_SECRET: secretName });
    this.deployReplicas = before;
    this.deploys.pop();
  }

  /** Swarm replaces the task of `slot` (its container was killed): a new container, a new address. */
  replaceTask(service: string, slot: number): TaskInfo {
    const svc = this.services.get(service);
    if (!svc) throw new Error(`no service ${service}`);
    return this.startTask(svc, slot);
  }

  /** Changes the observed state of a task (e.g. `failed` with an error), as Swarm reports it. */
  setTaskState(service: string, slot: number, state: string, error?: string): void {
    const t = this.tasks.get(service)?.get(slot);
    if (!t) throw new Error(`no task for slot ${slot}`);
    Object.assign(t, { state, error, readsLeft: 0 });
  }

  /** The task of `slot` reports `starting` for the next `reads` reads of `currentTasks`, then `running`. */
  delayTask(service: string, slot: number, reads: number): void {
    const t = this.tasks.get(service)?.get(slot);
    if (!t) throw new Error(`no task for slot ${slot}`);
    Object.assign(t, { state: 'starting', readsLeft: reads });
  }

  /**
   * The task of `slot` runs and its Vault listens, but Swarm still reports it `starting`: its first
   * healthcheck has not passed (the production file checks every 5 s).
   */
  awaitHealthcheck(service: string, slot: number): void {
    const t = this.tasks.get(service)?.get(slot);
    if (!t) throw new Error(`no task for slot ${slot}`);
    Object.assign(t, { state: 'starting', readsLeft: Number.MAX_SAFE_INTEGER, listening: true });
  }

  /** The address and state of a slot's task, without the side effects of a read. */
  taskSnapshot(
    service: string,
    slot: number,
  ): { address?: string; state: string; listening?: boolean } | undefined {
    const t = this.tasks.get(service)?.get(slot);
    return t && { address: t.address, state: t.state, listening: t.listening };
  }

  /** The next secret swap's rollout updates only slots 1..`slots`, then Swarm pauses it (a task failed). */
  pauseNextRollout(slots: number): void {
    this.pauseRolloutAfter = slots;
  }

  /** Removes the task of a slot (the node is down and nothing replaced it yet). */
  dropTask(service: string, slot: number): void {
    this.tasks.get(service)?.delete(slot);
  }

  private rollOut(svc: StoredService): void {
    for (let slot = 1; slot <= svc.replicas; slot++) this.startTask(svc, slot);
  }

  /**
   * Swarm replaces the task of `slot` while no events subscription is there to see it (an Engine that starts,
   * an agent away): a new container that started at `startedAtMs`, whose start no subscriber is ever told of.
   */
  replaceTaskUnseen(service: string, slot: number, startedAtMs: number): TaskInfo {
    const svc = this.services.get(service);
    if (!svc) throw new Error(`no service ${service}`);
    return this.startTask(svc, slot, { startedAtMs, unseen: true });
  }

  private startTask(
    svc: StoredService,
    slot: number,
    how: { startedAtMs?: number; unseen?: boolean } = {},
  ): TaskInfo {
    const n = ++this.seq;
    const nodeId = this.nodeFor(svc.name, slot);
    const task = {
      id: `task${n}`,
      slot,
      state:
        nodeId === undefined
          ? 'pending'
          : this.failsToStart(slot, svc.image)
            ? 'failed'
            : this.startingReads > 0
              ? 'starting'
              : 'running',
      containerId: `c0ffee${String(n).padStart(6, '0')}${'0'.repeat(52)}`, // unique in its first 12 digits, as Docker's are
      address: `10.0.${n % 250}.${slot + 1}`,
      secretIds: svc.unsealSecret ? [svc.unsealSecret.id] : [],
      image: svc.image,
      readsLeft: this.startingReads,
      nodeId,
      startedAtMs: how.startedAtMs ?? Date.now(),
    };
    const bySlot = this.tasks.get(svc.name) ?? new Map<number, FakeTask>();
    this.tasks.set(svc.name, bySlot.set(slot, task));
    for (const l of this.startListeners) l({ service: svc.name, slot, task });
    if (!how.unseen)
      for (const l of this.eventQueues.get(svc.name) ?? []) l({ containerId: task.containerId });
    return task;
  }

  /** Where Swarm puts a new task of `slot` (see the header); undefined: pending, no node can take it. */
  private nodeFor(service: string, slot: number): string | undefined {
    const forced = this.placeNext.get(slot);
    if (forced !== undefined) {
      this.placeNext.delete(slot);
      return forced;
    }
    if (this.oneNode) return 'node-1';
    const taken = new Set(
      [...(this.tasks.get(service) ?? new Map<number, TaskInfo>())]
        .filter(([other]) => other !== slot)
        .map(([, t]) => t.nodeId),
    );
    const free = this.nodes.filter(
      (n) => n.state === 'ready' && n.availability === 'active' && !taken.has(n.id),
    );
    return (free.find((n) => n.id === `node-${slot}`) ?? free[0])?.id;
  }

  private secretNamed(name: string): StoredSecret | undefined {
    return [...this.secrets.values()].find((s) => s.name === name);
  }
}

/** A task as the fake keeps it: what `currentTasks` reports, and what it uses to play Swarm. */
type FakeTask = TaskInfo & { readsLeft: number; listening?: boolean; startedAtMs?: number };

/** `services.vault.deploy.replicas` of a compose document, when it says. */
function replicasIn(override: string | undefined): number | undefined {
  if (override === undefined) return undefined;
  const doc = parse(override) as { services?: Record<string, { deploy?: { replicas?: number } }> };
  return doc.services?.[VAULT_SERVICE]?.deploy?.replicas;
}

/** `services.vault.deploy.labels` of a compose document (the service labels it sets), none without one. */
function labelsIn(override: string | undefined): Record<string, string> {
  if (override === undefined) return {};
  const doc = parse(override) as {
    services?: Record<string, { deploy?: { labels?: Record<string, string> } }>;
  };
  return { ...doc.services?.[VAULT_SERVICE]?.deploy?.labels };
}
