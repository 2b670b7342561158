/**
 * Test-side view of the three-node bed (`npm run testbed -- up --nodes 3`): its nodes as testbed-3.env
 * names them, `docker` against one node, a worker process per node in a given role, and the node faults
 * of `testbed.sh node ...` (stop, kill, start, isolate, heal, restart-all).
 *
 *   const run = new MultiNodeRun();
 *   run.startWorker('n1');                        // the full worker (custody, every activity, n1's queue)
 *   run.startWorker('n2'); run.startWorker('n3'); // node agents (only their node's queue)
 *   await run.client(['bootstrap', '--wait']);
 *   await nodeFaults.kill('n2');  ...  await nodeFaults.start('n2');
 *   await run.cleanup();
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { drillStackName } from '../../src/shared/backup';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { DockerGateway } from '../../src/docker/gateway';
import type { TaskInfo } from '../../src/ports';
import { VaultNodeClient } from '../../src/vault/gateway';
import {
  killProcess,
  processEnv,
  readBedEnv,
  REPO,
  runClient,
  spawnWorker,
  stopProcess,
  uniqueName,
} from './testbed';
import { nodeMarks, removeStackQuietly } from './stack-removal';
import { Connection } from '@temporalio/client';
import { markOwner, terminateRunWorkflows } from './run-owner';
import { sweepStaleRuns } from './sweep';
import { sleep } from './wait';

const run = promisify(execFile);

export const NODE_NAMES = ['n1', 'n2', 'n3'] as const;
export type NodeName = (typeof NODE_NAMES)[number];

export interface BedNode {
  /** `n1`, `n2`, `n3`: the name `testbed.sh node ...` takes. */
  name: NodeName;
  /** The Engine's host name, as `docker node ls` shows it: `vbt-n1`. */
  hostName: string;
  /** `unix:///run/vbt-n1/docker.sock`: for `docker -H` / `DOCKER_HOST`. */
  dockerHost: string;
  /** `/run/vbt-n1/docker.sock`: for `DOCKER_SOCKET` and dockerode. */
  socket: string;
  /** The node's address on the bed's bridge: `192.168.213.11`. */
  address: string;
  /** The node's tunnel into iklimco-net, `host:port`: for `VAULT_TUNNEL_ADDRESS`. */
  tunnel: string;
}

export interface MultiNodeBed {
  /** testbed-3.env as written (TEMPORAL_ADDRESS, VAULT_IMAGE, VAULT_CERT_DIR, TESTBED_NODE_*, …). */
  env: Record<string, string>;
  /** n1 first: the node the full worker talks to. */
  nodes: BedNode[];
}

function list(env: Record<string, string>, key: string): string[] {
  const values = (env[key] ?? '').split(',').filter((v) => v !== '');
  if (values.length !== NODE_NAMES.length) {
    throw new Error(`testbed-3.env: ${key} should name ${NODE_NAMES.length} nodes, has "${env[key] ?? ''}"`);
  }
  return values;
}

