/**
 * The random-crash soak (`npm run test:soak`, docs/faults.md): N bootstraps, each on a fresh stack of its
 * own, with faults at random moments drawn from a seeded PRNG: the worker SIGKILLed and started again, a
 * Vault task `docker kill`ed, both at once, and on the three-node bed (`SOAK_NODES=3`) a node's Engine
 * stopped and started. Fault points prove each step's logic at the moments we chose; this proves the
 * product at moments nobody chose.
 *
 * After each run: the workflow completed with no workflow task failed, the crash matrix's end state (one
 * init, one custody record, one unseal-key secret, three tasks unsealed, one active, the seed's
 * verification), and the custody key unseals a task killed after the run. The table at the end counts
 * runs, faults by kind, keys lost, permanent failures and the time to verified; the file fails when a key
 * was lost, a run failed for good, or a check did not hold. The seed is printed first and with every
 * failure, with the command line that replays that run alone.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapResult } from '../../src/shared/types';
import type { BootstrapVault } from '../../src/workflows';
import { historyOf, testbedTemporalClient } from '../support/history';
import { median, threeNodeBedUp } from '../support/multinode';
import { sleep } from '../support/wait';
import { innermostFailure } from './fault-control';
import { OneNodeSoakBed, ThreeNodeSoakBed } from './soak-beds';
import type { SoakBed } from './soak-beds';
import { describePlan, drawPlan, FAULT_KINDS, replayCommand, soakSettings } from './soak-plan';
import type { FaultKind, PlannedFault, RunPlan } from './soak-plan';
import { runIdsOf } from './stack-state';
import { count, note, summaryAfterAll } from './summary';

const settings = soakSettings();
const last = settings.from + settings.runs - 1;

/** What the table reports besides the common counters. */
const soak = {
  runs: 0,
  verified: 0,
  injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  /** A `vault` fault drawn before its slot had a running task (early in deployStack). */
  missed: 0,
  /** Faults drawn for after the workflow had closed. */
  notReached: 0,
  permanentFailures: 0,
  checksFailed: 0,
  /** Seconds from the bootstrap's start to its end state verified, per verified run. */
  secondsToVerified: [] as number[],
};

type Closing =
  | { kind: 'completed'; result: BootstrapResult }
  | { kind: 'failed'; type: string | undefined; message: string };

type Outcome = Closing | { kind: 'deadline' };

function closing(handle: WorkflowHandle<typeof BootstrapVault>): Promise<Closing> {
  return handle.result().then(
    (result): Closing => ({ kind: 'completed', result }),
    (err: unknown): Closing => {
      const f = innermostFailure(err);
      return {
        kind: 'failed',
        type: f?.type ?? undefined,
        message: f?.message ?? (err instanceof Error ? err.message : String(err)),
      };
    },
  );
}

