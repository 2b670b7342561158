/**
 * The beds' sweep: what test and bench runs that crashed (or were killed) left behind, removed; nothing a run
 * in progress could own, and nothing that is not a test's.
 *
 * What is a test's: only names of a run (`uniqueName()`: `vbt` and 8 hex digits, e.g. `vbt1a2b3c4d`): its
 * stacks (`<run>`, `<run>-w` the worker stack, `<run>-drill`), jobs (`<run>_…`), secrets, configs, volumes and
 * networks of those stacks or named after the run, the containers of its services, its workflows still running
 * on the dev server (task queue `tq-<run>`), its folder `/tmp/<run>-…`, and its stack folder on the one-node
 * bed. Production names (`iklimco`, `vault_unseal_key`, `vault-bootstrap`) never match. Unit tests' temporary
 * folders (`/tmp/vbt-<what>-XXXXXX`) are swept by age alone.
 *
 * What a run in progress could own: every run writes its pid (and the pid's start time, so a reused pid does not
 * count) to `owner` in its folder (`markOwner`, test/support/run-owner.ts). A run whose owner lives is never swept, whatever its age; one
 * whose owner is gone is swept at once; one without a marker (a run of an older checkout, or of someone else's
 * on this machine) only when the newest thing of it is older than `minAgeMs` (default 3 h, longer than any suite:
 * `VBT_SWEEP_MIN_AGE_MINUTES`).
 *
 *   npm run testbed:sweep            # both beds, the dev server, /tmp; prints what it removed
 *
 * Also run by the first suite of `npm test` (e2e 01) and by every three-node suite (`threeNodeBedUp`).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Client, Connection } from '@temporalio/client';
import { LABEL_HOME_PREFIX, LABEL_PAUSED_FOR, LABEL_STACK } from '../../src/shared/constants';
import { removeNodeMarks } from './stack-removal';
import { ownerOf } from './run-owner';
import { readBedEnv } from './testbed';

/** A run's name, and the run a name of a thing starts with. */
const RUN_RE = /^vbt[0-9a-f]{8}$/;
const RUN_PREFIX_RE =
  /^(?:tq-|vault_bootstrap_custody_key-|vault-bootstrap-[a-z-]+-)?(vbt[0-9a-f]{8})(?:$|[-_.])/;
/** A unit test's temporary folder: `vbt-<what>-XXXXXX` (mkdtemp). */
const UNIT_TMP_RE = /^vbt-[a-z0-9-]+-[A-Za-z0-9]{6}$/;

const DEFAULT_MIN_AGE_MS = 3 * 3600_000;

type Owner = 'alive' | 'gone' | 'unknown';

/** What is known of one run: its owner, and when the newest thing of it was made. */
interface RunSeen {
  owner: Owner;
  newestMs: number;
}

/** The run a name belongs to, or undefined. */
export function runOf(name: string | undefined): string | undefined {
  const m = RUN_PREFIX_RE.exec(name ?? '');
  return m && RUN_RE.test(m[1]!) ? m[1] : undefined;
}

/** Owner of each run that has a folder in /tmp, from its marker. */
function ownersInTmp(): Map<string, { owner: Owner; dirs: string[]; mtimeMs: number }> {
  const out = new Map<string, { owner: Owner; dirs: string[]; mtimeMs: number }>();
  for (const name of readdirSync(tmpdir())) {
    const run = /^(vbt[0-9a-f]{8})-/.exec(name)?.[1];
    if (!run) continue;
    const dir = join(tmpdir(), name);
    const owner = ownerOf(dir);
    const seen = out.get(run) ?? { owner: 'unknown' as Owner, dirs: [], mtimeMs: 0 };
    seen.dirs.push(dir);
    seen.mtimeMs = Math.max(seen.mtimeMs, statSync(dir).mtimeMs);
    if (owner === 'alive' || seen.owner === 'unknown') seen.owner = owner;
    out.set(run, seen);
  }
  return out;
}

