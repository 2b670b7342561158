/**
 * docker-compose.temporal.yml started and proven (issue 26): the images the project builds (cached), `up -d` under
 * this test's own project name, free ports, a fresh volume, and the bed's PKI folder mounted as it is; then, with
 * the real worker and client: a one-node bootstrap completes over mTLS (roles worker and operator), the project's
 * authorizer refuses what a role may not do and the TLS handshake a certificate of another CA, the UI (role viewer)
 * answers and shows the workflow, and the history survives a restart of the server and of PostgreSQL. Last,
 * `down -v` removes every container, network and volume it made (the images stay: they are cached).
 *
 * Not in `npm test` (its CI budget): `npm run test:compose`. Needs the one-node bed (`npm run testbed -- up
 * --temporal cluster`: dockerd, the swarm, the Vault image, the cluster's PKI), Go, and docker-compose (Debian's
 * 1.29, installed when missing; Compose v2 is used instead where `docker compose` exists).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { activityCounts, historyOf } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { clusterBed, clusterConnection, clusterEnv } from '../support/temporal-cluster';
import type { ClusterBed } from '../support/temporal-cluster';
import { executable, processEnv, REPO, TestRun, uniqueName } from '../support/testbed';
import { eventually } from '../support/wait';

const execFileP = promisify(execFile);
const COMPOSE_FILE = join(REPO, 'docker-compose.temporal.yml');
const PROJECT = uniqueName('vbtcompose');
/** The database password: in the compose command's environment only. */
const PASSWORD = randomBytes(24).toString('hex');
const BUILD_MS = 40 * 60_000; // a cold server build is about ten minutes of two cores; under load, more
const HEALTHY_MS = 3 * 60_000;

const seconds = (sinceMs: number) => ((Date.now() - sinceMs) / 1000).toFixed(1);
const scrub = (text: string) => text.split(PASSWORD).join('<password>');

