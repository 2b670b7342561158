/**
 * The worker as production runs it, on the three-node bed: the worker image (`testbed.sh worker-image --nodes
 * 3`), `init-infra-prod.sh` run verbatim with only the environment pointing at the bed, and the worker stack's
 * tasks, logs and custody copies.
 *
 * Each run has its own Vault stack, worker stack (`<stack>-w`), task queue, custody volume and custody key
 * secret (`VAULT_BOOTSTRAP_SUFFIX=-<stack>`), and its own custody key, made here and handed to
 * `init-infra-prod.sh` as `VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE`: so the test can decrypt the swarm's copy of the
 * record (to run the seed's `list-peers` with the worker's token), as an operator restoring custody would.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LABEL_KIND, LABEL_STACK, LABEL_VERSION } from '../../src/shared/constants';
import { KIND_CUSTODY_REPLICA } from '../../src/custody/swarm-replicas';
import { MultiNodeRun, nodeDocker, nodeEngine, NODE_NAMES } from './multinode';
import type { NodeName } from './multinode';
import { REPO } from './testbed';
import { removeStackQuietly } from './stack-removal';
import type { Client } from '@temporalio/client';
import { activitiesOf, historyOf } from './history';
import type { ActivityRun } from './history';
import { eventually } from './wait';

const run = promisify(execFile);

/** The worker image the bed builds from the production Dockerfile. */
export const WORKER_IMAGE = 'vault-bootstrap-testbed/worker:dev';

