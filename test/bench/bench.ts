/**
 * `npm run bench`: what a bootstrap and a failover cost on the one-node bed, measured against real Docker,
 * OpenBao and the Temporal dev server (`npm run testbed -- up` first).
 *
 * Runs BENCH_RUNS (default 3) rounds. Each round, in this order so that both see the same machine state:
 *   1. a cold bootstrap by the workflow: a new stack, a new worker process (its start → polling time and
 *      its idle RSS afterwards), the client's `bootstrap --wait`, each step's time from the history;
 *   2. on that cluster: leader failover (the active node's container killed → another node active), and
 *      kill → `sealed:false` of the replaced task (the health machinery unseals it; the schedule exists),
 *      split at the new container's start (Docker's StartedAt) and its API's first answer, through the
 *      bed's tunnel and, as production's worker on the overlay sees it, from a peer's container;
 *   3. a cold bootstrap of another new stack by `test/bench/bare-bootstrap.sh`, the same steps as a bare
 *      sequential script, each step timed by the script.
 * Every stack is removed before the next round. Prints the table of medians and writes it between the
 * `bench:latest` markers of docs/performance.md (BENCH_OUT to write another file); BENCH_LABEL names the run.
 *
 * `npm run bench -- --nodes 3`: the bootstrap on the three-node bed as production runs it (./three-nodes.ts),
 * written between the `bench:nodes3` markers.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DockerGateway } from '../../src/docker/gateway';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import { activitiesOf, historyOf, temporalClient } from '../support/history';
import { dockerCli, REPO, TestRun, testbedEnv } from '../support/testbed';
import { sleep } from '../support/wait';
import { alternateRounds, fmt, median, runBareScript, writeReport } from './report';
import type { Sample } from './report';
import { benchThreeNodes } from './three-nodes';

const RUNS = Number(process.env.BENCH_RUNS ?? '3');
const LABEL = process.env.BENCH_LABEL ?? 'latest';
const HEALTH = { VAULT_HEALTH_INTERVAL: '24h', VAULT_HEALTH_JITTER: '1s' };

function since(t: number): number {
  return (Date.now() - t) / 1000;
}

async function until<T>(what: string, ms: number, pollMs: number, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`bench: no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** Seconds from spawning the worker to its "polling task queue" line (printed as its Workers start polling). */
async function workerStart(run: TestRun): Promise<{ child: ChildProcess; seconds: number }> {
  const t0 = Date.now();
  const child = run.startWorker(HEALTH);
  await until('the worker to poll', 60_000, 20, () =>
    Promise.resolve(
      existsSync(run.workerLog) && readFileSync(run.workerLog, 'utf8').includes('polling task queue')
        ? true
        : undefined,
    ),
  );
  return { child, seconds: since(t0) };
}

function nodeClients(run: TestRun, gateway: DockerGateway) {
  return async (slot: number) => {
    const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(slot);
    if (!task || !task.address || (task.state !== 'running' && task.state !== 'starting')) return undefined;
    return { client: run.vaultClient(`vault-${slot}`, task.address), taskId: task.id };
  };
}