/** Reads testbed-3.env; throws when the three-node bed was never brought up. */
export function multinodeBed(): MultiNodeBed {
  const env = readBedEnv('testbed-3.env', 'npm run testbed -- up --nodes 3');
  const [hosts, names, addresses, tunnels] = [
    list(env, 'TESTBED_NODE_HOSTS'),
    list(env, 'TESTBED_NODE_NAMES'),
    list(env, 'TESTBED_NODE_ADDRESSES'),
    list(env, 'TESTBED_NODE_TUNNELS'),
  ];
  const nodes = NODE_NAMES.map((name, i) => ({
    name,
    hostName: names[i]!,
    dockerHost: hosts[i]!,
    socket: hosts[i]!.replace(/^unix:\/\//, ''),
    address: addresses[i]!,
    tunnel: tunnels[i]!,
  }));
  return { env, nodes };
}

/** The node named `name` of the bed. */
export function bedNode(name: NodeName, bed: MultiNodeBed = multinodeBed()): BedNode {
  const node = bed.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name} on the three-node bed`);
  return node;
}

/** Runs `docker -H <node> ARGS…`; resolves with its stdout, rejects with its stderr. */
export async function nodeDocker(node: NodeName | BedNode, args: string[]): Promise<string> {
  const { dockerHost } = typeof node === 'string' ? bedNode(node) : node;
  const { stdout } = await run('docker', ['-H', dockerHost, ...args], { maxBuffer: 4 << 20 });
  return stdout;
}

/** A dockerode client of one node's Engine. */
export function nodeEngine(node: NodeName | BedNode): Docker {
  return new Docker({ socketPath: (typeof node === 'string' ? bedNode(node) : node).socket });
}

export type WorkerRole = 'full' | 'node-agent';

/**
 * One test's three-node run: its own stack, task queue and custody folder, and at most one worker process
 * per node. Stacks deploy from the production stack file alone, one task per node.
 */
export class MultiNodeRun {
  readonly stack = uniqueName();
  readonly taskQueue = `tq-${this.stack}`;
  readonly dir = mkdtempSync(join(tmpdir(), `${this.stack}-`));
  readonly custodyDir = join(this.dir, 'custody');
  readonly custodyKeyFile = join(this.dir, 'custody.key');
  /** `VAULT_BACKUP_DIR` of the run's full worker: its own root, there from the start (a storage box mounted). */
  readonly backupRoot = join(this.dir, 'backups');
  readonly bed = multinodeBed();

  constructor() {
    mkdirSync(this.backupRoot, { mode: 0o700 });
    markOwner(this.dir);
  }
  private readonly workers = new Map<NodeName, ChildProcess>();

  get secretBase(): string {
    return `${this.stack}_vault_unseal_key`;
  }

  node(name: NodeName): BedNode {
    return bedNode(name, this.bed);
  }

  /** What the client needs, and what a full worker needs besides its node: Temporal, the stack, custody, TLS files. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {
      ...processEnv(),
      TEMPORAL_ADDRESS: this.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      TEMPORAL_UI_URL: this.bed.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
      VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
      VAULT_BOOTSTRAP_STACK: this.stack,
      // The production file with its OpenBao overlay (the audit device), as an operator of OpenBao deploys it.
      VAULT_STACK_FILES: `${join(REPO, 'docker-stack-vault.yml')},${join(REPO, 'docker-stack-vault.openbao.yml')}`,
      VAULT_IMAGE: this.bed.env.VAULT_IMAGE ?? '',
      VAULT_CERT_DIR: this.bed.env.VAULT_CERT_DIR ?? '',
      VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
      VAULT_BOOTSTRAP_CUSTODY_DIR: this.custodyDir,
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: this.custodyKeyFile,
      VAULT_BACKUP_DIR: this.backupRoot,
      ...extra,
    };
    delete env.VAULT_STACK_DIR_ROOT; // one task per node: no per-slot bind mounts
    return env;
  }

  /**
   * The environment of the worker for `node` in `role`. Every worker talks to its node's Engine (DOCKER_SOCKET;
   * DOCKER_HOST too, though the worker pins `stack deploy`'s docker CLI to DOCKER_SOCKET itself) and reaches
   * Vault through its node's tunnel.
   * A node agent gets nothing else (no custody, no TLS files, not this process's environment): a worker that
   * ignored the role would then fail to start instead of quietly polling the main queue.
   */
  workerEnv(node: NodeName, role: WorkerRole, extra: Record<string, string> = {}): Record<string, string> {
    const { socket, dockerHost, tunnel } = this.node(node);
    const own = {
      TEMPORAL_ADDRESS: this.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
      VAULT_BOOTSTRAP_WORKER_ROLE: role,
      DOCKER_SOCKET: socket,
      DOCKER_HOST: dockerHost,
      VAULT_TUNNEL_ADDRESS: tunnel,
      // Three workers on one host: none serves metrics (port 9464 is one), unless a test says so in `extra`.
      VAULT_BOOTSTRAP_METRICS_ADDRESS: '',
    };
    if (role === 'full') return this.env({ ...own, ...extra });
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...own, ...extra };
  }

  /** The worker log of `node` for this run (appended to across restarts). */
  workerLog(node: NodeName): string {
    return join(this.dir, `worker-${node}.log`);
  }

  /** Starts the worker for `node`: by default the full worker on n1 and node agents on n2 and n3. */
  startWorker(node: NodeName, role?: WorkerRole, extra: Record<string, string> = {}): ChildProcess {
    const running = this.workers.get(node);
    if (running && running.exitCode === null && running.signalCode === null) {
      throw new Error(`the worker for ${node} runs already (pid ${running.pid})`);
    }
    const child = spawnWorker(
      this.workerEnv(node, role ?? (node === 'n1' ? 'full' : 'node-agent'), extra),
      this.workerLog(node),
    );
    this.workers.set(node, child);
    return child;
  }

  /** The worker process for `node`, if one was started. */
  worker(node: NodeName): ChildProcess | undefined {
    return this.workers.get(node);
  }

  /** SIGTERM (in-flight activities finish), SIGKILL after `graceMs`. */
  async stopWorker(node: NodeName, graceMs?: number): Promise<void> {
    const child = this.workers.get(node);
    if (child) await stopProcess(child, graceMs);
    this.workers.delete(node);
  }

  /** SIGKILL: the worker dies without finishing anything, as in a crash. */
  async killWorker(node: NodeName): Promise<void> {
    const child = this.workers.get(node);
    if (child) await killProcess(child);
    this.workers.delete(node);
  }

  async stopWorkers(): Promise<void> {
    for (const node of [...this.workers.keys()]) await this.stopWorker(node);
  }

  /**
   * A client of `task` (the stack's task of `slot`, as the bed's n1 lists it), through the tunnel of the node it
   * runs on, as the worker reaches it; undefined while it has no address or node.
   */
  async vaultClientOf(slot: number, task: TaskInfo | undefined): Promise<VaultNodeClient | undefined> {
    const on = (await slotNodes(this.stack)).get(slot);
    if (!task?.address || !on) return undefined;
    const [host, port] = this.node(on).tunnel.split(':');
    return new VaultNodeClient(
      `vault-${slot}`,
      { host: task.address, port: 8200, serverName: `vault-${slot}` },
      { mode: 'tunnel', host: host!, port: Number(port) },
      readFileSync(join(this.bed.env.VAULT_CERT_DIR ?? '', 'ca.pem')),
      { requestMs: 3000, initMs: 3000 },
    );
  }

  /** The stack's current task of each slot, as the bed's n1 lists them. */
  tasks(): Promise<Map<number, TaskInfo>> {
    return new DockerGateway(this.node('n1').socket).currentTasks(`${this.stack}_vault`);
  }

  /** Runs the `vault-bootstrap` client for this run's stack and queue. */
  client(
    args: string[],
    extra: Record<string, string> = {},
  ): Promise<{ code: number; out: string; stdout: string }> {
    return runClient(this.env(extra), args);
  }

  /**
   * Terminates the run's workflows still running, stops the workers and removes the stack (through the first node that answers), then on every node
   * that answers its containers, secrets and named volumes, and the run's temp folder. Safe to call twice.
   * A node that is down keeps its leftovers: start it (nodeFaults.start) before cleaning up.
   */
  async cleanup(): Promise<void> {
    await this.terminateWorkflows();
    await this.stopWorkers();
    const label = `com.docker.stack.namespace=${this.stack}`;
    const up = await this.answeringNodes();
    const manager = up[0];
    // The stack, and the throwaway stack of a restore drill a failed test may have left.
    if (manager)
      for (const stack of [this.stack, drillStackName(this.stack)])
        await removeStackQuietly(stack, {
          docker: (args) => nodeDocker(manager, args),
          engines: up.map(nodeEngine),
        });
    for (const node of up) {
      const engine = nodeEngine(node);
      for (const id of await this.jobContainers(engine))
        await engine
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const v of (await engine.listVolumes({ filters: { label: [label] } })).Volumes ?? []) {
        await engine
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined);
      }
    }
    if (manager) {
      const engine = nodeEngine(manager);
      for (const s of await engine.listSecrets({ filters: { name: [this.secretBase] } })) {
        await engine
          .getSecret(s.ID)
          .remove()
          .catch(() => undefined);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every workflow still running on the run's task queue (the dev server's), terminated. */
  terminateWorkflows(): Promise<void> {
    const address = this.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    return terminateRunWorkflows(
      () => Connection.connect({ address, connectTimeout: 10_000 }),
      this.taskQueue,
    );
  }

  /**
   * The full worker on n1 and node agents on n2 and n3 (`env` for the full worker and the client), the stack
   * bootstrapped, and the health schedule and its events watcher created: what the node-fault suites start from.
   */
  async bootstrapWithWatcher(env: Record<string, string>): Promise<void> {
    this.startWorker('n1', 'full', env);
    this.startWorker('n2', 'node-agent');
    this.startWorker('n3', 'node-agent');
    const boot = await this.client(['bootstrap', '--wait'], env);
    if (boot.code !== 0) throw new Error(`bootstrap of ${this.stack} failed:\n${boot.out}`);
    const created = await this.client(['schedule', 'create'], env);
    if (created.code !== 0) throw new Error(`schedule create for ${this.stack} failed:\n${created.out}`);
  }

  /** What the stack left behind on the nodes that answer: services, containers, volumes, secrets. */
  async leftovers(): Promise<string[]> {
    const labels = [this.stack, drillStackName(this.stack)].map((s) => `com.docker.stack.namespace=${s}`);
    const out: string[] = [];
    const up = await this.answeringNodes();
    for (const node of up) {
      const engine = nodeEngine(node);
      for (const id of await this.jobContainers(engine)) out.push(`${node.name}: job container ${id}`);
      for (const label of labels) {
        for (const c of await engine.listContainers({ all: true, filters: { label: [label] } }))
          out.push(`${node.name}: container ${c.Id}`);
        for (const v of (await engine.listVolumes({ filters: { label: [label] } })).Volumes ?? [])
          out.push(`${node.name}: volume ${v.Name}`);
      }
    }
    const manager = up[0];
    if (manager) {
      const engine = nodeEngine(manager);
      for (const label of labels)
        for (const s of await engine.listServices({ filters: { label: [label] } }))
          out.push(`service ${s.Spec?.Name}`);
      for (const s of await engine.listSecrets({ filters: { name: [this.secretBase] } }))
        out.push(`secret ${s.Spec?.Name}`);
      for (const stack of [this.stack, drillStackName(this.stack)])
        for (const m of await nodeMarks(engine, stack)) out.push(`node labels ${m.labels.join(' ')}`);
    }
    return out;
  }

  /**
   * The containers of the stack's jobs (the init and wipe jobs: services named `<stack>_…` without the stack's
   * namespace label) on `engine`. Swarm keeps a replicated job's finished task and its container after the
   * service is removed (moby/moby#44312), so they outlive the bootstrap that removed the job.
   */
  private async jobContainers(engine: Docker): Promise<string[]> {
    const all = await engine.listContainers({
      all: true,
      filters: { label: ['com.docker.swarm.service.name'] },
    });
    return all
      .filter((c) => c.Labels['com.docker.swarm.service.name']?.startsWith(`${this.stack}_`))
      .filter((c) => c.Labels['com.docker.stack.namespace'] === undefined)
      .map((c) => c.Id);
  }

  private async answeringNodes(): Promise<BedNode[]> {
    const up: BedNode[] = [];
    for (const node of this.bed.nodes) {
      if (
        await nodeEngine(node)
          .ping()
          .then(() => true)
          .catch(() => false)
      )
        up.push(node);
    }
    return up;
  }
}

/** Which node runs each slot's current task of `<stack>_vault` (asked of `via`, a manager with a leader). */
export async function slotNodes(stack: string, via: NodeName = 'n1'): Promise<Map<number, NodeName>> {
  const engine = nodeEngine(via);
  const hostNames = new Map<string, string>();
  const nodes = (await engine.listNodes()) as { ID?: string; Description?: { Hostname?: string } }[];
  for (const n of nodes) hostNames.set(n.ID ?? '', n.Description?.Hostname ?? '');
  const bed = multinodeBed();
  const tasks = (await engine.listTasks({
    filters: { service: [`${stack}_vault`], 'desired-state': ['running'] },
  })) as { Slot?: number; NodeID?: string }[];
  const slots = new Map<number, NodeName>();
  for (const t of tasks) {
    const node = bed.nodes.find((n) => n.hostName === hostNames.get(t.NodeID ?? ''));
    if (t.Slot !== undefined && node) slots.set(t.Slot, node.name);
  }
  return slots;
}

/** Each node's Swarm id, by name (asked of the node itself). */
export async function nodeIds(): Promise<Map<NodeName, string>> {
  const out = new Map<NodeName, string>();
  for (const n of NODE_NAMES)
    out.set(n, (await nodeDocker(n, ['info', '--format', '{{.Swarm.NodeID}}'])).trim());
  return out;
}

/** Every node of the bed active (undoes `restartSlotsOn`'s pauses, whatever happened). */
export async function activateAllNodes(ids: Map<NodeName, string>): Promise<void> {
  for (const n of NODE_NAMES)
    await nodeDocker('n1', ['node', 'update', '--availability', 'active', ids.get(n)!]).catch(
      () => undefined,
    );
}

/**
 * Every task of the stack's `vault` service stopped at once (scaled to 0), then started again one slot at a
 * time on the node `want` names: a placement Swarm is free to choose after such a stop, made certain here by
 * pausing every other node while the slot is placed (`docker node update --availability pause`). Every node is
 * active again at the end.
 */
export async function restartSlotsOn(
  stack: string,
  want: Map<number, NodeName>,
  ids: Map<NodeName, string>,
): Promise<void> {
  const svc = `${stack}_vault`;
  try {
    await nodeDocker('n1', ['service', 'scale', '-d', `${svc}=0`]);
    for (let i = 0; ; i++) {
      const ps = await nodeDocker('n1', ['service', 'ps', '-q', '-f', 'desired-state=running', svc]);
      if (ps.trim() === '') break;
      if (i > 240) throw new Error(`the tasks of ${svc} did not stop`);
      await sleep(500);
    }
    for (const slot of [...want.keys()].sort()) {
      for (const n of NODE_NAMES)
        await nodeDocker('n1', [
          'node',
          'update',
          '--availability',
          n === want.get(slot) ? 'active' : 'pause',
          ids.get(n)!,
        ]);
      await nodeDocker('n1', ['service', 'scale', '-d', `${svc}=${slot}`]);
      for (let i = 0; !(await slotNodes(stack)).get(slot); i++) {
        if (i > 240) throw new Error(`vault-${slot} of ${svc} was not placed`);
        await sleep(500);
      }
    }
  } finally {
    await activateAllNodes(ids);
  }
}

export interface FaultResult {
  /** What testbed.sh printed (it says what it did, and how long it took). */
  out: string;
  /** Wall time of the command, in milliseconds. */
  ms: number;
}

/** `bash testbed/testbed.sh node ARGS…`; rejects with its output when it fails. */
async function testbedNode(args: string[]): Promise<FaultResult> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run('bash', [join(REPO, 'testbed', 'testbed.sh'), 'node', ...args], {
      timeout: 300_000,
      maxBuffer: 1 << 20,
    });
    return { out: stdout + stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`testbed.sh node ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, {
      cause: err,
    });
  }
}