/** One Engine's things of runs: kind, id, name, run, created. */
interface Thing {
  kind: 'service' | 'secret' | 'config' | 'container' | 'volume' | 'network';
  id: string;
  name: string;
  run: string;
  createdMs: number;
}

const created = (s: string | number | undefined): number =>
  typeof s === 'number' ? s * 1000 : s ? Date.parse(s) || 0 : 0;

async function thingsOn(engine: Docker, manager: boolean): Promise<Thing[]> {
  const out: Thing[] = [];
  const add = (kind: Thing['kind'], id: string, name: string, run: string | undefined, at: number) => {
    if (run) out.push({ kind, id, name, run, createdMs: at });
  };
  if (manager) {
    for (const s of await engine.listServices())
      add(
        'service',
        s.ID,
        s.Spec?.Name ?? '',
        runOf(s.Spec?.Labels?.['com.docker.stack.namespace']) ?? runOf(s.Spec?.Name),
        created(s.CreatedAt),
      );
    for (const s of await engine.listSecrets())
      add(
        'secret',
        s.ID,
        s.Spec?.Name ?? '',
        runOf(s.Spec?.Name) ?? runOf(s.Spec?.Labels?.[LABEL_STACK]),
        created(s.CreatedAt),
      );
    for (const c of (await engine.listConfigs()) as {
      ID: string;
      CreatedAt?: string;
      Spec?: { Name?: string; Labels?: Record<string, string> };
    }[])
      add(
        'config',
        c.ID,
        c.Spec?.Name ?? '',
        runOf(c.Spec?.Name) ??
          runOf(c.Spec?.Labels?.[LABEL_STACK]) ??
          runOf(c.Spec?.Labels?.['io.iklimco.vault-bootstrap.worker-stack']),
        created(c.CreatedAt),
      );
  }
  for (const c of await engine.listContainers({
    all: true,
    filters: { label: ['com.docker.swarm.service.name'] },
  }))
    add(
      'container',
      c.Id,
      c.Names[0] ?? c.Id,
      runOf(c.Labels['com.docker.swarm.service.name']),
      created(c.Created),
    );
  for (const v of (await engine.listVolumes()).Volumes ?? [])
    add(
      'volume',
      v.Name,
      v.Name,
      runOf(v.Labels?.['com.docker.stack.namespace']) ?? runOf(v.Name),
      created((v as { CreatedAt?: string }).CreatedAt),
    );
  for (const n of await engine.listNetworks())
    add(
      'network',
      n.Id,
      n.Name,
      runOf(n.Labels?.['com.docker.stack.namespace']) ?? runOf(n.Name),
      created(n.Created),
    );
  return out;
}

async function removeThing(engine: Docker, t: Thing): Promise<void> {
  const removals: Record<Thing['kind'], () => Promise<unknown>> = {
    service: () => engine.getService(t.id).remove(),
    secret: () => engine.getSecret(t.id).remove(),
    config: () => engine.getConfig(t.id).remove(),
    container: () => engine.getContainer(t.id).remove({ force: true, v: true }),
    volume: () => engine.getVolume(t.id).remove(),
    network: () => engine.getNetwork(t.id).remove(),
  };
  await removals[t.kind]();
}