/** Kills the active node's container; times another node becoming active, and the killed slot's unseal. */
async function failover(run: TestRun, sample: Sample): Promise<void> {
  const gateway = new DockerGateway('/var/run/docker.sock');
  const node = nodeClients(run, gateway);
  const active = await until('an active node', 60_000, 200, async () => {
    for (const slot of [1, 2, 3]) {
      const n = await node(slot);
      if (n && (await n.client.leader()).isSelf) return { slot, ...n };
    }
    return undefined;
  });
  // Autopilot must count every server healthy first, or the kill tests a half-formed cluster.
  const { workerToken } = await run.custody().read(run.stack);
  await until('autopilot to report the cluster healthy', 120_000, 200, async () =>
    (await active.client.autopilotState(workerToken!)).healthy ? true : undefined,
  );
  const ctr = await run.slotContainer(active.slot);
  const killedAt = Date.now();
  await dockerCli(['kill', ctr]);
  const others = [1, 2, 3].filter((s) => s !== active.slot);
  const peerCtr = await run.slotContainer(others[0]!);
  // Both watched at once from the kill: the replaced task may well be unsealed before another node is active.
  let apiAt: number | undefined;
  const [failedOver, unsealed, overlayAt] = await Promise.all([
    until('another node to become active', 120_000, 50, async () => {
      for (const slot of others) {
        const n = await node(slot);
        if (n && (await n.client.leader()).isSelf) return Date.now();
      }
      return undefined;
    }),
    until(`vault-${active.slot} replaced and unsealed`, 240_000, 50, async () => {
      const n = await node(active.slot);
      if (!n || n.taskId === active.taskId) return undefined;
      const s = await n.client.sealStatus();
      apiAt ??= Date.now();
      return s.sealed ? undefined : Date.now();
    }),
    // The same first answer as a worker on iklimco-net sees it (production's `VAULT_ADDRESSING=direct`):
    // asked from a peer's container, by address. The tunnel the bench and the bed's worker go through
    // serves a task only once Docker's DNS lists it, after its first healthy check (docs/tunnel.md).
    until(`vault-${active.slot} answering on the overlay`, 240_000, 50, async () => {
      const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(active.slot);
      if (!task?.address || task.id === active.taskId) return undefined;
      return (await answersFrom(peerCtr, task.address)) ? Date.now() : undefined;
    }),
  ]);
  sample.set('leader failover (kill → another node active)', (failedOver - killedAt) / 1000);
  sample.set('kill → sealed:false', (unsealed - killedAt) / 1000);
  sample.set('API first answers → sealed:false', (unsealed - apiAt!) / 1000);
  // Where the time before the first answer goes: Swarm (noticing the exit, the restart delay, placing and
  // creating the task) up to the container's start, then OpenBao's own start-up.
  const replaced = (await gateway.currentTasks(`${run.stack}_vault`)).get(active.slot);
  const info = replaced?.containerId
    ? await run.docker.getContainer(replaced.containerId).inspect()
    : undefined;
  const startedAt = info ? Date.parse(info.State.StartedAt) : NaN;
  if (Number.isFinite(startedAt)) {
    sample.set('kill → new container started', (startedAt - killedAt) / 1000);
    sample.set('new container started → API first answers', (apiAt! - startedAt) / 1000);
    sample.set('new container started → answers on the overlay', (overlayAt - startedAt) / 1000);
  }
}

/** Whether the Vault API at `address` answers (sealed or not) when asked from inside container `from`. */
function answersFrom(from: string, address: string): Promise<boolean> {
  const args = [
    'exec',
    from,
    'vault',
    'status',
    `-address=https://${address}:8200`,
    '-tls-server-name=vault-1',
  ];
  return new Promise((resolve) =>
    execFile('docker', args, { timeout: 5000 }, (err) => {
      // `vault status`: 0 unsealed, 2 sealed (both answers), 1 no answer.
      const code = (err as { code?: unknown } | null)?.code ?? 0;
      resolve(code === 0 || code === 2);
    }),
  );
}

async function workflowRound(sample: Sample): Promise<void> {
  const run = new TestRun();
  const temporal = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  try {
    const { child, seconds } = await workerStart(run);
    sample.set('worker start → polling', seconds);
    const t0 = Date.now();
    const res = await run.client(['bootstrap', '--wait'], HEALTH);
    if (res.code !== 0) throw new Error(`bench: the workflow's bootstrap failed:\n${res.out}`);
    sample.set('total', since(t0));
    const id = bootstrapWorkflowId(run.stack);
    for (const a of activitiesOf(await historyOf(temporal.client, id)))
      if (a.completedAt !== undefined) sample.set(a.type, (a.completedAt - a.scheduledAt) / 1000);
    const created = await run.client(['schedule', 'create'], HEALTH);
    if (created.code !== 0) throw new Error(`bench: schedule create failed:\n${created.out}`);
    await sleep(5000); // idle: nothing runs between the bootstrap and the schedule's next (24 h) run
    sample.set('worker idle RSS (MB)', rssMb(child.pid!));
    await failover(run, sample);
    await run.client(['schedule', 'delete', '--yes'], HEALTH);
  } finally {
    await run.cleanup();
    await temporal.connection.close();
  }
}

