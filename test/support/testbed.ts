/**
 * Test-side view of the test bed (`npm run testbed -- up`): its settings, unique names per test, a worker
 * process to start and kill, and the clean-up that leaves the swarm as it was found.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { LABEL_STACK } from '../../src/shared/constants';
import { drillStackName } from '../../src/shared/backup';
import { VaultNodeClient } from '../../src/vault/gateway';
import { nodeMarks, removeStack, removeStackQuietly } from './stack-removal';
import { Connection } from '@temporalio/client';
import { markOwner, terminateRunWorkflows } from './run-owner';
import { clusterBed, clusterConnection, clusterEnv } from './temporal-cluster';
import type { ClusterBed, ClusterIdentity } from './temporal-cluster';

const run = promisify(execFile);

export const REPO = resolve(__dirname, '..', '..', '..');

/** A `KEY=value` file the test bed wrote in its cache (`testbed.env`, `testbed-3.env`); `up` names the command that writes it. */
export function readBedEnv(name: string, up: string): Record<string, string> {
  const cache = process.env.VAULT_BOOTSTRAP_CACHE ?? join(REPO, '.cache');
  const file = join(cache, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`${up}\` first`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

export function testbedEnv(): Record<string, string> {
  return readBedEnv('testbed.env', 'npm run testbed -- up');
}

/** Whether `path` is a file this process may execute (a tool a test needs: promtool, go). */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `go` on PATH, else the official tarball's place; undefined when neither exists (the Go tests name it). */
export function findGo(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return [...dirs, '/usr/local/go/bin'].map((d) => join(d, 'go')).find(executable);
}

/** This process's environment, without the unset entries. */
export function processEnv(): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) base[k] = v;
  return base;
}

/**
 * Starts the worker as production does, through scripts/worker.sh (`node dist/src/worker.js` with its memory
 * settings; the script execs, so the child's pid is the worker's), with exactly `env`; its output is appended
 * to `log`.
 */
export function spawnWorker(env: Record<string, string>, log: string): ChildProcess {
  const fd = openSync(log, 'a');
  try {
    return spawn(join(REPO, 'scripts', 'worker.sh'), [], {
      env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/** SIGTERM (the worker finishes its activities in flight), then SIGKILL after `graceMs`; resolves once it exited. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await done;
  }
}

/** SIGKILL, as in a crash (nothing in flight finishes); resolves once it exited. Nothing to do when it has. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Runs the `vault-bootstrap` client with exactly `env`; resolves with its exit code and output. */
export function runClient(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(REPO, 'dist', 'src', 'client.js'), ...args], { env });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => res({ code: code ?? -1, out, stdout }));
  });
}

/** `mkdir -m 700 path`; resolves with the path. */
function makeFolder(path: string): string {
  mkdirSync(path, { mode: 0o700 });
  return path;
}

/** One operator break-glass key pair per test process (RSA 3072 takes a while to make), PEM. */
let breakGlassPair: { publicPem: string; privatePem: string } | undefined;
function operatorKeyPair(): { publicPem: string; privatePem: string } {
  if (breakGlassPair === undefined) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    breakGlassPair = {
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }
  return breakGlassPair;
}

/**
 * Break glass as production sets it up (src/config/break-glass.ts): the run's worker pins the operator's public
 * key (`pins`) and its client asks with the private half (`key`, 0600). Written into `dir` once.
 */
export function breakGlassFiles(dir: string): { pins: string; key: string } {
  const files = { pins: join(dir, 'break-glass-pins.pem'), key: join(dir, 'break-glass.key') };
  if (!existsSync(files.key)) {
    const pair = operatorKeyPair();
    writeFileSync(files.pins, pair.publicPem);
    writeFileSync(files.key, pair.privatePem, { mode: 0o600 });
  }
  return files;
}

