/**
 * The `Swarm` port over the Docker Engine API (dockerode): secrets, the Vault service, its tasks, stack
 * deploy, signals and events. It reads and changes Docker state; it makes no decisions. Secret values go in, never out (the API cannot
 * read them back), and never into argv or logs. On the single-node test bed (`stackDirRoot`) it also makes and
 * removes the per-stack folders the test bed's stack file binds.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
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
} from '../ports';
import {
  ALL_SLOTS,
  LABEL_KIND,
  LABEL_KEY_GENERATION,
  LABEL_KEY_ID,
  LABEL_PREVIOUS_IMAGE,
  LABEL_ROLLOUT_STEP,
  LABEL_ROLLOUT_STEP_AT,
  LABEL_STACK,
  LABEL_STACK_PARALLELISM,
  LABEL_STACK_UPDATE_DELAY,
  nodeName,
  serviceName as vaultServiceName,
  UNSEAL_SECRET_TARGET,
  VAULT_NETWORK,
} from '../shared/constants';

/** The label `docker stack deploy` puts on what it creates: the stack's name. */
const STACK_NAMESPACE_LABEL = 'com.docker.stack.namespace';

/** Version of a managed secret from its name: `base` is 0, `base_vN` is N; undefined when not in the family. */
export function secretVersionOf(base: string, name: string): number | undefined {
  if (name === base) return 0;
  const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_v([0-9]+)$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

/** A secret as the bootstrap sees it (kind and key id from its labels), or undefined when not in the family. */
export function toSecretInfo(
  base: string,
  raw: { id: string; name: string; labels: Record<string, string> },
): SecretInfo | undefined {
  const version = secretVersionOf(base, raw.name);
  if (version === undefined) return undefined;
  const kind = raw.labels[LABEL_KIND];
  return {
    id: raw.id,
    name: raw.name,
    version,
    kind: kind === 'placeholder' || kind === 'unseal-key' ? kind : 'unknown',
    keyId: raw.labels[LABEL_KEY_ID],
    keyGeneration: generationOf(raw.labels[LABEL_KEY_GENERATION]),
    stack: raw.labels[LABEL_STACK],
  };
}

/** The fields of a Swarm task this gateway reads (dockerode types tasks as `any`). */
interface RawTask {
  ID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  NodeID?: string;
  Spec?: Docker.TaskSpec;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

/** The fields of a Swarm node this gateway reads and writes back. */
interface RawNode {
  ID?: string;
  Version?: { Index?: number };
  Description?: { Hostname?: string };
  Status?: { State?: string };
  Spec?: { Availability?: string; Role?: string; Name?: string; Labels?: Record<string, string> };
}

function toTaskInfo(t: RawTask): TaskInfo {
  const onNet = t.NetworksAttachments?.find((a) => a.Network?.Spec?.Name === VAULT_NETWORK);
  return {
    id: t.ID ?? '',
    slot: t.Slot ?? 0,
    state: t.Status?.State ?? 'unknown',
    containerId: t.Status?.ContainerStatus?.ContainerID,
    address: onNet?.Addresses?.[0]?.split('/')[0],
    error: t.Status?.Err,
    secretIds: (containerSpec(t.Spec)?.Secrets ?? []).map((x) => x.SecretID ?? '').filter((x) => x !== ''),
    nodeId: t.NodeID || undefined,
    image: containerSpec(t.Spec)?.Image,
  };
}

/** The task states after which a job's container runs no more. */
const JOB_END_STATES = new Set(['complete', 'failed', 'rejected', 'orphaned', 'shutdown', 'remove']);

/**
 * Splits the Engine's multiplexed log stream (8-byte frame headers: stream 1 stdout, 2 stderr, then a
 * big-endian length) into stdout and stderr; a stream that is not framed (a TTY) is all stdout.
 */
export function demuxLogs(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const kind = raw[at];
    const size = raw.readUInt32BE(at + 4);
    if ((kind !== 1 && kind !== 2) || raw[at + 1] !== 0 || at + 8 + size > raw.length) break;
    (kind === 1 ? out : err).push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  if (at !== raw.length) return { stdout: raw.toString('utf8'), stderr: '' };
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

type ContainerSpec = NonNullable<Docker.ContainerTaskSpec['ContainerSpec']>;

/** Every task at once (`parallelism` 0), the stack's own value kept in a label unless one already is. */
/** A key generation label's value: 0 when absent, NaN (never equal to a record's) when not a number. */
function generationOf(label: string | undefined): number {
  return label === undefined ? 0 : /^\d+$/.test(label) ? Number(label) : NaN;
}

/** Swarm's updater waits this long after each task of a stepwise rollout: until the tool asks for the next. */
const STEPWISE_DELAY_NS = 24 * 3600 * 1e9;

/** One task at a time, each only when asked (`advanceRollout`): the stack's parallelism and delay kept in labels. */
function runStepwise(spec: Docker.ServiceSpec, alreadyOn: number): void {
  const labels = { ...(spec.Labels ?? {}) };
  labels[LABEL_STACK_PARALLELISM] ??= String(spec.UpdateConfig?.Parallelism ?? 1);
  labels[LABEL_STACK_UPDATE_DELAY] ??= String(spec.UpdateConfig?.Delay ?? 0);
  // Counts the tasks on the new spec asked for: the one Swarm takes now, and those on it already (Swarm
  // never takes them), so that the step is ahead of the tasks on it until Swarm has stopped the one it took.
  labels[LABEL_ROLLOUT_STEP] = String(alreadyOn + 1);
  labels[LABEL_ROLLOUT_STEP_AT] = new Date().toISOString();
  spec.Labels = labels;
  withParallelism(spec, 1, STEPWISE_DELAY_NS);
}

function runAllAtOnce(spec: Docker.ServiceSpec): void {
  const labels = { ...(spec.Labels ?? {}) };
  // Docker's default, when the stack sets no update_config, is one task at a time.
  labels[LABEL_STACK_PARALLELISM] ??= String(spec.UpdateConfig?.Parallelism ?? 1);
  spec.Labels = labels;
  withParallelism(spec, 0);
}

/**
 * Puts back the parallelism and delay kept by `runAllAtOnce` or `runStepwise` and drops their labels and the
 * step label; false when none was there.
 */
function restoreUpdateConfig(spec: Docker.ServiceSpec): boolean {
  const labels = { ...(spec.Labels ?? {}) };
  const parallelism = labels[LABEL_STACK_PARALLELISM];
  const delay = labels[LABEL_STACK_UPDATE_DELAY];
  if (parallelism === undefined && delay === undefined && labels[LABEL_ROLLOUT_STEP] === undefined)
    return false;
  delete labels[LABEL_STACK_PARALLELISM];
  delete labels[LABEL_STACK_UPDATE_DELAY];
  delete labels[LABEL_ROLLOUT_STEP];
  delete labels[LABEL_ROLLOUT_STEP_AT];
  spec.Labels = labels;
  withParallelism(
    spec,
    parallelism !== undefined ? Number(parallelism) : (spec.UpdateConfig?.Parallelism ?? 1),
    delay !== undefined ? Number(delay) : undefined,
  );
  return true;
}

/** Sets the update's parallelism (and its delay, when given). */
function withParallelism(spec: Docker.ServiceSpec, parallelism: number, delayNs?: number): void {
  // Docker's default order is stop-first: an update_config without one keeps it.
  spec.UpdateConfig = {
    ...spec.UpdateConfig,
    Order: spec.UpdateConfig?.Order ?? 'stop-first',
    Parallelism: parallelism,
    ...(delayNs !== undefined ? { Delay: delayNs } : {}),
  };
}

/** The container part of a task template (services here are never plugin services). */
function containerSpec(spec: Docker.TaskSpec | undefined): ContainerSpec | undefined {
  return spec && 'ContainerSpec' in spec ? spec.ContainerSpec : undefined;
}

/**
 * The `docker stack deploy` command line and its whole environment, built from configuration only: the CLI
 * talks to the Engine at `socketPath` (the one dockerode uses: `--host` and `DOCKER_HOST`, so neither an
 * inherited `DOCKER_HOST` nor a docker context can send it elsewhere), sees `PATH`/`HOME` from `baseEnv`
 * and the stack file variables in `vars`, and nothing else of the worker's environment: no `TEMPORAL_*`
 * (API keys), no `DOCKER_*` from the caller. Argv holds only options, file paths and the stack name.
 */
export function dockerCliInvocation(
  socketPath: string,
  baseEnv: Record<string, string>,
  stack: string,
  files: string[],
  vars: Record<string, string>,
): { args: string[]; env: Record<string, string> } {
  const host = `unix://${socketPath}`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (!/^(TEMPORAL|DOCKER)_/.test(k)) env[k] = v;
  if (baseEnv.PATH !== undefined) env.PATH = baseEnv.PATH;
  if (baseEnv.HOME !== undefined) env.HOME = baseEnv.HOME;
  env.DOCKER_HOST = host;
  const args = ['--host', host, 'stack', 'deploy', '--resolve-image', 'never'];
  for (const f of files) args.push('-c', f);
  args.push(stack);
  return { args, env };
}

export class DockerGateway implements Swarm {
  private readonly docker: Docker;

  /**
   * `cliBaseEnv`: `PATH` and `HOME` for the docker CLI (config `stack.cliBaseEnv`). `stackDirRoot`: the test
   * bed's folder of per-stack bind-mount folders (config `stack.stackDirRoot`); unset in production.
   */
  constructor(
    private readonly socketPath: string,
    private readonly cli: string = 'docker',
    private readonly cliBaseEnv: Record<string, string> = {},
    private readonly stackDirRoot?: string,
  ) {
    this.docker = new Docker({ socketPath });
  }

  /** This gateway, deploying with the test bed's per-stack folders under `root` (none: as in production). */
  withStackDirRoot(root: string | undefined): DockerGateway {
    return root === this.stackDirRoot
      ? this
      : new DockerGateway(this.socketPath, this.cli, this.cliBaseEnv, root);
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async swarmActive(): Promise<boolean> {
    const info = (await this.docker.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    return info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
  }

  async swarmAutolocked(): Promise<boolean> {
    const swarm = (await this.docker.swarmInspect()) as {
      Spec?: { EncryptionConfig?: { AutoLockManagers?: boolean } };
    };
    return swarm.Spec?.EncryptionConfig?.AutoLockManagers === true;
  }

  async networkExists(name: string = VAULT_NETWORK): Promise<boolean> {
    const nets = await this.docker.listNetworks({ filters: { name: [name] } });
    return nets.some((n) => n.Name === name);
  }

  async listSecretFamily(base: string): Promise<SecretInfo[]> {
    const all = await this.docker.listSecrets({ filters: { name: [base] } });
    return all
      .map((s) =>
        toSecretInfo(base, {
          id: s.ID,
          name: s.Spec?.Name ?? '',
          labels: s.Spec?.Labels ?? {},
        }),
      )
      .filter((s) => s !== undefined)
      .sort((a, b) => a.version - b.version);
  }

  async createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = (await this.docker.createSecret({
      Name: name,
      Labels: labels,
      Data: data.toString('base64'),
    })) as {
      id?: string;
      ID?: string;
    };
    const id = created.id ?? created.ID;
    if (!id) throw new Error(`creating secret ${name}: Docker returned no id`);
    return id;
  }

  async removeSecret(id: string): Promise<void> {
    await this.docker.getSecret(id).remove();
  }

  async secretsInUse(): Promise<Set<string>> {
    const services = await this.docker.listServices();
    const used = new Set<string>();
    for (const s of services) {
      for (const ref of containerSpec(s.Spec?.TaskTemplate)?.Secrets ?? [])
        if (ref.SecretID) used.add(ref.SecretID);
    }
    return used;
  }

  /** The service named exactly `name` (the API's name filter matches prefixes too), or undefined. */
  private async serviceNamed(name: string): Promise<Docker.Service | undefined> {
    const found = await this.docker.listServices({ filters: { name: [name] } });
    return found.find((s) => s.Spec?.Name === name);
  }

  async inspectService(name: string): Promise<ServiceInfo | undefined> {
    const svc = await this.serviceNamed(name);
    if (!svc) return undefined;
    const spec = svc.Spec!;
    const secrets = containerSpec(spec.TaskTemplate)?.Secrets ?? [];
    const unseal = secrets.find((s) => s.File?.Name === UNSEAL_SECRET_TARGET);
    const stepAt = Date.parse(spec.Labels?.[LABEL_ROLLOUT_STEP_AT] ?? '');
    return {
      replicas: spec.Mode?.Replicated?.Replicas,
      unsealSecret: unseal?.SecretID ? { id: unseal.SecretID, name: unseal.SecretName ?? '' } : undefined,
      image: containerSpec(spec.TaskTemplate)?.Image,
      ...(spec.Labels?.[LABEL_PREVIOUS_IMAGE] ? { previousImage: spec.Labels[LABEL_PREVIOUS_IMAGE] } : {}),
      ...(spec.Labels?.[LABEL_ROLLOUT_STEP] !== undefined
        ? { rolloutStep: Number(spec.Labels[LABEL_ROLLOUT_STEP]) }
        : {}),
      ...(Number.isFinite(stepAt) ? { rolloutStepAt: stepAt } : {}),
    };
  }

  async vaultStacks(): Promise<string[]> {
    const services = await this.docker.listServices({ filters: { label: [STACK_NAMESPACE_LABEL] } });
    const stacks = services
      .map((s) => s.Spec?.Labels?.[STACK_NAMESPACE_LABEL])
      .filter((stack): stack is string => stack !== undefined)
      .filter((stack) => services.some((s) => s.Spec?.Name === vaultServiceName(stack)));
    return [...new Set(stacks)].sort();
  }

  /** Swarm rolls the tasks (stop-first) after the swap. */
  async swapUnsealSecret(
    serviceName: string,
    secret: { id: string; name: string },
    how: SwapRollout = 'rolling',
  ): Promise<void> {
    const alreadyOn = await this.tasksOnSpec(serviceName, how, (t) => t.secretIds.includes(secret.id));
    await this.rollOut(serviceName, how, alreadyOn, (spec, cs) => {
      const others = (cs.Secrets ?? []).filter((s) => s.File?.Name !== UNSEAL_SECRET_TARGET);
      const old = (cs.Secrets ?? []).find((s) => s.File?.Name === UNSEAL_SECRET_TARGET);
      cs.Secrets = [
        ...others,
        {
          SecretID: secret.id,
          SecretName: secret.name,
          File: old?.File ?? { Name: UNSEAL_SECRET_TARGET, UID: '0', GID: '0', Mode: 0o400 },
        },
      ];
    });
  }

  async swapImage(serviceName: string, image: string, how: SwapRollout = 'rolling'): Promise<void> {
    const alreadyOn = await this.tasksOnSpec(serviceName, how, (t) => t.image === image);
    await this.rollOut(serviceName, how, alreadyOn, (spec, cs) => {
      if (cs.Image && cs.Image !== image)
        spec.Labels = { ...(spec.Labels ?? {}), [LABEL_PREVIOUS_IMAGE]: cs.Image };
      cs.Image = image;
    });
  }

  /** For a stepwise swap: how many current tasks are on the new spec already (`on`); 0 for the other ways. */
  private async tasksOnSpec(
    serviceName: string,
    how: SwapRollout,
    on: (t: TaskInfo) => boolean,
  ): Promise<number> {
    if (how !== 'stepwise') return 0;
    return [...(await this.currentTasks(serviceName)).values()].filter(on).length;
  }

  /** One service update: `change` applied to a copy of the spec, the rollout set as `how` says. */
  private async rollOut(
    serviceName: string,
    how: SwapRollout,
    alreadyOn: number,
    change: (spec: Docker.ServiceSpec, cs: ContainerSpec) => void,
  ): Promise<void> {
    const current = await this.serviceNamed(serviceName);
    if (!current?.ID || !current.Spec) throw new Error(`service ${serviceName} not found`);
    const spec = structuredClone(current.Spec);
    const cs = containerSpec(spec.TaskTemplate);
    if (!cs) throw new Error(`service ${serviceName} has no container spec`);
    change(spec, cs);
    if (how === 'all-at-once') runAllAtOnce(spec);
    else if (how === 'stepwise') runStepwise(spec, alreadyOn);
    else restoreUpdateConfig(spec);
    if (how === 'stop-all') {
      if (!spec.Mode?.Replicated) throw new Error(`service ${serviceName} is not a replicated service`);
      spec.Mode = { Replicated: { Replicas: 0 } };
    }
    await this.docker.getService(current.ID).update({ ...spec, version: current.Version?.Index });
  }

  async advanceRollout(serviceName: string, step: number): Promise<void> {
    const svc = await this.serviceNamed(serviceName);
    if (!svc?.ID || !svc.Spec) throw new Error(`service ${serviceName} not found`);
    const spec = structuredClone(svc.Spec);
    spec.Labels = {
      ...(spec.Labels ?? {}),
      [LABEL_ROLLOUT_STEP]: String(step),
      [LABEL_ROLLOUT_STEP_AT]: new Date().toISOString(),
    };
    await this.docker.getService(svc.ID).update({ ...spec, version: svc.Version?.Index });
  }

  async restoreUpdateConfig(serviceName: string): Promise<boolean> {
    const svc = await this.serviceNamed(serviceName);
    if (!svc?.ID || !svc.Spec) throw new Error(`service ${serviceName} not found`);
    const spec = structuredClone(svc.Spec);
    if (!restoreUpdateConfig(spec)) return false;
    await this.docker.getService(svc.ID).update({ ...spec, version: svc.Version?.Index });
    return true;
  }

  async resumePausedUpdate(serviceName: string): Promise<boolean> {
    const svc = await this.serviceNamed(serviceName);
    if (!svc?.ID || !svc.Spec || svc.UpdateStatus?.State !== 'paused') return false;
    await this.docker.getService(svc.ID).update({ ...svc.Spec, version: svc.Version?.Index });
    return true;
  }

  /** The current task of each slot: desired `running`, newest first. */
  async currentTasks(serviceName: string): Promise<Map<number, TaskInfo>> {
    const tasks = ((await this.docker.listTasks({ filters: { service: [serviceName] } })) as RawTask[])
      .filter((t) => t.DesiredState === 'running')
      .sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
    const bySlot = new Map<number, TaskInfo>();
    for (const t of tasks) {
      const slot = t.Slot ?? 0;
      if (!bySlot.has(slot)) bySlot.set(slot, toTaskInfo(t));
    }
    return bySlot;
  }

  async localNodeId(): Promise<string> {
    const info = (await this.docker.info()) as { Swarm?: { NodeID?: string } };
    const id = info.Swarm?.NodeID;
    if (!id) throw new Error('this Docker Engine is not a swarm node (docker info has no Swarm.NodeID)');
    return id;
  }

  async listNodes(): Promise<SwarmNodeDetail[]> {
    const nodes = (await this.docker.listNodes()) as RawNode[];
    return nodes.map((n) => ({
      id: n.ID ?? '',
      hostname: n.Description?.Hostname ?? '',
      state: n.Status?.State ?? 'unknown',
      availability: n.Spec?.Availability ?? 'active',
      labels: { ...n.Spec?.Labels },
    }));
  }

  async updateNode(nodeId: string, change: NodeChange): Promise<void> {
    // The Engine refuses a write at a stale version ("update out of sequence"): read again and re-apply.
    for (let attempt = 1; ; attempt++) {
      const node = (await this.docker.getNode(nodeId).inspect()) as RawNode;
      const spec = { ...node.Spec, Labels: { ...node.Spec?.Labels } };
      for (const [key, value] of Object.entries(change.labels ?? {})) {
        if (value === null) delete spec.Labels[key];
        else spec.Labels[key] = value;
      }
      if (change.availability) spec.Availability = change.availability;
      try {
        await this.docker.getNode(nodeId).update({ ...spec, version: node.Version?.Index });
        return;
      } catch (err) {
        if (attempt >= 5 || !/out of sequence/i.test(String((err as Error).message))) throw err;
      }
    }
  }

  async scaleService(serviceName: string, replicas: number): Promise<void> {
    const svc = await this.serviceNamed(serviceName);
    if (!svc?.ID || !svc.Spec?.Mode?.Replicated)
      throw new Error(`replicated service ${serviceName} not found`);
    const spec = structuredClone(svc.Spec);
    if (spec.Mode?.Replicated?.Replicas === replicas) return;
    spec.Mode = { Replicated: { Replicas: replicas } };
    await this.docker.getService(svc.ID).update({ ...spec, version: svc.Version?.Index });
  }

  async signalServiceContainer(
    service: string,
    containerId: string,
    signal: 'SIGHUP',
  ): Promise<'signalled' | 'other-service'> {
    if (signal !== 'SIGHUP') throw new Error(`refusing to send ${String(signal)}: only SIGHUP is sent`);
    const container = this.docker.getContainer(containerId);
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (err) {
      // A node agent talks to its node's Docker proxy (src/docker/proxy.ts), which lets it inspect only Vault
      // tasks and refuses the others with 403: the container is not one to signal.
      if ((err as { statusCode?: number }).statusCode === 403) return 'other-service';
      throw err;
    }
    if (info.Config?.Labels?.['com.docker.swarm.service.name'] !== service) return 'other-service';
    // By the full id inspected, so a short id cannot name another container between the two calls.
    await this.docker.getContainer(info.Id).kill({ signal });
    return 'signalled';
  }

  async localServiceContainers(service: string): Promise<LocalContainer[]> {
    const list = await this.docker.listContainers({
      filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] },
    });
    return list.map((c) => {
      const slot = Number(/^[^.]+\.([0-9]+)\./.exec(c.Labels?.['com.docker.swarm.task.name'] ?? '')?.[1]);
      return { containerId: c.Id, ...(Number.isInteger(slot) && slot > 0 ? { slot } : {}) };
    });
  }

  async execInServiceContainer(
    service: string,
    containerId: string,
    command: readonly string[],
    env: Record<string, string>,
    limits: { maxBytes: number; timeoutMs: number },
  ): Promise<ExecOutput | 'other-service'> {
    const info = await this.docker.getContainer(containerId).inspect();
    if (info.Config?.Labels?.['com.docker.swarm.service.name'] !== service) return 'other-service';
    const exec = await this.docker.getContainer(info.Id).exec({
      Cmd: [...command],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = boundedSink(limits.maxBytes);
    const err = boundedSink(limits.maxBytes);
    this.docker.modem.demuxStream(stream, out.sink, err.sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`the command in ${info.Id.slice(0, 12)} did not end within ${limits.timeoutMs} ms`));
      }, limits.timeoutMs);
      const done = (e?: Error) => {
        clearTimeout(timer);
        if (e) reject(e);
        else resolve();
      };
      stream.on('end', () => done());
      stream.on('close', () => done());
      stream.on('error', done);
    });
    const { ExitCode } = await exec.inspect();
    return {
      exitCode: ExitCode ?? -1,
      stdout: out.text(),
      stderr: err.text(),
      truncated: out.truncated || err.truncated,
    };
  }

  async containerStarts(service: string, sinceMs?: number): Promise<Subscription<ContainerStart>> {
    const stream = (await this.docker.getEvents({
      // Seconds with a fraction: the Engine reads the digits after the point as a fraction of a second.
      ...(sinceMs === undefined ? {} : { since: Math.floor(sinceMs) / 1000 }),
      filters: {
        type: ['container'],
        event: ['start'],
        label: [`com.docker.swarm.service.name=${service}`],
      },
    })) as Readable;
    return subscribe(stream, (chunk) => {
      const nanos = /"timeNano":([0-9]+)/.exec(chunk)?.[1];
      return {
        containerId: /"id":"([0-9a-f]+)"/.exec(chunk)?.[1],
        atMs: nanos === undefined ? undefined : Number(BigInt(nanos) / 1_000_000n),
      };
    });
  }

  async runningContainers(service: string): Promise<ContainerStart[]> {
    const listed = await this.docker.listContainers({
      filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] },
    });
    const running: ContainerStart[] = [];
    for (const c of listed) {
      // A container that stopped (or went) since the list is no longer running: nothing to reconcile.
      const info = await this.docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => undefined);
      const startedMs = Date.parse(info?.State?.StartedAt ?? '');
      if (info?.State?.Running && !Number.isNaN(startedMs))
        running.push({ containerId: info.Id, atMs: startedMs });
    }
    return running;
  }

  /**
   * The job is a `replicated-job` service with the Vault service's image and network (without its DNS aliases:
   * the job must not answer for `vault`) and the named mounts, pinned to `nodeId`, never restarted. It carries
   * no stack namespace label, so `docker stack rm` leaves it and its output alone.
   */
  async createJob(spec: JobSpec): Promise<void> {
    const like = await this.serviceNamed(spec.likeService);
    const template = like?.Spec?.TaskTemplate;
    const cs = containerSpec(template);
    if (!cs?.Image)
      throw new Error(`service ${spec.likeService} not found (or has no image): no job ${spec.name}`);
    const mounts = (cs.Mounts ?? [])
      .filter((m) => m.Target !== undefined && spec.mounts.includes(m.Target))
      .map((m) => ({ ...m, Source: m.Source?.replaceAll('{{.Task.Slot}}', String(spec.slot)) }));
    const missing = spec.mounts.filter((t) => !mounts.some((m) => m.Target === t));
    if (missing.length)
      throw new Error(
        `service ${spec.likeService} mounts nothing at ${missing.join(', ')}: no job ${spec.name}`,
      );
    await this.docker.createService({
      Name: spec.name,
      Labels: spec.labels,
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
      TaskTemplate: {
        ContainerSpec: {
          Image: cs.Image,
          Command: spec.command,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Mounts: mounts,
        },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: { Constraints: [`node.id==${spec.nodeId}`] },
        Networks: (template?.Networks ?? []).map((n) => ({ Target: n.Target })),
      },
    } as Docker.CreateServiceOptions);
  }

  async inspectJob(name: string): Promise<JobStatus | undefined> {
    const svc = await this.serviceNamed(name);
    if (!svc) return undefined;
    const tasks = (
      (await this.docker.listTasks({ filters: { service: [name] } })) as (RawTask & {
        Status?: { ContainerStatus?: { ExitCode?: number } };
      })[]
    ).sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
    const task = tasks[0];
    const state = task?.Status?.State ?? 'new';
    return {
      state,
      done: JOB_END_STATES.has(state),
      exitCode: task?.Status?.ContainerStatus?.ExitCode,
      nodeId: task?.NodeID || undefined,
      id: svc.ID ?? '',
      labels: svc.Spec?.Labels ?? {},
    };
  }

  async jobOutput(name: string): Promise<{ stdout: string; stderr: string }> {
    const raw = (await this.docker
      .getService(name)
      .logs({ stdout: true, stderr: true, follow: false, timestamps: false })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async removeJob(name: string): Promise<void> {
    const svc = await this.serviceNamed(name);
    if (!svc?.ID) return;
    await this.docker
      .getService(svc.ID)
      .remove()
      .catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
  }

  async forceRestart(service: string): Promise<void> {
    const current = await this.serviceNamed(service);
    if (!current?.ID || !current.Spec) throw new Error(`service ${service} not found`);
    const spec = structuredClone(current.Spec);
    const template = spec.TaskTemplate as Docker.ContainerTaskSpec & { ForceUpdate?: number };
    template.ForceUpdate = (template.ForceUpdate ?? 0) + 1;
    await this.docker.getService(current.ID).update({ ...spec, version: current.Version?.Index });
  }

  /**
   * What `docker stack rm` does, through the API: the stack's services, then its configs and the networks it
   * created (each labelled `com.docker.stack.namespace`); with `onlyLabelled`, only when every service listed
   * carries that label (else nothing). Something already gone is not an error.
   */
  async removeStack(stack: string, onlyLabelled?: string): Promise<StackRemoval> {
    const filters = { label: [`${STACK_NAMESPACE_LABEL}=${stack}`] };
    const gone = (err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    };
    const services = await this.docker.listServices({ filters });
    if (onlyLabelled !== undefined) {
      const unlabelled = services
        .filter((s) => !(onlyLabelled in (s.Spec?.Labels ?? {})))
        .map((s) => s.Spec?.Name ?? s.ID);
      if (unlabelled.length) return { removed: false, unlabelled };
    }
    // By id, the services checked above: one deployed since is not removed.
    for (const s of services) await this.docker.getService(s.ID).remove().catch(gone);
    for (const c of await this.docker.listConfigs({ filters }))
      await this.docker.getConfig(c.ID).remove().catch(gone);
    for (const n of await this.docker.listNetworks({ filters }))
      await this.docker.getNetwork(n.Id).remove().catch(gone);
    return { removed: services.length > 0, unlabelled: [] };
  }

  async stackTasks(stack: string): Promise<number> {
    const tasks = await this.docker.listTasks({
      filters: { label: [`${STACK_NAMESPACE_LABEL}=${stack}`] },
    });
    return tasks.length;
  }

  /** `docker stack deploy` through the CLI: the stack file format is the CLI's; the Engine API has no stack endpoint. */
  async deployStack(
    stack: string,
    files: string[],
    vars: Record<string, string>,
    override?: string,
  ): Promise<void> {
    const all = { ...vars };
    if (this.stackDirRoot) {
      // The test bed's override binds per-slot folders (a drill's tmpfs replaces them, but they must exist).
      const dir = join(this.stackDirRoot, stack);
      for (const slot of ALL_SLOTS) {
        await mkdir(join(dir, nodeName(slot), 'data'), { recursive: true });
        await mkdir(join(dir, nodeName(slot), 'logs'), { recursive: true });
      }
      all.TESTBED_STACK_DIR = dir;
    }
    if (override === undefined) return this.runStackDeploy(stack, files, all);
    const file = join(tmpdir(), `vault-bootstrap-${stack}-${randomUUID()}.yml`);
    await writeFile(file, override, { mode: 0o600 });
    try {
      await this.runStackDeploy(stack, [...files, file], all);
    } finally {
      await rm(file, { force: true });
    }
  }

  async removeStackFolders(stack: string): Promise<void> {
    if (this.stackDirRoot) await rm(join(this.stackDirRoot, stack), { recursive: true, force: true });
  }

  private async runStackDeploy(stack: string, files: string[], vars: Record<string, string>): Promise<void> {
    // The CLI talks to the same Engine as the API calls, whatever DOCKER_HOST or docker context the
    // environment holds, and sees none of the worker's environment but PATH, HOME and the stack file variables.
    const { args, env } = dockerCliInvocation(this.socketPath, this.cliBaseEnv, stack, files, vars);
    await new Promise<void>((resolve, reject) => {
      execFile(this.cli, args, { env, timeout: 120_000, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`docker stack deploy ${stack} failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
  }
}

/**
 * Events of a stream, one per chunk, handed out in order; a stream error or end rejects the pending and
 * later `next`s (events already queued are handed out first).
 */
export function subscribe<T>(stream: Readable, parse: (chunk: string) => T): Subscription<T> {
  const queued: T[] = [];
  const waiting: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  let failed: Error | undefined;
  stream.on('data', (chunk: Buffer) => {
    const event = parse(chunk.toString());
    const next = waiting.shift();
    if (next) next.resolve(event);
    else queued.push(event);
  });
  const fail = (err: Error) => {
    failed ??= err;
    for (const w of waiting.splice(0)) w.reject(failed);
  };
  stream.on('error', fail);
  // A stream that ends (dockerd restarted, the connection dropped) has no more events: say so rather than
  // leave a `next` waiting forever.
  stream.on('end', () => fail(new Error('the Docker events stream ended')));
  stream.on('close', () => fail(new Error('the Docker events stream closed')));
  return {
    next: () => {
      const event = queued.shift();
      if (event !== undefined) return Promise.resolve(event);
      if (failed) return Promise.reject(failed);
      return new Promise<T>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    close: () => stream.destroy(),
  };
}

/** A stream that keeps the first `maxBytes` written to it and notes whether more came. */
function boundedSink(maxBytes: number): { sink: Writable; text: () => string; truncated: boolean } {
  const chunks: Buffer[] = [];
  let kept = 0;
  const state = {
    truncated: false,
    sink: new Writable({
      write(chunk: Buffer, _enc, next) {
        const room = maxBytes - kept;
        if (chunk.length > room) state.truncated = true;
        if (room > 0) {
          chunks.push(chunk.subarray(0, room));
          kept += Math.min(room, chunk.length);
        }
        next();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
  return state;
}