/** Builds the worker image on the host and loads it on the three nodes (a no-op when current); says how long. */
export async function workerImageOnNodes(): Promise<void> {
  const started = Date.now();
  await run('bash', [join(REPO, 'testbed', 'testbed.sh'), 'worker-image', '--nodes', '3'], {
    timeout: 900_000,
    maxBuffer: 4 << 20,
  });
  console.log(`worker image on the three nodes in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** Whether a node's Engine answers (a lost node does not). */
function answers(node: NodeName): Promise<boolean> {
  return nodeEngine(node)
    .ping()
    .then(
      () => true,
      () => false,
    );
}

/** The run id of the stack's bootstrap once it is RUNNING and has scheduled `step`. */
export function bootstrapAtStep(client: Client, stack: string, step: string): Promise<string> {
  const wfId = `vault-bootstrap-${stack}`;
  return eventually(`the bootstrap at ${step}`, 300_000, async () => {
    const desc = await client.workflow
      .getHandle(wfId)
      .describe()
      .catch(() => undefined);
    if (!desc || desc.status.name !== 'RUNNING') return undefined;
    const events = await historyOf(client, wfId, desc.runId);
    return activitiesOf(events).some((a) => a.type === step) ? desc.runId : undefined;
  });
}

/**
 * The history check after a fault mid-bootstrap: every step scheduled once (a step that completed and ran
 * again would be scheduled twice; a retried attempt is the same schedule), each completed, through the last
 * one, and no workflow task failed (a determinism error would). Returns the steps, for their attempts.
 */
export async function assertEachStepOnce(
  client: Client,
  stack: string,
  runId: string,
): Promise<ActivityRun[]> {
  const events = await historyOf(client, `vault-bootstrap-${stack}`, runId);
  const steps = activitiesOf(events);
  const seen = new Set<string>();
  for (const s of steps) {
    assert.ok(!seen.has(s.type), `step ${s.type} was scheduled twice`);
    seen.add(s.type);
    assert.ok(s.completedAt !== undefined, `step ${s.type} did not complete`);
  }
  assert.ok(seen.has('revokeRootToken'), [...seen].join(' '));
  const failed = events.filter((e) => String(e.eventType).includes('WORKFLOW_TASK_FAILED'));
  assert.equal(failed.length, 0, 'no workflow task failed');
  return steps;
}

/** The worker stack's services (docker-stack-vault-bootstrap.yml). */
export type WorkerStackService = 'worker' | 'agent' | 'docker-proxy';
export const WORKER_STACK_SERVICES: readonly WorkerStackService[] = ['worker', 'agent', 'docker-proxy'];

/** One task of the worker stack, as `docker service ps` shows it. */
export interface WorkerTask {
  id: string;
  service: WorkerStackService;
  node: string;
  state: string;
  image: string;
}

/** The label init-infra-prod.sh puts on the configs and secrets it makes for a worker stack. */
const WORKER_STACK_LABEL = 'io.iklimco.vault-bootstrap.worker-stack';

export class WorkerStackRun extends MultiNodeRun {
  readonly workerStack = `${this.stack}-w`;
  readonly suffix = `-${this.stack}`;
  readonly custodyKeySource = join(this.dir, 'custody-key.b64');
  /**
   * The run's "storage box": the mount point the worker stack binds (`VAULT_BACKUP_MOUNT`), on the host's file
   * system, which the nodes share. `init-infra-prod.sh` makes the backup root in it for the worker's uid.
   */
  readonly backupMount = join(this.dir, 'storagebox');
  readonly backupDir = join(this.backupMount, 'vault-snapshots');
  /** The volumes the worker stack makes on each node: the custody folder and the docker-proxy's socket folder. */
  readonly nodeVolumes = [
    `vault-bootstrap-custody${this.suffix}`,
    `vault-bootstrap-docker-proxy${this.suffix}`,
  ];

  constructor() {
    super();
    writeFileSync(this.custodyKeySource, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    // The worker runs as uid 1000: it must get through the run's folder (0700 root) to the storage.
    chmodSync(this.dir, 0o711);
    mkdirSync(this.backupMount, { mode: 0o755 });
  }

  /** `init-infra-prod.sh`'s environment: the bed's n1 as the manager, Temporal as the nodes reach it. */
  prodEnv(extra: Record<string, string> = {}): Record<string, string> {
    const bed = this.bed.env;
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      DOCKER_HOST: this.node('n1').dockerHost,
      TEMPORAL_ADDRESS: bed.TEMPORAL_NODE_ADDRESS ?? '',
      TEMPORAL_UI_URL: bed.TEMPORAL_UI_URL ?? '',
      VAULT_BOOTSTRAP_IMAGE: WORKER_IMAGE,
      VAULT_IMAGE: bed.VAULT_IMAGE ?? '',
      // The bed's image is OpenBao's: the production file with its overlay (the audit device), in the image.
      VAULT_STACK_FILES: 'docker-stack-vault.yml,docker-stack-vault.openbao.yml',
      VAULT_CERT_DIR: bed.VAULT_CERT_DIR ?? '',
      VAULT_BOOTSTRAP_STACK: this.stack,
      VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
      VAULT_BOOTSTRAP_WORKER_STACK: this.workerStack,
      VAULT_UNSEAL_SECRET_NAME: this.secretBase,
      VAULT_BOOTSTRAP_SUFFIX: this.suffix,
      VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: this.custodyKeySource,
      VAULT_HEALTH_INTERVAL: '24h',
      VAULT_HEALTH_JITTER: '1s',
      VAULT_BACKUP_MOUNT: this.backupMount,
      VAULT_BACKUP_DIR: this.backupDir,
      // Not a mount point here: the bed's "storage" is a folder of the run's.
      VAULT_BACKUP_ALLOW_UNMOUNTED: '1',
      // The bed's host has no systemd: its / is a private mount, on which Docker refuses rslave.
      VAULT_BACKUP_PROPAGATION: 'rprivate',
      // Backups once a day and no drill schedule, unless a test says otherwise: a bootstrap test takes none.
      VAULT_BACKUP_INTERVAL: '24h',
      VAULT_DRILL_INTERVAL: 'off',
      ...extra,
    };
  }

  /** Runs `init-infra-prod.sh` to its end; resolves with its exit code, output and wall time. */
  initInfraProd(extra: Record<string, string> = {}): Promise<{ code: number; out: string; ms: number }> {
    const started = Date.now();
    return new Promise((res) => {
      const child = spawn('bash', [join(REPO, 'init-infra-prod.sh')], { env: this.prodEnv(extra) });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => res({ code: code ?? -1, out, ms: Date.now() - started }));
    });
  }

  /** The worker stack's tasks that should be running (desired state `running`). */
  async workerTasks(): Promise<WorkerTask[]> {
    const out = await nodeDocker(await this.manager(), [
      'service',
      'ps',
      '--no-trunc',
      '--filter',
      'desired-state=running',
      '--format',
      '{{.ID}} {{.Name}} {{.Node}} {{.CurrentState}}|{{.Image}}',
      ...WORKER_STACK_SERVICES.map((s) => `${this.workerStack}_${s}`),
    ]);
    return out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [head, image] = l.split('|') as [string, string];
        const [id, name, node, ...state] = head.split(' ');
        return {
          id: id!,
          service: WORKER_STACK_SERVICES.find((s) => name!.startsWith(`${this.workerStack}_${s}.`))!,
          node: node!,
          state: state.join(' '),
          image: image.trim(),
        };
      });
  }

  /** `docker service logs --raw` of a worker-stack service, every line (from the nodes that answer). */
  async serviceLogs(service: WorkerStackService): Promise<string[]> {
    const out = await nodeDocker(await this.manager(), [
      'service',
      'logs',
      '--raw',
      `${this.workerStack}_${service}`,
    ]).catch((e: { stdout?: string }) => e.stdout ?? '');
    return out.split('\n').filter((l) => l.trim() !== '');
  }

  /**
   * The newest swarm copy of this stack's custody record, written to a folder of its own with the run's key, as
   * the file custody reads them: `{ dir, keyFile }` for `seedVerification`.
   */
  async custodyFromSwarm(): Promise<{ dir: string; keyFile: string; copies: number }> {
    const configs = (await nodeEngine(await this.manager()).listConfigs({
      filters: { label: [`${LABEL_KIND}=${KIND_CUSTODY_REPLICA}`, `${LABEL_STACK}=${this.stack}`] },
    })) as { Spec?: { Labels?: Record<string, string>; Data?: string } }[];
    const newest = configs.sort(
      (a, b) => Number(b.Spec?.Labels?.[LABEL_VERSION]) - Number(a.Spec?.Labels?.[LABEL_VERSION]),
    )[0];
    if (!newest?.Spec?.Data) throw new Error(`no custody copy of ${this.stack} in the swarm`);
    const dir = join(this.dir, 'custody-from-swarm');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, `${this.stack}.json`), Buffer.from(newest.Spec.Data, 'base64'), { mode: 0o600 });
    return { dir, keyFile: this.custodyKeySource, copies: configs.length };
  }

  /**
   * Removes the worker stack, its custody volume on every node, the custody key secret and the custody copies,
   * then what `MultiNodeRun.cleanup` removes (the Vault stack, its volumes and secrets, the temp folder).
   */
  override async cleanup(): Promise<void> {
    await this.client(['schedule', 'delete', '--yes']).catch(() => undefined);
    await this.client(['backup', 'schedule', 'delete', '--yes']).catch(() => undefined);
    const manager = await this.manager().catch(() => undefined);
    if (manager) {
      const up: NodeName[] = [];
      for (const node of NODE_NAMES) if (await answers(node)) up.push(node);
      await removeStackQuietly(this.workerStack, {
        docker: (args) => nodeDocker(manager, args),
        engines: up.map(nodeEngine),
      });
      for (const node of up)
        for (const volume of this.nodeVolumes)
          await nodeEngine(node)
            .getVolume(volume)
            .remove()
            .catch(() => undefined);
      const engine = nodeEngine(manager);
      await engine
        .getSecret(`vault_bootstrap_custody_key${this.suffix}`)
        .remove()
        .catch(() => undefined);
      for (const c of await engine.listConfigs({ filters: { label: [`${LABEL_STACK}=${this.stack}`] } }))
        await engine
          .getConfig(c.ID)
          .remove()
          .catch(() => undefined);
      // What init-infra-prod.sh made for the worker stack: the break-glass pins, the Temporal TLS secrets.
      const own = { filters: { label: [`${WORKER_STACK_LABEL}=${this.workerStack}`] } };
      for (const c of await engine.listConfigs(own))
        await engine
          .getConfig(c.ID)
          .remove()
          .catch(() => undefined);
      for (const s of await engine.listSecrets(own))
        await engine
          .getSecret(s.ID)
          .remove()
          .catch(() => undefined);
    }
    await super.cleanup();
  }

  /** Besides `MultiNodeRun.leftovers`: the worker stack's services, volumes, key secret and custody copies. */
  override async leftovers(): Promise<string[]> {
    const out = await super.leftovers();
    const manager = await this.manager().catch(() => undefined);
    if (!manager) return out;
    const engine = nodeEngine(manager);
    for (const s of await engine.listServices({
      filters: { label: [`com.docker.stack.namespace=${this.workerStack}`] },
    }))
      out.push(`service ${s.Spec?.Name}`);
    const own = { filters: { label: [`${WORKER_STACK_LABEL}=${this.workerStack}`] } };
    for (const c of await engine.listConfigs(own)) out.push(`config ${c.Spec?.Name}`);
    for (const s of await engine.listSecrets(own)) out.push(`secret ${s.Spec?.Name}`);
    for (const c of await engine.listConfigs({ filters: { label: [`${LABEL_STACK}=${this.stack}`] } }))
      out.push(`config ${c.Spec?.Name}`);
    for (const s of await engine.listSecrets({
      filters: { name: [`vault_bootstrap_custody_key${this.suffix}`] },
    }))
      out.push(`secret ${s.Spec?.Name}`);
    for (const node of NODE_NAMES) {
      if (!(await answers(node))) continue;
      for (const volume of this.nodeVolumes) {
        const vols = await nodeEngine(node).listVolumes({ filters: { name: [volume] } });
        for (const v of vols.Volumes ?? []) if (v.Name === volume) out.push(`${node}: volume ${v.Name}`);
      }
    }
    return out;
  }

  /** The first node whose Engine answers and is a manager with a leader. */
  async manager(): Promise<NodeName> {
    for (const node of NODE_NAMES) {
      const ok = await nodeEngine(node)
        .listNodes()
        .then(
          () => true,
          () => false,
        );
      if (ok) return node;
    }
    throw new Error('no node of the three-node bed answers as a manager');
  }
}