/**
 * The three-node bed's node faults (README, "Node faults on the three-node bed"); each needs root, as the
 * bed does. `start` returns once the Engine answers and its swarm is active (or, for a lone manager of
 * three, reports it pending); `heal` once the swarm has three managers again.
 */
export const nodeFaults = {
  /** dockerd stops cleanly, its containers first: a host shut down. */
  stop: (node: NodeName) => testbedNode(['stop', node]),
  /** SIGKILL to dockerd, containerd, the shims and the containers: power loss. */
  kill: (node: NodeName) => testbedNode(['kill', node]),
  /** The same Engine and state again. */
  start: (node: NodeName) => testbedNode(['start', node]),
  /** Cut off from the other nodes (the host still reaches its socket). */
  isolate: (node: NodeName) => testbedNode(['isolate', node]),
  heal: (node: NodeName) => testbedNode(['heal', node]),
  /** All three Engines killed at once, then started: the whole cluster loses power. */
  restartAll: () => testbedNode(['restart-all']),
  /** A worker node of the swarm (not a manager): a service node without the swarm API. */
  demote: (node: NodeName) => testbedNode(['demote', node]),
  /** A manager again; returns once the swarm has three Ready managers with one leader. */
  promote: (node: NodeName) => testbedNode(['promote', node]),
};