/** A TCP port nothing listens on now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Runs a command; resolves with its output, fails with its exit code and (scrubbed) output. */
function runCommand(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? processEnv(), cwd: REPO });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 10 * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}\n${scrub(out).slice(-4000)}`));
    });
  });
}

/** The compose command: Compose v2 where the docker CLI has it, else Debian's docker-compose (installed if missing). */
async function composeCommand(): Promise<string[]> {
  const onPath = (name: string) =>
    (process.env.PATH ?? '').split(':').some((d) => d !== '' && executable(join(d, name)));
  if (
    await execFileP('docker', ['compose', 'version']).then(
      () => true,
      () => false,
    )
  )
    return ['docker', 'compose'];
  if (!onPath('docker-compose')) {
    console.log('installing Debian docker-compose');
    await runCommand('apt-get', ['install', '-y', '-qq', 'docker-compose'], {
      env: { ...processEnv(), DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  return ['docker-compose'];
}

describe('docker-compose.temporal.yml: built, started and proven with the real worker', () => {
  let compose: string[] = [];
  let ports = { grpc: 0, ui: 0 };
  let cluster: ClusterBed;
  let run: TestRun;
  let operator: Connection | undefined;
  let started = false;

  /** `compose -f docker-compose.temporal.yml -p PROJECT ARGS`, with the password and the PKI folder in its environment. */
  function composeRun(args: string[], timeoutMs?: number): Promise<string> {
    const [cmd, ...pre] = compose;
    return runCommand(cmd!, [...pre, '-f', COMPOSE_FILE, '-p', PROJECT, ...args], {
      timeoutMs,
      env: {
        ...processEnv(),
        TEMPORAL_DB_PASSWORD: PASSWORD,
        TEMPORAL_PKI_DIR: cluster.pki,
        TEMPORAL_PORT: String(ports.grpc),
        TEMPORAL_UI_PORT: String(ports.ui),
      },
    });
  }

  const projectLabel = `com.docker.compose.project=${PROJECT}`;

  /** The id of the service's container ('' when there is none). */
  async function containerId(service: string): Promise<string> {
    const [c] = await run.docker.listContainers({
      all: true,
      filters: { label: [projectLabel, `com.docker.compose.service=${service}`] },
    });
    return c?.Id ?? '';
  }

  /** The state of the service's container: its health when it has a check, else its status and exit code. */
  async function state(service: string): Promise<string> {
    const id = await containerId(service);
    if (id === '') return 'missing';
    const info = await run.docker.getContainer(id).inspect();
    if (info.State.Health) return info.State.Health.Status;
    return info.State.Running ? 'running' : `exited ${info.State.ExitCode}`;
  }

  const untilState = (service: string, wanted: string, ms = HEALTHY_MS) =>
    eventually(`${service} ${wanted}`, ms, async () => {
      const s = await state(service);
      if (s === wanted) return s;
      throw new Error(`${service} is ${s}`);
    });

  /** The bootstrap's history as the operator reads it: its run and its events. */
  async function bootstrapHistory(): Promise<{ runId: string; events: number; status: string }> {
    const conn = await clusterConnection(cluster, 'operator', 5000);
    try {
      const client = new Client({ connection: conn });
      const handle = client.workflow.getHandle(bootstrapWorkflowId(run.stack));
      const d = await handle.describe();
      return {
        runId: d.runId,
        events: (await historyOf(client, handle.workflowId, d.runId)).length,
        status: d.status.name,
      };
    } finally {
      await conn.close();
    }
  }

  before(
    async () => {
      compose = await composeCommand();
      console.log(
        `compose: ${(await runCommand(compose[0]!, [...compose.slice(1), 'version'])).split('\n')[0]}`,
      );
      ports = { grpc: await freePort(), ui: await freePort() };
      const bed = clusterBed();
      cluster = {
        ...bed,
        address: `127.0.0.1:${ports.grpc}`,
        uiUrl: `http://127.0.0.1:${ports.ui}`,
        env: {},
      };
      run = new TestRun({ temporal: 'cluster', cluster });

      let t = Date.now();
      await runCommand('bash', [join(REPO, 'testbed', 'images', 'debian-base', 'build.sh')], {
        timeoutMs: BUILD_MS,
      });
      const images = await runCommand('bash', [join(REPO, 'temporal-cluster', 'build-images.sh')], {
        timeoutMs: BUILD_MS,
      });
      console.log(`images (debian stand-in, server, UI, PostgreSQL) in ${seconds(t)}s:\n${images.trim()}`);

      t = Date.now();
      started = true;
      await composeRun(['up', '-d'], HEALTHY_MS);
      console.log(
        `up -d returned in ${seconds(t)}s (project ${PROJECT}, gRPC ${ports.grpc}, UI ${ports.ui})`,
      );
      await untilState('temporal', 'healthy');
      await untilState('temporal-ui', 'healthy');
      console.log(`server and UI healthy ${seconds(t)}s after up -d`);
      operator = await clusterConnection(cluster, 'operator');
    },
    { timeout: BUILD_MS + 2 * HEALTHY_MS },
  );

  after(
    async () => {
      await operator?.close();
      try {
        if (run) await cleanUpLeavingNothing(run, 'the stack leaves nothing behind');
      } finally {
        if (started) {
          const t = Date.now();
          await composeRun(['down', '-v', '--remove-orphans'], HEALTHY_MS);
          console.log(`down -v in ${seconds(t)}s`);
          const docker = run.docker;
          const left = [
            ...(await docker.listContainers({ all: true, filters: { label: [projectLabel] } })).map(
              (c) => `container ${c.Names.join(',')}`,
            ),
            ...((await docker.listVolumes({ filters: { label: [projectLabel] } })).Volumes ?? []).map(
              (v) => `volume ${v.Name}`,
            ),
            ...(await docker.listNetworks({ filters: { label: [projectLabel] } })).map(
              (n) => `network ${n.Name}`,
            ),
          ];
          assert.deepEqual(left, [], 'down -v removes every container, volume and network of the project');
        }
      }
    },
    { timeout: 2 * HEALTHY_MS },
  );

  it('comes up from nothing: the schema and setup one-shots exit 0, the namespace and the search attributes exist', async () => {
    assert.equal(await state('postgresql'), 'healthy');
    assert.equal(await state('temporal-schema'), 'exited 0');
    assert.equal(await state('temporal-setup'), 'exited 0');
    const volumes = (await run.docker.listVolumes({ filters: { label: [projectLabel] } })).Volumes ?? [];
    assert.deepEqual(
      volumes.map((v) => v.Name),
      [`${PROJECT}_temporal-postgres`],
      'the database is in the project volume',
    );
    assert.ok(operator);
    const attrs = await operator.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const [name, type] of [
      ['VaultBootstrapStep', 2],
      ['VaultHealthVerdict', 2],
      ['VaultHealthFindings', 7],
      ['VaultRestoreDrill', 2],
    ] as const)
      assert.equal(attrs.customAttributes?.[name], type, `search attribute ${name}`);
  });

  it('bootstraps a stack through it: the worker and operator roles over mTLS, each step once', async () => {
    run.startWorker();
    const t = Date.now();
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    console.log(`bootstrap through the compose file's Temporal: ${seconds(t)}s`);
    const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.ok(operator);
    const events = await historyOf(new Client({ connection: operator }), bootstrapWorkflowId(run.stack));
    for (const [type, c] of activityCounts(events)) assert.deepEqual(c, { scheduled: 1, completed: 1 }, type);
  });

  it("refuses what a role may not do (the project's authorizer), and a certificate of another CA", async () => {
    const asOperator = await run.client(['root-token', '--ttl', '10s'], clusterEnv(cluster, 'operator'));
    assert.equal(asOperator.code, 2, asOperator.out);
    assert.match(asOperator.out, /Temporal refused the call: .*BreakGlassRootToken/);

    const asViewer = await run.client(['bootstrap'], clusterEnv(cluster, 'viewer'));
    assert.equal(asViewer.code, 2, asViewer.out);
    assert.match(asViewer.out, /Temporal refused the call/);

    const rogue = await run.client(['status'], clusterEnv(cluster, 'rogue-operator'));
    assert.equal(rogue.code, 2, rogue.out);
    assert.match(rogue.out, /refused the client certificate/);
  });

  it('the UI answers with the viewer certificate and shows the workflow', async () => {
    const page = await fetch(`${cluster.uiUrl}/`);
    assert.equal(page.status, 200);
    assert.match((await page.text()).toLowerCase(), /<!doctype html>/);
    const workflowId = bootstrapWorkflowId(run.stack);
    const described = await fetch(
      `${cluster.uiUrl}/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
    );
    const body = await described.text();
    assert.equal(described.status, 200, body);
    assert.match(body, /WORKFLOW_EXECUTION_STATUS_COMPLETED/, body);
    const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
    const listed = await (
      await fetch(`${cluster.uiUrl}/api/v1/namespaces/default/workflows?query=${query}`)
    ).text();
    assert.ok(listed.includes(workflowId), listed);
    assert.match(listed, /VaultBootstrapStep/, 'the list carries the search attribute the UI shows');
  });

  it('keeps the history across restarts of the server and of PostgreSQL, and in the volume; works on', async () => {
    const before = await bootstrapHistory();
    assert.equal(before.status, 'COMPLETED');

    const database = await containerId('postgresql');
    const faults: [string, string[]][] = [
      ['restart temporal', ['restart', 'temporal']],
      ['restart postgresql', ['restart', 'postgresql']],
      // A new PostgreSQL container: what it finds can only come from the named volume.
      ['postgresql recreated', ['up', '-d', '--no-deps', '--force-recreate', 'postgresql']],
    ];
    for (const [fault, args] of faults) {
      const service = args.at(-1)!;
      const t = Date.now();
      await composeRun(args, HEALTHY_MS);
      await untilState(service, 'healthy');
      const again = await eventually(`the history read after: ${fault}`, HEALTHY_MS, () =>
        bootstrapHistory(),
      );
      console.log(`${fault}: healthy and the history read again ${seconds(t)}s after the command`);
      assert.deepEqual(again, before, `the history after: ${fault}`);
    }
    assert.notEqual(await containerId('postgresql'), database, 'PostgreSQL runs in a new container');

    // The worker outlived both restarts; a new run on the restarted cluster completes and changes nothing.
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    const after = await bootstrapHistory();
    assert.notEqual(after.runId, before.runId);
    assert.equal(after.status, 'COMPLETED');
  });

  it('keeps the database password out of command lines and logs', async () => {
    const containers = await run.docker.listContainers({ all: true, filters: { label: [projectLabel] } });
    assert.equal(containers.length, 5, containers.map((c) => c.Names.join(',')).join(' '));
    for (const c of containers) {
      const info = await run.docker.getContainer(c.Id).inspect();
      const argv = JSON.stringify([
        info.Path,
        info.Args,
        info.Config.Cmd,
        info.Config.Entrypoint,
        info.Config.Healthcheck,
      ]);
      assert.ok(!argv.includes(PASSWORD), `${c.Names.join(',')}: the password is not in its command line`);
    }
    const logs = await composeRun(['logs', '--no-color']);
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(PASSWORD), 'the password is in no container log');
    assert.ok(!readFileSync(run.workerLog, 'utf8').includes(PASSWORD));
  });
});
