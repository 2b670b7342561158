/**
 * The random-crash soak's dice: a small deterministic PRNG (mulberry32), one stream per run derived from
 * (seed, run index) so that any run can be replayed alone, the faults a run draws from it, and the soak's
 * settings from the environment (`SOAK_SEED`, `SOAK_RUNS`, `SOAK_FROM`, `SOAK_NODES`, `SOAK_DEADLINE_S`).
 *
 * The seed fixes what is injected and when, counted from the bootstrap's start (kinds, slots, nodes,
 * delays); it cannot fix how fast the machine runs the bootstrap, so a replay hits the same moments of the
 * plan, not always the same instruction of the workflow.
 */
import { randomInt } from 'node:crypto';

/** A uniform float in [0, 1) per call. */
export type Rng = () => number;

/** mulberry32 (Tommy Ettinger): 32 bits of state, good enough to draw test plans, and the same everywhere. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit integer hash (the murmur3 finalizer): spreads neighbouring (seed, index) pairs apart. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of run `index`'s own stream: a function of (seed, index) only, so a run replays alone. */
export function runSeed(seed: number, index: number): number {
  return mix32(mix32(seed) ^ Math.imul(index >>> 0, 0x9e3779b9));
}

/** An integer in [lo, hi], both included. */
export function intIn(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  const x = xs[Math.floor(rng() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

/**
 * What one fault does: `worker` SIGKILL of the (full) worker and a new worker process with the same
 * configuration; `vault` a `docker kill` of one Vault task; `both` the two together (the worker first);
 * `node` (three-node bed only) one node's Engine stopped and started again; `initJob` (a run's `initJob`, not
 * one of its `faults`) the init job's container removed (`docker rm -f`) a drawn moment after it started,
 * whatever it is doing: before its request, while Vault initializes (the answer lost on the way), between
 * saving the answer and printing it, or after it ended (its output gone, as a restarting Engine removes a
 * finished task's container).
 */
export const FAULT_KINDS = ['worker', 'vault', 'both', 'node', 'initJob'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The kinds a run's `faults` are drawn from. */
const DRAWN_KINDS = ['worker', 'vault', 'both', 'node'] as const;
type DrawnKind = (typeof DRAWN_KINDS)[number];

export const SOAK_NODE_NAMES = ['n1', 'n2', 'n3'] as const;

export interface PlannedFault {
  /** When to inject it, in ms after the bootstrap was started (faults are in this order). */
  atMs: number;
  kind: DrawnKind;
  /** The Vault task slot a `vault` or `both` fault kills. */
  slot: number;
  /** The node a `node` fault stops. */
  node: (typeof SOAK_NODE_NAMES)[number];
}

/**
 * What a run's fault moments count from: the bootstrap's start, or the moment `initLeader` is scheduled (half
 * the runs), so the seconds in which Vault runs `sys/init` are hit often, not only when the dice fall there.
 */
export type Anchor = 'start' | 'initLeader';

export interface RunPlan {
  index: number;
  seed: number;
  anchor: Anchor;
  faults: PlannedFault[];
  /** The slot whose task is killed after the run, to be unsealed with the custody key. */
  probeSlot: number;
  /**
   * The init job's container removed this long after it started (counted from its first sight, polled every
   * 100 ms), alongside the other faults; none in half the runs.
   */
  initJob?: { afterStartMs: number };
}

/**
 * Bounds of the draw: faults per run, the delay before each (ms), and, in a run anchored at `initLeader`, the
 * delay of its first fault after that step was scheduled (the step's whole span on this bed: nodes, init key,
 * init job, Vault's `sys/init`); all inclusive.
 */
export const PLAN_BOUNDS = {
  faults: [1, 6],
  delayMs: [1000, 7000],
  initLeadMs: [0, 5000],
  /** When the init job's container is removed after it started: its request, Vault's init, the answer, after. */
  initJobMs: [0, 4000],
} as const;

/**
 * The faults of run `index`: 1–6 of them, each 1–7 s after the one before (the first after the start),
 * kinds drawn uniformly (`node` only with three nodes). Every field is drawn for every fault, whatever its
 * kind, so the stream, and the plan, depend on (seed, index, nodes) alone.
 */
export function drawPlan(seed: number, index: number, nodes: 1 | 3): RunPlan {
  const rng = mulberry32(runSeed(seed, index));
  const kinds: readonly DrawnKind[] = nodes === 3 ? DRAWN_KINDS : DRAWN_KINDS.filter((k) => k !== 'node');
  const n = intIn(rng, PLAN_BOUNDS.faults[0], PLAN_BOUNDS.faults[1]);
  const faults: PlannedFault[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += intIn(rng, PLAN_BOUNDS.delayMs[0], PLAN_BOUNDS.delayMs[1]);
    faults.push({
      atMs: at,
      kind: pick(rng, kinds),
      slot: intIn(rng, 1, 3),
      node: pick(rng, SOAK_NODE_NAMES),
    });
  }
  const probeSlot = intIn(rng, 1, 3);
  // Drawn last, so the faults and probe of a seed are what they were before anchors existed.
  const anchor: Anchor = rng() < 0.5 ? 'initLeader' : 'start';
  const lead = intIn(rng, PLAN_BOUNDS.initLeadMs[0], PLAN_BOUNDS.initLeadMs[1]);
  const first = faults[0]?.atMs ?? 0;
  if (anchor === 'initLeader') for (const f of faults) f.atMs = f.atMs - first + lead;
  // Drawn after everything else (a seed's other faults stay what they were): in half the runs, the init job's
  // container is also removed, at a moment of its flight nobody chose.
  const withInitJob = rng() < 0.5;
  const afterStartMs = intIn(rng, PLAN_BOUNDS.initJobMs[0], PLAN_BOUNDS.initJobMs[1]);
  return { index, seed, anchor, faults, probeSlot, ...(withInitJob ? { initJob: { afterStartMs } } : {}) };
}

/**
 * `worker@2.1s vault-3@5.0s both(vault-1)@9.4s n2@12.0s`, after `initLeader+` when anchored there, and
 * `; init job +1.2s` when the init job's container is removed 1.2 s after it started.
 */
export function describePlan(
  plan: Pick<RunPlan, 'faults'> & Partial<Pick<RunPlan, 'anchor' | 'initJob'>>,
): string {
  const from = plan.anchor === 'initLeader' ? 'initLeader+ ' : '';
  return (
    from +
    plan.faults
      .map((f) => {
        const at = `@${(f.atMs / 1000).toFixed(1)}s`;
        if (f.kind === 'vault') return `vault-${f.slot}${at}`;
        if (f.kind === 'both') return `both(worker+vault-${f.slot})${at}`;
        if (f.kind === 'node') return `node-${f.node}${at}`;
        return `worker${at}`;
      })
      .join(' ') +
    (plan.initJob ? `; init job +${(plan.initJob.afterStartMs / 1000).toFixed(1)}s` : '')
  );
}

export interface SoakSettings {
  seed: number;
  /** How many runs, and the index of the first (runs are numbered from 1). */
  runs: number;
  from: number;
  nodes: 1 | 3;
  /** A run that has not closed this long after its start is a permanent failure. */
  deadlineMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}

/** The soak's settings; `SOAK_SEED` unset draws a fresh seed (printed, so the soak can be replayed). */
export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const seed = env.SOAK_SEED ? positiveInt(env, 'SOAK_SEED', 1) : randomInt(1, 2 ** 31);
  if (seed > 0xffffffff) throw new Error(`SOAK_SEED must fit 32 bits, not ${seed}`);
  const nodes = positiveInt(env, 'SOAK_NODES', 1);
  if (nodes !== 1 && nodes !== 3) throw new Error(`SOAK_NODES must be 1 or 3, not ${nodes}`);
  return {
    seed,
    runs: positiveInt(env, 'SOAK_RUNS', 20),
    from: positiveInt(env, 'SOAK_FROM', 1),
    nodes,
    deadlineMs: positiveInt(env, 'SOAK_DEADLINE_S', 600) * 1000,
  };
}

/** The command line that replays `runs` runs from `from` with the same seed and bed. */
export function replayCommand(s: Pick<SoakSettings, 'seed' | 'nodes'>, from: number, runs = 1): string {
  const nodes = s.nodes === 3 ? ' SOAK_NODES=3' : '';
  return `SOAK_SEED=${s.seed} SOAK_RUNS=${runs} SOAK_FROM=${from}${nodes} npm run test:soak`;
}