/** One node's Vault container of a stack, and what `vault status` in it says. */
export interface NodeVault {
  container: string;
  slot: number;
  initialized: boolean;
  sealed: boolean;
  text: string;
}

/** The stack's running Vault container on `node` and its `vault status`, or undefined when it has none. */
export async function vaultOnNode(stack: string, node: NodeName): Promise<NodeVault | undefined> {
  const lines = await nodeDocker(node, [
    'ps',
    '--format',
    '{{.ID}} {{.Names}}',
    '-f',
    `name=${stack}_vault.`,
  ]);
  const m = /^(\S+) \S+_vault\.(\d+)\./m.exec(lines);
  if (!m) return undefined;
  const text = await nodeDocker(node, ['exec', m[1]!, 'vault', 'status']).catch(
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  return {
    container: m[1]!,
    slot: Number(m[2]),
    initialized: /^Initialized\s+true$/m.test(text),
    sealed: !/^Sealed\s+false$/m.test(text),
    text,
  };
}

/** Polls until `node` runs a Vault container of the stack, other than `not`, that reports `Sealed false`. */
export async function waitUnsealedOnNode(
  stack: string,
  node: NodeName,
  timeoutMs: number,
  not?: string,
): Promise<NodeVault> {
  const until = Date.now() + timeoutMs;
  let last = 'no container yet';
  for (;;) {
    const v = await vaultOnNode(stack, node).catch((e: Error) => {
      last = e.message;
      return undefined;
    });
    if (v && v.container !== not) {
      if (!v.sealed) return v;
      last = `container ${v.container} is sealed`;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${stack}'s Vault on ${node} to be unsealed (${last})`);
    await sleep(250);
  }
}

/** What `sampleDownNodes` saw: per slot the seconds it had no running, unsealed task, and the most at once. */
export interface DownTimes {
  perSlot: Record<string, number>;
  worst: number;
}

/**
 * Every second, until `stop`: which of the stack's slots have no running, unsealed Vault task (by `vault status`
 * in the container on the node Swarm placed the slot on). `halt` ends the loop without waiting (an `after` hook's
 * clean-up of a test that failed half-way: a loop left going keeps the test file from exiting).
 */
export function sampleDownNodes(stack: string): { stop: () => Promise<DownTimes>; halt: () => void } {
  let on = true;
  let worst = 0;
  const perSlot: Record<string, number> = { 'vault-1': 0, 'vault-2': 0, 'vault-3': 0 };
  const loop = (async () => {
    let last = Date.now();
    while (on) {
      const bySlot = await slotNodes(stack).catch(() => new Map<number, NodeName>());
      const up = await Promise.all(
        [1, 2, 3].map(async (slot) => {
          const node = bySlot.get(slot);
          const v = node && (await vaultOnNode(stack, node).catch(() => undefined));
          return v !== undefined && v.slot === slot && !v.sealed;
        }),
      );
      const now = Date.now();
      up.forEach((u, i) => {
        if (!u) perSlot[`vault-${i + 1}`]! += (now - last) / 1000;
      });
      last = now;
      worst = Math.max(worst, up.filter((u) => !u).length);
      await sleep(1000);
    }
  })();
  const halt = () => void (on = false);
  return {
    halt,
    stop: async () => {
      halt();
      await loop;
      return { perSlot, worst };
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Brings the three-node bed up (idempotent: about a second when it is up) and says how long it took. */
export async function threeNodeBedUp(): Promise<void> {
  const started = Date.now();
  await run('bash', [join(REPO, 'testbed', 'testbed.sh'), 'up', '--nodes', '3'], {
    timeout: 600_000,
    maxBuffer: 4 << 20,
  });
  console.log(`three-node bed up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  // What crashed runs left there (the bed holds one stack at a time): see test/support/sweep.ts.
  const swept = await sweepStaleRuns({ beds: ['three'] });
  if (swept.length) console.log(`swept what earlier runs left (${swept.length}):\n${swept.join('\n')}`);
}