async function withDeadline(closed: Promise<Closing>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((r) => (timer = setTimeout(() => r({ kind: 'deadline' }), ms)));
  try {
    return await Promise.race([closed, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The activities a run that did not close is stuck in, with their attempt and last failure. */
async function pendingActivities(handle: WorkflowHandle): Promise<string> {
  const d = await handle.describe();
  const pending = (d.raw.pendingActivities ?? []).map(
    (p) =>
      `${p.activityType?.name ?? '?'} attempt ${p.attempt ?? '?'}: ${p.lastFailure?.message ?? 'no failure yet'}`,
  );
  return pending.length > 0 ? pending.join('; ') : 'no activity pending';
}

/** Injects one fault; false when it found nothing to hit (no task of that slot yet). */
async function inject(bed: SoakBed, f: PlannedFault): Promise<boolean> {
  switch (f.kind) {
    case 'worker':
      await bed.killWorker();
      bed.restartWorker();
      return true;
    case 'vault':
      return bed.killVaultTask(f.slot);
    case 'both': {
      await bed.killWorker();
      await bed.killVaultTask(f.slot);
      bed.restartWorker();
      return true;
    }
    case 'node':
      await bed.nodeOutage(f.node);
      return true;
  }
}

/**
 * The plan's init-job fault: once the init job's container is seen running (polled every 100 ms), waits the
 * drawn time and removes it; runs beside the other faults. Returns what happened, for the run's line.
 */
async function removeInitJobInFlight(
  bed: SoakBed,
  afterStartMs: number,
  closed: Promise<Closing>,
  isClosed: () => boolean,
): Promise<string> {
  const what = `init job +${(afterStartMs / 1000).toFixed(1)}s`;
  while (!(await bed.initJobRunning())) {
    if (isClosed() || (await Promise.race([sleep(100).then(() => false), closed.then(() => true)]))) {
      soak.notReached++;
      return `${what}: not reached (closed)`;
    }
  }
  await Promise.race([sleep(afterStartMs), closed]);
  if (isClosed()) {
    soak.notReached++;
    return `${what}: not reached (closed)`;
  }
  if (!(await bed.removeInitJob())) {
    soak.missed++;
    return `${what}: no container left to remove`;
  }
  soak.injected.initJob++;
  count('faultsInjected');
  return what;
}

function label(f: PlannedFault): string {
  return describePlan({ faults: [f] }).replace(/@.*$/, '');
}

/**
 * Injects the plan's faults at their moments (ms after `t0`) until the workflow closes; returns what
 * happened to each, with the moment it really happened.
 */
async function injectPlan(
  bed: SoakBed,
  plan: RunPlan,
  started: number,
  closed: Promise<Closing>,
  client: Client,
): Promise<string> {
  let t0 = started;
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const done: string[] = [];
  const initJob = plan.initJob
    ? removeInitJobInFlight(bed, plan.initJob.afterStartMs, closed, () => isClosed)
    : undefined;
  if (plan.anchor === 'initLeader') {
    // The moments count from initLeader's scheduling, seen in the history (polled every 100 ms).
    for (;;) {
      const events = await historyOf(client, bootstrapWorkflowId(bed.stack)).catch(() => []);
      const scheduled = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'initLeader',
      );
      if (scheduled) {
        t0 = Date.now();
        done.push(`initLeader@${((t0 - started) / 1000).toFixed(1)}s:`);
        break;
      }
      if (isClosed || (await Promise.race([sleep(100).then(() => false), closed.then(() => true)]))) break;
    }
  }
  for (const f of plan.faults) {
    const wait = t0 + f.atMs - Date.now();
    if (wait > 0) await Promise.race([sleep(wait), closed]);
    if (isClosed) {
      soak.notReached++;
      done.push(`${label(f)}: not reached (closed)`);
      continue;
    }
    const at = ((Date.now() - t0) / 1000).toFixed(1);
    if (await inject(bed, f)) {
      soak.injected[f.kind]++;
      count('faultsInjected');
      done.push(`${label(f)}@${at}s`);
    } else {
      soak.missed++;
      done.push(`${label(f)}@${at}s: no task to kill`);
    }
  }
  if (initJob) done.push(`; ${await initJob}`);
  return done.join(' ');
}

/** Workflow tasks that failed in any run of the workflow (a nondeterminism or a bug in workflow code). */
async function workflowTaskFailures(client: Client, workflowId: string): Promise<string[]> {
  const out: string[] = [];
  for (const runId of await runIdsOf(client, workflowId)) {
    for (const e of await historyOf(client, workflowId, runId)) {
      const a = e.workflowTaskFailedEventAttributes;
      if (a) out.push(`run ${runId} event ${String(e.eventId)}: ${a.failure?.message ?? String(a.cause)}`);
    }
  }
  return out;
}

/** Prints and records a failed run with its seed and the command that replays it. */
function reportFailure(plan: RunPlan, stack: string, what: string, injected: string): void {
  const lines = [
    `run ${plan.index} FAILED (seed ${settings.seed}, stack ${stack}): ${what}`,
    `  faults planned: ${describePlan(plan)}`,
    `  faults injected: ${injected || 'none yet'}`,
    `  replay: ${replayCommand(settings, plan.index)}`,
  ];
  console.log(lines.join('\n'));
  note(lines.join('\n   '));
}

async function soakRun(index: number, client: Client): Promise<void> {
  const plan = drawPlan(settings.seed, index, settings.nodes);
  const bed: SoakBed = settings.nodes === 3 ? new ThreeNodeSoakBed() : new OneNodeSoakBed();
  soak.runs++;
  console.log(`run ${index} (seed ${settings.seed}): stack ${bed.stack}, faults ${describePlan(plan)}`);
  let handle: WorkflowHandle<typeof BootstrapVault> | undefined;
  let open = true;
  let failure: unknown;
  try {
    bed.startWorkers();
    const started = await bed.client(['bootstrap']);
    assert.equal(started.code, 0, started.out);
    const t0 = Date.now();
    handle = client.workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(bed.stack));
    const closed = closing(handle);
    void closed.then(() => (open = false));
    const injected = await injectPlan(bed, plan, t0, closed, client);
    const outcome = await withDeadline(closed, t0 + settings.deadlineMs - Date.now());

    if (outcome.kind !== 'completed') {
      const lost = outcome.kind === 'failed' && outcome.type === 'UnsealKeyUnavailable';
      const keyLost = lost || (await bed.keyLost().catch(() => false));
      const what =
        outcome.kind === 'failed'
          ? `${outcome.type ?? 'unnamed failure'}: ${outcome.message}`
          : `not closed after ${settings.deadlineMs / 1000} s; ${await pendingActivities(handle).catch(String)}`;
      if (keyLost) count('keysLost', 1, `run ${index}: ${bed.stack}`);
      else soak.permanentFailures++;
      reportFailure(plan, bed.stack, `${keyLost ? 'KEY LOST: ' : ''}${what}`, injected);
      assert.fail(`run ${index}: ${keyLost ? 'key lost' : 'permanent failure'}: ${what}`);
    }

    count('runsCompleted');
    try {
      const wftFailed = await workflowTaskFailures(client, handle.workflowId);
      assert.deepEqual(wftFailed, [], 'no workflow task failed');
      await bed.assertEndState(client, outcome.result);
      const secs = (Date.now() - t0) / 1000;
      soak.secondsToVerified.push(secs);
      await bed.probeRestartedTask(plan.probeSlot);
      soak.verified++;
      console.log(
        `run ${index}: verified ${secs.toFixed(1)} s after the start; faults ${injected}; ` +
          `vault-${plan.probeSlot} killed after the run came back sealed and the custody key unsealed it`,
      );
    } catch (err) {
      soak.checksFailed++;
      reportFailure(plan, bed.stack, `completed, but a check failed: ${String(err)}`, injected);
      throw err;
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    if (handle && open) await handle.terminate('soak: run over').catch(() => undefined);
    // The clean-up counts what it leaves; its own failure must not hide the run's.
    await bed.cleanup().catch((err: unknown) => {
      if (failure === undefined) throw err;
      console.log(`run ${index}: clean-up after the failure: ${String(err)}`);
    });
  }
}

describe(`random-crash soak: seed ${settings.seed}, runs ${settings.from}..${last}, ${settings.nodes} node(s)`, () => {
  const client = testbedTemporalClient();
  summaryAfterAll(`random-crash soak (seed ${settings.seed}, runs ${settings.from}..${last})`, () => {
    const t = soak.secondsToVerified;
    const kinds = FAULT_KINDS.filter((k) => settings.nodes === 3 || k !== 'node');
    const names: Record<FaultKind, string> = {
      worker: 'worker SIGKILLed',
      vault: 'Vault task killed',
      both: 'worker and Vault task',
      node: 'node Engine stopped',
      initJob: 'init job container removed',
    };
    return [
      { name: 'runs', value: soak.runs },
      { name: 'runs verified (every check held)', value: soak.verified },
      ...kinds.map((k) => ({ name: `  faults: ${names[k]}`, value: soak.injected[k] })),
      { name: '  faults with no task to kill yet', value: soak.missed },
      { name: '  faults drawn for after the close', value: soak.notReached },
      { name: 'permanent failures', value: soak.permanentFailures, mustBeZero: true },
      { name: 'completed runs failing a check', value: soak.checksFailed, mustBeZero: true },
      { name: 'median time to verified (s)', value: t.length > 0 ? median(t).toFixed(1) : '-' },
      { name: 'worst time to verified (s)', value: t.length > 0 ? Math.max(...t).toFixed(1) : '-' },
      {
        name: 'seed',
        value: settings.seed,
        note: `replay all: ${replayCommand(settings, settings.from, settings.runs)}`,
      },
    ];
  });

  before(async () => {
    console.log(
      `soak: seed ${settings.seed}, runs ${settings.from}..${last}, ${settings.nodes} node(s), ` +
        `deadline ${settings.deadlineMs / 1000} s per run; replay: ${replayCommand(settings, settings.from, settings.runs)}`,
    );
    if (settings.nodes === 3) await threeNodeBedUp();
  });

  for (let index = settings.from; index <= last; index++) {
    it(`run ${index}`, { timeout: settings.deadlineMs + 10 * 60_000 }, () => soakRun(index, client()));
  }
});
