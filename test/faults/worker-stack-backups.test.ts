/**
 * Backups as production runs them (issue 27), on the three-node bed: `init-infra-prod.sh` makes the backup
 * root on the "storage box" (a folder of the run's, bound into the worker stack) for the worker's uid and
 * schedules backups every minute and a drill a day. A scheduled backup lands in the bound folder, written by
 * the worker in its container; a drill triggered through its schedule restores it into a throwaway stack that
 * is gone afterwards. Then the backup root disappears, as an unmounted storage box looks: the health check
 * reports `BackupTargetUnusable` (BackupTargetMissing) with Vault's verdict still Healthy, and a real
 * Prometheus, run in the worker task's network namespace (its metrics are on the overlay network only) with
 * the repo's rules, holds `VaultBackupTargetUnusable` pending at once and firing after its real `for: 10m`.
 *
 * In `npm run test:nodes` (about 20 minutes: the alert's ten minutes are waited out), not in `npm test`.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { SnapshotManifest } from '../../src/ports';
import type { DrillRecord, DrillResult } from '../../src/shared/backup';
import { drillStackName } from '../../src/shared/backup';
import type { HealthReport } from '../../src/shared/health';
import { backupWorkflowIds, healthWorkflowIds } from '../../src/shared/workflow-ids';
import { temporalClient } from '../support/history';
import { NODE_NAMES, nodeDocker, nodeEngine, threeNodeBedUp } from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { REPO, runClient, stopProcess, testbedEnv } from '../support/testbed';
import { eventually, sleep } from '../support/wait';
import { WorkerStackRun, workerImageOnNodes } from '../support/worker-stack';

const run = promisify(execFile);

/** Debian's prometheus (the test bed installs it); `VAULT_BOOTSTRAP_PROMETHEUS` names another binary. */
const PROMETHEUS = process.env.VAULT_BOOTSTRAP_PROMETHEUS ?? '/usr/bin/prometheus';
const RULES = join(REPO, 'monitoring', 'prometheus', 'vault-bootstrap-alerts.yml');
/** Where the worker serves its metrics inside its task (docker-stack-vault-bootstrap.yml). */
const WORKER_METRICS = '127.0.0.1:9464';
/** Prometheus's port inside the worker task's network namespace (nothing else listens there but the worker). */
const PROM_PORT = 19090;
/** The worker's uid (docker-stack-vault-bootstrap.yml `user:`). */
const WORKER_UID = 1000;
/** The alert under test and its `for:` in the rules file. */
const ALERT = 'VaultBackupTargetUnusable';
const ALERT_FOR_MS = 10 * 60_000;

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