/** The Engines of the beds asked for: the host's (the one-node bed) and the three nodes'. */
function bedEngines(beds: readonly Bed[]): { name: string; engine: Docker }[] {
  const engines: { name: string; engine: Docker }[] = [];
  if (beds.includes('one'))
    engines.push({ name: 'host', engine: new Docker({ socketPath: '/var/run/docker.sock' }) });
  if (beds.includes('three')) {
    let hosts: string[] = [];
    try {
      hosts = (readBedEnv('testbed-3.env', '').TESTBED_NODE_HOSTS ?? '').split(',').filter((h) => h);
    } catch {
      /* the three-node bed was never brought up */
    }
    hosts.forEach((h, i) =>
      engines.push({ name: `n${i + 1}`, engine: new Docker({ socketPath: h.replace(/^unix:\/\//, '') }) }),
    );
  }
  return engines;
}

/** The one-node bed (the host's dockerd) and the three-node bed. */
export type Bed = 'one' | 'three';

export interface SweepOptions {
  /** Whose Docker things to sweep (the dev server and /tmp are swept in any case); default both. */
  beds?: readonly Bed[];
  /** A run without an owner marker is swept once its newest thing is older than this. */
  minAgeMs?: number;
  /** Only report what would go. */
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** Removes what stale runs left on the beds, the dev server and /tmp; returns one line per thing removed. */
export async function sweepStaleRuns(options: SweepOptions = {}): Promise<string[]> {
  const fromEnv = Number(process.env.VBT_SWEEP_MIN_AGE_MINUTES);
  const minAgeMs = options.minAgeMs ?? (fromEnv > 0 ? fromEnv * 60_000 : DEFAULT_MIN_AGE_MS);
  const now = Date.now();
  const removed: string[] = [];
  const note = (line: string) => {
    removed.push(line);
    options.log?.(line);
  };
  const tmpRuns = ownersInTmp();
  const seen = new Map<string, RunSeen>();
  const see = (run: string, atMs: number) => {
    const s = seen.get(run) ?? { owner: tmpRuns.get(run)?.owner ?? 'unknown', newestMs: 0 };
    s.newestMs = Math.max(s.newestMs, atMs);
    seen.set(run, s);
  };
  for (const [run, t] of tmpRuns) see(run, t.mtimeMs);

  // Docker: what each Engine that answers holds (a node that is down keeps its share for the next sweep).
  const onEngines: { name: string; engine: Docker; things: Thing[] }[] = [];
  for (const { name, engine } of bedEngines(options.beds ?? ['one', 'three'])) {
    const manager = await engine.listServices().then(
      () => true,
      () => false,
    );
    const things = await thingsOn(engine, manager).catch(() => undefined);
    if (!things) continue;
    for (const t of things) see(t.run, t.createdMs);
    onEngines.push({ name, engine, things });
  }
  // The tool's node labels (slot homes, pauses), which outlive the stacks: a stack's labels on each swarm (one
  // manager answers for all its nodes), seen at the time of their newest claim.
  const marks = new Map<string, { engine: Docker; name: string; stacks: Set<string> }>();
  for (const { name, engine } of onEngines) {
    const nodes = (await engine.listNodes().catch(() => [])) as {
      ID: string;
      Spec?: { Labels?: Record<string, string> };
    }[];
    const swarm = nodes
      .map((n) => n.ID)
      .sort()
      .join(',');
    if (!swarm || marks.has(swarm)) continue;
    const stacks = new Set<string>();
    for (const n of nodes)
      for (const [k, v] of Object.entries(n.Spec?.Labels ?? {})) {
        const stack = k.startsWith(LABEL_HOME_PREFIX)
          ? k.slice(LABEL_HOME_PREFIX.length).replace(/\.vault-\d+$/, '')
          : k === LABEL_PAUSED_FOR
            ? v
            : undefined;
        const run = runOf(stack);
        if (!stack || !run) continue;
        stacks.add(stack);
        see(run, Number(v) || 0);
      }
    marks.set(swarm, { engine, name, stacks });
  }

  // Temporal (the dev server): the runs' workflows still running.
  const address = (() => {
    try {
      return readBedEnv('testbed.env', '').TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    } catch {
      return '127.0.0.1:7233';
    }
  })();
  const connection = await Connection.connect({ address, connectTimeout: 5_000 }).catch(() => undefined);
  const running: { id: string; runId: string; run: string }[] = [];
  if (connection) {
    const client = new Client({ connection });
    for await (const wf of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      const run = runOf(wf.taskQueue);
      if (!run) continue;
      running.push({ id: wf.workflowId, runId: wf.runId, run });
      see(run, wf.startTime.getTime());
    }
  }

  const stale = (run: string): boolean => {
    const s = seen.get(run);
    if (!s || s.owner === 'alive') return false;
    return s.owner === 'gone' || now - s.newestMs > minAgeMs;
  };

  if (connection) {
    const client = new Client({ connection });
    for (const wf of running.filter((w) => stale(w.run))) {
      if (!options.dryRun)
        await client.workflow
          .getHandle(wf.id, wf.runId)
          .terminate('swept: the test run that started it is gone')
          .catch(() => undefined);
      note(`temporal: terminated ${wf.id}`);
    }
    await connection.close();
  }
  // Services first (their tasks' containers go with them), then what they used.
  const order: Thing['kind'][] = ['service', 'container', 'secret', 'config', 'volume', 'network'];
  // Services, secrets and configs are the swarm's: every manager lists them, one removal is enough.
  const swarmWide = new Set<string>();
  for (const kind of order)
    for (const { name, engine, things } of onEngines)
      for (const t of things.filter((x) => x.kind === kind && stale(x.run))) {
        if (['service', 'secret', 'config'].includes(kind)) {
          if (swarmWide.has(t.id)) continue;
          swarmWide.add(t.id);
        }
        const ok =
          options.dryRun ||
          (await removeThing(engine, t).then(
            () => true,
            () => false,
          ));
        if (ok) note(`${name}: removed ${kind} ${t.name}`);
        // A service's containers stop over the next seconds: give them a moment before the containers go.
        if (kind === 'service' && !options.dryRun) await new Promise((r) => setTimeout(r, 200));
      }
  for (const { engine, name, stacks } of marks.values())
    for (const stack of [...stacks].filter((s) => stale(runOf(s)!))) {
      const ok =
        options.dryRun ||
        (await removeNodeMarks(engine, stack).then(
          () => true,
          () => false,
        ));
      if (ok) note(`${name}: removed the node labels of ${stack} (slot homes, pauses)`);
    }
  const stackRoot = (() => {
    try {
      return readBedEnv('testbed.env', '').TESTBED_STACK_ROOT;
    } catch {
      return undefined;
    }
  })();
  for (const run of [...seen.keys()].filter(stale)) {
    for (const dir of tmpRuns.get(run)?.dirs ?? []) {
      if (!options.dryRun) rmSync(dir, { recursive: true, force: true });
      note(`tmp: removed ${dir}`);
    }
    if (stackRoot)
      for (const name of readdirSync(stackRoot).filter((n) => runOf(n) === run)) {
        if (!options.dryRun) rmSync(join(stackRoot, name), { recursive: true, force: true });
        note(`stacks: removed ${join(stackRoot, name)}`);
      }
  }
  // Unit tests' temporary folders: no owner to ask, so by age alone.
  let unitFolders = 0;
  for (const name of readdirSync(tmpdir()).filter((n) => UNIT_TMP_RE.test(n))) {
    const dir = join(tmpdir(), name);
    if (now - statSync(dir).mtimeMs <= minAgeMs) continue;
    if (!options.dryRun) rmSync(dir, { recursive: true, force: true });
    unitFolders++;
  }
  if (unitFolders)
    note(`tmp: removed ${unitFolders} unit-test folders (vbt-<what>-XXXXXX) older than the minimum age`);
  return removed;
}

if (require.main === module) {
  const dryRun = process.argv.includes('--dry-run');
  sweepStaleRuns({ dryRun, log: (l) => console.log(dryRun ? `would go: ${l}` : l) })
    .then((r) => console.log(`sweep: ${r.length} ${dryRun ? 'to remove' : 'removed'}`))
    .catch((err: unknown) => {
      console.error(`sweep failed: ${(err as Error).message}`);
      process.exitCode = 1;
    });
}