export function uniqueName(prefix = 'vbt'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/**
 * Everything one test run needs: its own stack, task queue, custody folder and worker environment. With
 * `temporal: 'cluster'` its processes reach the bed's Temporal cluster over mutual TLS instead of the dev
 * server: the worker as role `worker`, the client as `operator` (`break-glass` for `root-token`). `cluster` names
 * another cluster of the same PKI than the bed's own (the compose file's, in test/faults/temporal-compose).
 */
export class TestRun {
  constructor(readonly options: { temporal?: 'dev' | 'cluster'; cluster?: ClusterBed } = {}) {
    markOwner(this.dir);
  }

  readonly stack = uniqueName();
  readonly taskQueue = `tq-${this.stack}`;
  readonly dir = mkdtempSync(join(tmpdir(), `${this.stack}-`));
  /**
   * `VAULT_BACKUP_DIR` of the run's worker: `<dir>/backups`, there from the start (a storage box mounted), so
   * every run's health checks see a usable backup folder of their own; a test removes it to see one missing.
   */
  readonly backupRoot = makeFolder(join(this.dir, 'backups'));
  readonly bed = testbedEnv();
  readonly docker = new Docker({ socketPath: '/var/run/docker.sock' });
  private workers: ChildProcess[] = [];

  /** The run's custody folder and key file, as its worker is configured with them (`env`). */
  get custodyDir(): string {
    return join(this.dir, 'custody');
  }

  get custodyKeyFile(): string {
    return join(this.dir, 'custody.key');
  }

  /** The run's key custody, read from the test's side. */
  custody(): FileKeyCustody {
    return new FileKeyCustody({ dir: this.custodyDir, keyFile: this.custodyKeyFile });
  }

  /**
   * A client for the Vault task at `address` on `iklimco-net`, through the bed's tunnel, verified against the
   * bed's CA as `serverName` (the bed's certificate carries vault-1..3).
   */
  vaultClient(name: string, address: string, serverName = name): VaultNodeClient {
    const [host, port] = (this.bed.VAULT_TUNNEL_ADDRESS ?? '127.0.0.1:18200').split(':');
    return new VaultNodeClient(
      name,
      { host: address, port: 8200, serverName },
      { mode: 'tunnel', host: host!, port: Number(port) },
      readFileSync(join(this.bed.VAULT_CERT_DIR ?? '', 'ca.pem')),
      { requestMs: 3000, initMs: 3000 },
    );
  }

  /** Where the bed's stacks keep their Vault data folders (`VAULT_STACK_DIR_ROOT`). */
  get stackDirRoot(): string {
    return this.bed.TESTBED_STACK_ROOT ?? join(REPO, '.cache', 'stacks');
  }

  /** This run's stack folder: `vault-<slot>/{data,logs}` for each task. */
  get stackDir(): string {
    return join(this.stackDirRoot, this.stack);
  }

  /** The id of the running container of `slot`'s task (empty when there is none). */
  async slotContainer(slot: number): Promise<string> {
    return (await dockerCli(['ps', '-q', '-f', `name=${this.stack}_vault.${slot}.`])).trim();
  }

  get secretBase(): string {
    return `${this.stack}_vault_unseal_key`;
  }

  /** How the run's processes reach Temporal, as `identity` on the cluster. */
  temporalEnv(identity: ClusterIdentity = 'worker'): Record<string, string> {
    if (this.options.temporal === 'cluster')
      return clusterEnv(this.options.cluster ?? clusterBed(), identity);
    return {
      TEMPORAL_ADDRESS: this.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      TEMPORAL_UI_URL: this.bed.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    };
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...processEnv(),
      ...this.temporalEnv('worker'),
      VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
      VAULT_BOOTSTRAP_STACK: this.stack,
      VAULT_STACK_FILES: [
        join(REPO, 'docker-stack-vault.yml'),
        join(REPO, 'docker-stack-vault.openbao.yml'),
        join(REPO, 'testbed', 'docker-stack-vault.testbed.yml'),
      ].join(','),
      VAULT_STACK_DIR_ROOT: this.stackDirRoot,
      VAULT_IMAGE: this.bed.VAULT_IMAGE ?? '',
      VAULT_CERT_DIR: this.bed.VAULT_CERT_DIR ?? '',
      VAULT_TUNNEL_ADDRESS: this.bed.VAULT_TUNNEL_ADDRESS ?? '127.0.0.1:18200',
      VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
      VAULT_BOOTSTRAP_CUSTODY_DIR: this.custodyDir,
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: this.custodyKeyFile,
      VAULT_BACKUP_DIR: this.backupRoot,
      // No metrics server: tests run several workers at once, which would all want 127.0.0.1:9464.
      VAULT_BOOTSTRAP_METRICS_ADDRESS: '',
      VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: this.breakGlass.pins,
      VAULT_BOOTSTRAP_BREAK_GLASS_KEY: this.breakGlass.key,
      ...extra,
    };
  }

  /** The run's break-glass pins (its worker's) and key (its client's). */
  get breakGlass(): { pins: string; key: string } {
    return breakGlassFiles(this.dir);
  }

  get workerLog(): string {
    return join(this.dir, 'worker.log');
  }

  /** Starts `node dist/src/worker.js`; its output is appended to `workerLog`. */
  startWorker(extra: Record<string, string> = {}): ChildProcess {
    const child = spawnWorker(this.env(extra), this.workerLog);
    this.workers.push(child);
    return child;
  }

  /** Runs the `vault-bootstrap` client; resolves with its exit code, its output and its stdout alone. */
  async client(
    args: string[],
    extra: Record<string, string> = {},
  ): Promise<{ code: number; out: string; stdout: string }> {
    const identity = args[0] === 'root-token' ? 'break-glass' : 'operator';
    return runClient(this.env({ ...this.temporalEnv(identity), ...extra }), args);
  }

  async stopWorkers(): Promise<void> {
    for (const w of this.workers) await stopProcess(w);
    this.workers = [];
  }

  /**
   * The disaster a restore starts from: the stack removed, its tasks gone, and its data folders with them (the
   * swarm, custody and backups survive). Fails the test when the stack does not go.
   */
  async removeStackAndData(): Promise<void> {
    await removeStack(this.stack, { docker: dockerCli, engines: [this.docker] });
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  /**
   * Terminates the run's workflows still running, removes the stack, its secrets, its data folders and the run's
   * temp folder. Safe to call twice.
   */
  async cleanup(): Promise<void> {
    await this.terminateWorkflows();
    await this.stopWorkers();
    // The init and wipe jobs (no stack namespace: `docker stack rm` leaves an unread init answer alone).
    for (const j of await this.ownJobs())
      await this.docker
        .getService(j.ID)
        .remove()
        .catch(() => undefined);
    // The stack, and the throwaway stack of a restore drill a failed test may have left.
    for (const stack of [this.stack, drillStackName(this.stack)]) {
      await removeStackQuietly(stack, {
        docker: (args) => run('docker', args),
        engines: [this.docker],
        tasks: true,
      });
      rmSync(join(this.stackDirRoot, stack), { recursive: true, force: true });
    }
    for (const s of await this.ownSecrets()) {
      await this.docker
        .getSecret(s.ID)
        .remove()
        .catch(() => undefined);
    }
    rmSync(this.stackDir, {
      recursive: true,
      force: true,
    });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every workflow still running on the run's task queue, terminated (a Temporal that is down: nothing to do). */
  terminateWorkflows(): Promise<void> {
    return terminateRunWorkflows(
      () =>
        this.options.temporal === 'cluster'
          ? clusterConnection(this.options.cluster ?? clusterBed(), 'operator')
          : Connection.connect({
              address: this.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
              connectTimeout: 10_000,
            }),
      this.taskQueue,
    );
  }

  /** What the stack left behind: services, containers, secrets (for leak assertions). */
  async leftovers(): Promise<string[]> {
    const out: string[] = [];
    for (const stack of [this.stack, drillStackName(this.stack)]) {
      for (const s of await this.docker.listServices({
        filters: { label: [`com.docker.stack.namespace=${stack}`] },
      }))
        out.push(`service ${s.Spec?.Name}`);
      for (const c of await this.docker.listContainers({
        all: true,
        filters: { label: [`com.docker.stack.namespace=${stack}`] },
      }))
        out.push(`container ${c.Id}`);
      for (const m of await nodeMarks(this.docker, stack)) out.push(`node labels ${m.labels.join(' ')}`);
    }
    for (const s of await this.ownSecrets()) out.push(`secret ${s.Spec?.Name}`);
    for (const j of await this.ownJobs()) out.push(`job ${j.Spec?.Name}`);
    return out;
  }

  /** The bootstrap's jobs for this run's stacks (the init and wipe jobs, labelled with the stack). */
  private async ownJobs(): Promise<Docker.Service[]> {
    const jobs: Docker.Service[] = [];
    for (const stack of [this.stack, drillStackName(this.stack)])
      jobs.push(...(await this.docker.listServices({ filters: { label: [`${LABEL_STACK}=${stack}`] } })));
    return jobs;
  }

  /**
   * This run's secrets: named after its stack, or labelled with it (with the default secret name, which does
   * not carry the stack, several stacks share one family of names and only the label tells them apart).
   */
  private async ownSecrets(): Promise<Docker.Secret[]> {
    const byName = await this.docker.listSecrets({ filters: { name: [this.secretBase] } });
    const byLabel = await this.docker.listSecrets({ filters: { label: [`${LABEL_STACK}=${this.stack}`] } });
    const all = new Map([...byName, ...byLabel].map((s) => [s.ID, s]));
    return [...all.values()];
  }
}

export async function dockerCli(args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 4 << 20 });
  return stdout;
}