/** The full worker's task, its container on its node, and that container's (host) pid. */
interface WorkerContainer {
  taskId: string;
  node: NodeName;
  container: string;
  pid: number;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

describe('the worker stack’s backups on three nodes: scheduled backup, drill, a missing backup root and its alert', () => {
  let w: WorkerStackRun;
  let temporal: { client: Client; connection: Connection } | undefined;
  let prometheus: ChildProcess | undefined;
  let entered: WorkerContainer | undefined;
  const client = () => {
    if (!temporal) throw new Error('the Temporal client is used before before() connected it');
    return temporal.client;
  };
  const ids = () => backupWorkflowIds(w.stack);
  const stackFolder = () => join(w.backupDir, w.stack);

  before(async () => {
    await threeNodeBedUp();
    await workerImageOnNodes();
    w = new WorkerStackRun();
    temporal = await temporalClient(testbedEnv().TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  });

  after(async () => {
    if (prometheus) await stopProcess(prometheus);
    // The scheduled runs still going (a backup every minute): the schedules go first, then those runs end (or
    // are ended) while the worker is still there, so no workflow of the run is left waiting for one.
    const running: string[] = [];
    if (temporal && w) {
      for (const id of [ids().backupSchedule, ids().drillSchedule]) {
        const d = await client()
          .schedule.getHandle(id)
          .describe()
          .catch(() => undefined);
        for (const a of d?.info.runningActions ?? []) running.push(a.workflow.workflowId);
      }
      running.push(ids().drill);
      await w.client(['backup', 'schedule', 'delete', '--yes']);
      for (const id of running) {
        const h = client().workflow.getHandle(id);
        const open = async () => (await h.describe().catch(() => undefined))?.status.name === 'RUNNING';
        const until = Date.now() + 120_000;
        while ((await open()) && Date.now() < until) await sleep(1000);
        if (await open())
          await h.terminate('test clean-up: the run outlived its stack').catch(() => undefined);
      }
    }
    if (w) await cleanUpLeavingNothing(w);
    if (temporal && w) {
      // Every schedule of the run gone (the drill schedule too), and the drill's throwaway stack (leftovers()).
      for (const id of [healthWorkflowIds(w.stack).schedule, ids().backupSchedule, ids().drillSchedule])
        await assert.rejects(client().schedule.getHandle(id).describe(), ScheduleNotFoundError, id);
    }
    await temporal?.connection.close();
  });

  it('init-infra-prod.sh bootstraps, makes the backup root for uid 1000, and schedules backups and drills', async () => {
    const done = await w.initInfraProd({ VAULT_BACKUP_INTERVAL: '1m', VAULT_DRILL_INTERVAL: '24h' });
    assert.equal(done.code, 0, done.out);
    console.log(`init-infra-prod.sh (bootstrap, backup root, schedules): ${seconds(done.ms)}s`);
    console.log(
      done.out
        .split('\n')
        .filter((l) => /^\[init-infra-prod\]/.test(l))
        .join('\n'),
    );
    assert.match(done.out, /backups: created \S+ \(uid 1000, mode 700\)/);

    const root = statSync(w.backupDir);
    assert.ok(root.isDirectory());
    assert.equal(root.uid, WORKER_UID, 'the backup root is the worker’s');
    assert.equal((root.mode & 0o777).toString(8), '700', 'the backup root is owner-only');

    const backup = await client().schedule.getHandle(ids().backupSchedule).describe();
    assert.deepEqual(
      backup.spec.intervals?.map((i) => i.every),
      [60_000],
      'a backup every VAULT_BACKUP_INTERVAL=1m',
    );
    const drill = await client().schedule.getHandle(ids().drillSchedule).describe();
    assert.deepEqual(
      drill.spec.intervals?.map((i) => i.every),
      [24 * 3600_000],
      'a drill every VAULT_DRILL_INTERVAL=24h',
    );
    await client().schedule.getHandle(healthWorkflowIds(w.stack).schedule).describe();
  });

  it('a scheduled backup lands in the bound folder, written by the worker (uid 1000), matching its manifest', async () => {
    const waitFrom = Date.now();
    // The newest snapshot and its manifest, read while both are there: the next backup (a minute later) may
    // prune this one (retention keeps the newest of each hour).
    const pair = await eventually('a scheduled snapshot with its manifest', 240_000, async () => {
      const files = await readdir(stackFolder()).catch(() => [] as string[]);
      const snap = files
        .filter((f) => /^[^.].*\.snap$/.test(f) && files.includes(`${f}.manifest.json`))
        .sort()
        .pop();
      if (!snap) return undefined;
      const manifestPath = join(stackFolder(), `${snap}.manifest.json`);
      const manifestText = await readFile(manifestPath, 'utf8');
      const bytes = await readFile(join(stackFolder(), snap));
      const stats = {
        folder: await stat(stackFolder()),
        snap: await stat(join(stackFolder(), snap)),
        manifest: await stat(manifestPath),
      };
      return { snap, manifestText, bytes, stats, at: Date.now() };
    });
    console.log(
      `scheduled snapshot ${pair.snap} (${pair.bytes.length} bytes) there ${seconds(pair.at - waitFrom)}s after ` +
        `init-infra-prod.sh returned`,
    );
    const { folder, snap: snapFile, manifest: manifestFile } = pair.stats;
    assert.equal(folder.uid, WORKER_UID, 'the stack’s folder made by the worker');
    assert.equal((folder.mode & 0o777).toString(8), '700', 'the stack’s folder is owner-only');
    assert.equal(snapFile.uid, WORKER_UID, 'the snapshot written by the worker');
    assert.equal(manifestFile.uid, WORKER_UID, 'the manifest written by the worker');

    const manifest = JSON.parse(pair.manifestText) as SnapshotManifest;
    assert.equal(manifest.stack, w.stack);
    assert.equal(manifest.file, pair.snap);
    assert.equal(manifest.size, pair.bytes.length, 'the manifest’s size is the file’s');
    assert.equal(
      manifest.sha256,
      createHash('sha256').update(pair.bytes).digest('hex'),
      'the manifest’s sha256 is the file’s',
    );
    assert.ok(manifest.mac, 'the manifest is sealed');

    // Made by the schedule: nothing else backs this stack up.
    const d = await client().schedule.getHandle(ids().backupSchedule).describe();
    assert.ok(d.info.recentActions.length + d.info.runningActions.length >= 1, 'the schedule ran');
  });

  it('a drill triggered through its schedule restores the newest snapshot; nothing of the throwaway stack is left', async () => {
    const triggeredAt = Date.now();
    await client().schedule.getHandle(ids().drillSchedule).trigger();
    // The scheduled run hands the drill to a child under the stack's drill id.
    const child = client().workflow.getHandle(ids().drill);
    await eventually('the drill’s child workflow', 120_000, async () =>
      (await child.describe().catch(() => undefined)) ? true : undefined,
    );
    const result = (await child.result()) as DrillResult;
    const wallMs = Date.now() - triggeredAt;
    const record = JSON.parse(readFileSync(join(stackFolder(), 'drill-last.json'), 'utf8')) as DrillRecord;
    assert.equal(record.ok, true, JSON.stringify(record));
    assert.equal(record.snapshot, result.snapshot.file);
    assert.equal(statSync(join(stackFolder(), 'drill-last.json')).uid, WORKER_UID);
    assert.equal(result.canary.read, result.canary.expected);
    console.log(
      `drill: ${result.snapshot.file} restored into ${result.drillStack} and read back in ` +
        `${result.seconds.total.toFixed(1)}s (deploy ${result.seconds.deploy.toFixed(1)}s, restore and unseal ` +
        `${result.seconds.restore.toFixed(1)}s); ${seconds(wallMs)}s from the trigger to its result`,
    );

    // The scheduled run that started it ends with it.
    const d = await client().schedule.getHandle(ids().drillSchedule).describe();
    const parent = d.info.recentActions.at(-1)?.action.workflow.workflowId;
    assert.ok(parent, 'the drill schedule recorded its run');
    const parentStatus = await eventually('the scheduled drill run to end', 60_000, async () => {
      const s = (await client().workflow.getHandle(parent).describe()).status.name;
      return s === 'RUNNING' ? undefined : s;
    });
    assert.equal(parentStatus, 'COMPLETED');

    // Nothing of <stack>-drill: no service, and no container or volume on any node.
    const label = `com.docker.stack.namespace=${drillStackName(w.stack)}`;
    assert.deepEqual(await nodeEngine(await w.manager()).listServices({ filters: { label: [label] } }), []);
    await eventually('no container or volume of the drill stack on any node', 60_000, async () => {
      for (const node of NODE_NAMES) {
        const engine = nodeEngine(node);
        if ((await engine.listContainers({ all: true, filters: { label: [label] } })).length > 0)
          return undefined;
        if (((await engine.listVolumes({ filters: { label: [label] } })).Volumes ?? []).length > 0)
          return undefined;
      }
      return true;
    });
  });

  /** The full worker's task and its container, whose network namespace Prometheus joins. */
  async function workerContainer(): Promise<WorkerContainer> {
    const task = (await w.workerTasks()).find((t) => t.service === 'worker' && /^Running/.test(t.state));
    assert.ok(task, 'the full worker runs');
    const node = NODE_NAMES.find((n) => `vbt-${n}` === task.node);
    assert.ok(node, `the worker runs on ${task.node}, not a node of the bed`);
    const container = (
      await nodeDocker(node, [
        'ps',
        '-q',
        '--no-trunc',
        '--filter',
        `label=com.docker.swarm.task.id=${task.id}`,
      ])
    ).trim();
    assert.match(container, /^[0-9a-f]{64}$/, `the worker task ${task.id}'s container on ${node}`);
    const pid = Number((await nodeDocker(node, ['inspect', '--format', '{{.State.Pid}}', container])).trim());
    // The nodes' Engines share the host's PID namespace: the pid is the host's, and it is this container's
    // process (its cgroup names the container), in a network namespace of its own.
    assert.ok(pid > 0, `the worker container's pid: ${pid}`);
    assert.ok(
      readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(container),
      `host pid ${pid} is not in the container ${container}'s cgroup: the node's Engine has its own PID namespace`,
    );
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
    return { taskId: task.id, node, container, pid };
  }

  /** Fails, saying so, when the worker task Prometheus watches is no longer the running one. */
  async function assertSameWorker(): Promise<void> {
    if (!entered) throw new Error('Prometheus was not started');
    const now = (await w.workerTasks()).find((t) => t.service === 'worker');
    if (now?.id !== entered.taskId || !existsSync(`/proc/${entered.pid}`))
      throw new Error(
        `the worker task was replaced while the alert was awaited (was ${entered.taskId} on ${entered.node}, ` +
          `pid ${entered.pid}; now ${now ? `${now.id} on ${now.node}, ${now.state}` : 'none'}): Prometheus ` +
          `scraped the old task's metrics, and the new worker has run no health check`,
      );
    if (prometheus && (prometheus.exitCode !== null || prometheus.signalCode !== null))
      throw new Error(`Prometheus exited (${prometheus.exitCode ?? prometheus.signalCode})`);
  }

  /** GET `path` of the Prometheus API, from inside the worker's network namespace (the host cannot reach it). */
  async function promGet<T>(path: string, query?: string): Promise<T> {
    if (!entered) throw new Error('Prometheus was not started');
    const args = [`--net=/proc/${entered.pid}/ns/net`, '/usr/bin/curl', '-sf'];
    if (query !== undefined) args.push('-G', '--data-urlencode', `query=${query}`);
    args.push(`http://127.0.0.1:${PROM_PORT}${path}`);
    const { stdout } = await run('nsenter', args, { maxBuffer: 4 << 20 });
    return (JSON.parse(stdout) as { data: T }).data;
  }

  async function promValue(query: string): Promise<string | undefined> {
    const data = await promGet<{ result: { value: [number, string] }[] }>('/api/v1/query', query);
    return data.result[0]?.value[1];
  }

  async function stackAlerts(): Promise<PromAlert[]> {
    const data = await promGet<{ alerts: PromAlert[] }>('/api/v1/alerts');
    return data.alerts.filter((a) => a.labels.alertname === ALERT && a.labels.stack === w.stack);
  }

  async function verifyJson(): Promise<{ code: number; report: HealthReport }> {
    const res = await runClient(w.env(), ['verify', '-o', 'json']);
    assert.ok(res.stdout.trim().startsWith('{'), res.out);
    return { code: res.code, report: JSON.parse(res.stdout) as HealthReport };
  }

  it('the backup root gone: BackupTargetUnusable, still Healthy; VaultBackupTargetUnusable pending at once, firing after 10m in a real Prometheus', async () => {
    // Prometheus in the worker task's network namespace, scraping the worker's 0.0.0.0:9464 there.
    entered = await workerContainer();
    const config = join(w.dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${RULES}']`,
        'scrape_configs:',
        '  - job_name: vault-bootstrap',
        `    static_configs: [{ targets: ['${WORKER_METRICS}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'nsenter',
      [
        `--net=/proc/${entered.pid}/ns/net`,
        PROMETHEUS,
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(w.dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${PROM_PORT}`,
      ],
      { stdio: 'ignore' },
    );
    await eventually('Prometheus to scrape the worker in its task', 60_000, async () =>
      (await promValue('up{job="vault-bootstrap"}')) === '1' ? true : undefined,
    );
    console.log(
      `Prometheus (pid ${prometheus.pid}) in the network namespace of the worker's container ` +
        `${entered.container.slice(0, 12)} on ${entered.node} (host pid ${entered.pid}), scraping ${WORKER_METRICS}`,
    );

    // While the folder is there: usable, the newest snapshot and the drill in the report, no alert.
    const healthy = await verifyJson();
    assert.equal(healthy.code, 0, JSON.stringify(healthy.report));
    assert.equal(healthy.report.verdict, 'Healthy');
    assert.deepEqual(healthy.report.backup?.target, { usable: true });
    assert.ok(healthy.report.backup?.newest?.good, JSON.stringify(healthy.report.backup));
    assert.equal(healthy.report.backup?.drill?.ok, true);
    assert.ok(!healthy.report.findings.some((f) => f.code === 'BackupTargetUnusable'));
    await eventually('vault_bootstrap_backup_target_ok 1 in Prometheus', 30_000, async () =>
      (await promValue(`vault_bootstrap_backup_target_ok{stack="${w.stack}"}`)) === '1' ? true : undefined,
    );
    assert.deepEqual(await stackAlerts(), []);

    // The storage box "unmounted": the backup root gone (its files are the worker's uid; root removes them).
    rmSync(w.backupDir, { recursive: true, force: true, maxRetries: 5 });
    assert.ok(!existsSync(w.backupDir));
    const goneAt = Date.now();
    const missing = await verifyJson();
    assert.ok(!existsSync(w.backupDir), 'nothing made the backup root again');
    assert.equal(missing.code, 0, 'verify exits 0: Vault is Healthy');
    assert.equal(missing.report.verdict, 'Healthy', JSON.stringify(missing.report.findings));
    const finding = missing.report.findings.find((f) => f.code === 'BackupTargetUnusable');
    assert.ok(finding, JSON.stringify(missing.report.findings));
    assert.match(finding.detail, /^BackupTargetMissing: /);
    assert.deepEqual(
      missing.report.findings.filter((f) => f.code !== 'BackupTargetUnusable'),
      [],
      'no other finding',
    );
    assert.equal(missing.report.backup?.target?.usable, false);
    console.log(`finding: BackupTargetUnusable ${finding.detail}`);

    const pending = await eventually(`${ALERT} pending`, 30_000, async () => {
      await assertSameWorker();
      return (await stackAlerts()).find((a) => a.state === 'pending');
    });
    const pendingMs = Date.now() - goneAt;
    assert.equal(await promValue(`vault_bootstrap_backup_target_ok{stack="${w.stack}"}`), '0');
    console.log(
      `${ALERT} pending ${seconds(pendingMs)}s after the root was removed (active since ${pending.activeAt}); ` +
        `vault_bootstrap_backup_target_ok{stack="${w.stack}"} 0`,
    );

    // Its real `for: 10m`: polled every 5 s, the worker task checked each time (a new task would be another
    // worker, with no health check run and so no figures).
    const deadline = Date.parse(pending.activeAt) + ALERT_FOR_MS + 120_000;
    let firing: PromAlert | undefined;
    for (;;) {
      await assertSameWorker();
      firing = (await stackAlerts()).find((a) => a.state === 'firing');
      if (firing) break;
      if (Date.now() > deadline)
        throw new Error(
          `${ALERT} not firing ${seconds(Date.now() - Date.parse(pending.activeAt))}s after pending`,
        );
      await sleep(5000);
    }
    const firedMs = Date.now() - goneAt;
    const activeForMs = Date.now() - Date.parse(pending.activeAt);
    assert.equal(firing.activeAt, pending.activeAt, 'the same alert, pending then firing');
    assert.ok(activeForMs >= ALERT_FOR_MS, `firing after ${seconds(activeForMs)}s, not its for: 10m`);
    assert.equal(firing.labels.severity, 'warning');
    assert.equal(await promValue(`vault_bootstrap_backup_target_ok{stack="${w.stack}"}`), '0');
    console.log(
      `${ALERT} firing ${seconds(firedMs)}s after the root was removed (${seconds(activeForMs)}s after it became ` +
        `active; the rule's for: 10m)`,
    );
  });
});