async function bareRound(sample: Sample): Promise<void> {
  const run = new TestRun();
  try {
    await runBareScript(sample, {
      STACK: run.stack,
      STACK_DIR: run.stackDir,
      VAULT_IMAGE: run.bed.VAULT_IMAGE ?? '',
      VAULT_CERT_DIR: run.bed.VAULT_CERT_DIR ?? '',
    });
  } finally {
    await run.cleanup();
  }
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`;
}

async function versions(): Promise<string> {
  const engine = (await dockerCli(['version', '--format', '{{.Server.Version}}'])).trim();
  const pinned = readFileSync(join(REPO, 'testbed', 'versions.env'), 'utf8');
  const cli = /^TEMPORAL_CLI_VERSION=(\S+)/m.exec(pinned)?.[1] ?? '?';
  return `Docker Engine ${engine}; ${testbedEnv().VAULT_IMAGE}; Temporal dev server (CLI ${cli}); Node ${process.version}`;
}

function table(wf: Sample[], bare: Sample[]): string {
  const m = (samples: Sample[], key: string) =>
    median(samples.map((s) => s.get(key)).filter((v): v is number => v !== undefined));
  const rows: string[] = [
    '| step | workflow (median) | bare script (median) | workflow ÷ bare |',
    '| --- | --- | --- | --- |',
  ];
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : '—');
  for (const step of [...BOOTSTRAP_STEPS, 'total'] as string[]) {
    const a = m(wf, step);
    const b = m(bare, step);
    const name = step === 'total' ? '**total (client call / script)**' : `\`${step}\``;
    rows.push(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`);
  }
  rows.push('', '| measure | median | runs |', '| --- | --- | --- |');
  for (const key of [
    'leader failover (kill → another node active)',
    'kill → sealed:false',
    'API first answers → sealed:false',
    'kill → new container started',
    'new container started → API first answers',
    'new container started → answers on the overlay',
    'worker start → polling',
    'worker idle RSS (MB)',
  ]) {
    const xs = wf.map((s) => s.get(key)).filter((v): v is number => v !== undefined);
    const unit = key.endsWith('(MB)') ? 'MB' : 's';
    rows.push(`| ${key} | ${fmt(median(xs), unit)} | ${xs.map((x) => fmt(x, unit)).join(', ')} |`);
  }
  return rows.join('\n');
}

/** `--nodes N` of the command line: 1 (the default) or 3. */
function nodesWanted(argv: string[]): 1 | 3 {
  const at = argv.indexOf('--nodes');
  if (at < 0) return 1;
  const n = argv[at + 1];
  if (n !== '1' && n !== '3') throw new Error(`bench: --nodes takes 1 or 3, not ${n ?? 'nothing'}`);
  return n === '3' ? 3 : 1;
}

async function main(): Promise<void> {
  const nodes = nodesWanted(process.argv.slice(2));
  const started = new Date();
  const results =
    nodes === 3
      ? await benchThreeNodes(RUNS)
      : await alternateRounds(RUNS, workflowRound, bareRound).then(({ wf, bare }) => table(wf, bare));
  const where = nodes === 3 ? 'the three-node bed, production file, worker stack' : 'the one-node bed';
  const body = [
    `**${LABEL}** — ${RUNS} rounds on ${where}, ${started.toISOString().slice(0, 16)}Z, git ${(await gitRev()) || 'unknown'}.`,
    '',
    `Machine: ${machine()}. ${await versions()}.`,
    '',
    results,
  ].join('\n');
  console.log(`\n${body}\n`);
  console.log(`bench: wrote ${writeReport(nodes === 3 ? 'bench:nodes3' : 'bench:latest', body)}`);
}

function gitRev(): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => resolve(out.trim()));
    child.on('error', () => resolve(''));
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
