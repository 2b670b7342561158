/**
 * The fault-injection catalog and the case runner shared by test/faults/*.test.ts and
 * test/e2e/05-faults-subset.test.ts.
 *
 * - `FAULT_CASES`: every fault point a fresh bootstrap reaches, with the step it interrupts and the outcome
 *   it must have; `UNREACHABLE`: the others, each with the reason. Together they are exactly `FAILPOINTS`.
 * - `runCrashCase`: a fresh stack, a worker started with one fault point (crash), the bootstrap started with
 *   the client, the worker dead by SIGKILL at that point, a new worker without fault points, and the same
 *   workflow completing; then the end state is checked (`assertBootstrapped`) and the stack removed
 *   (`cleanupWithoutLeaks`). A fault point the run does not reach fails the case.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FAILPOINTS } from '../../src/activities/failpoints';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { bootstrapWorkflowId, LABEL_KEY_ID } from '../../src/shared/constants';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import type { BootstrapStep } from '../../src/shared/steps';
import type { BootstrapResult } from '../../src/shared/types';
import type { HistoryEvent } from '../support/history';
import { historyOf, historyText, secretForms } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { dockerCli, REPO, TestRun } from '../support/testbed';
import { count } from './summary';

export interface FaultCase {
  point: string;
  /** The step in flight when the worker dies. */
  step: BootstrapStep;
  /** `complete`: the same workflow completes. `UnsealKeyUnavailable`: the documented, unclosable window. */
  expect: 'complete' | 'UnsealKeyUnavailable';
}

const stepOf = (point: string): BootstrapStep => {
  const step = point.split(':')[0] as BootstrapStep;
  assert.ok(BOOTSTRAP_STEPS.includes(step), `fault point ${point} names no step`);
  return step;
};

/** Fault points that a fresh bootstrap never reaches, and why (docs/faults.md repeats this). */
const QUORUM =
  'unsealLeader unseals peers only when they are already Raft members, i.e. a formed cluster restarted sealed';
export const UNREACHABLE: Readonly<Record<string, string>> = {
  'unsealLeader:before-unseal:vault-2': QUORUM,
  'unsealLeader:after-unseal:vault-2': QUORUM,
  'unsealLeader:before-unseal:vault-3': QUORUM,
  'unsealLeader:after-unseal:vault-3': QUORUM,
  'unsealPeers:before-join:vault-2':
    'the re-join in unsealPeers runs only when a peer task was replaced between joinPeers and unsealPeers',
  'unsealPeers:after-join:vault-2': 'as unsealPeers:before-join:vault-2',
  'unsealPeers:before-join:vault-3':
    'the re-join in unsealPeers runs only when a peer task was replaced between joinPeers and unsealPeers',
  'unsealPeers:after-join:vault-3': 'as unsealPeers:before-join:vault-3',
};

/** Every reachable fault point, in bootstrap order. */
export const FAULT_CASES: readonly FaultCase[] = FAILPOINTS.filter((p) => !(p in UNREACHABLE)).map(
  (point) => ({
    point,
    step: stepOf(point),
    expect: point === 'initLeader:after-init-before-persist' ? 'UnsealKeyUnavailable' : 'complete',
  }),
);

/**
 * One fault per step that changes state, at its most dangerous closable point: the effect happened and is
 * not yet recorded in the history, so the retry must see it and not do it again.
 */
export const SUBSET: readonly string[] = [
  'ensurePlaceholderSecret:after-create', // a second placeholder must not be made
  'deployStack:after-deploy', // the stack must not be deployed again
  'initLeader:after-persist', // key on disk, not in history: no second init
  'rotateUnsealKeySecret:before-service-update', // new secret version made, not mounted: no second version
  'unsealLeader:after-unseal', // unsealed, not recorded
  'joinPeers:after-join:vault-3', // between the last join and the peers' unseal
  'unsealPeers:after-unseal:vault-2', // one peer unsealed, the other not
];

/** `FAULTS=all` (default), `subset`, or a comma-separated list of fault point names. */
export function selectCases(spec = process.env.FAULTS ?? 'all'): FaultCase[] {
  if (spec === 'all') return [...FAULT_CASES];
  const names = spec === 'subset' ? SUBSET : spec.split(',').map((s) => s.trim());
  return names.map((name) => {
    const c = FAULT_CASES.find((x) => x.point === name);
    if (!c) {
      throw new Error(
        `FAULTS: ${JSON.stringify(name)} is ${name in UNREACHABLE ? 'not reachable in a fresh run' : 'not a fault point'}; expected all, subset or names from FAILPOINTS`,
      );
    }
    return c;
  });
}

/** The catalog is complete and consistent: checked by the fault suites before they run anything. */
export function assertCatalogComplete(): void {
  const covered = [...FAULT_CASES.map((c) => c.point), ...Object.keys(UNREACHABLE)].sort();
  assert.deepEqual(
    covered,
    [...FAILPOINTS].sort(),
    'every fault point is in the matrix or listed as unreachable',
  );
  for (const name of Object.keys(UNREACHABLE))
    assert.ok(FAILPOINTS.includes(name), `${name} is a fault point`);
  const steps = SUBSET.map(stepOf);
  assert.equal(new Set(steps).size, steps.length, 'the subset has one fault per step');
  const changing = new Set(FAULT_CASES.map((c) => c.step));
  assert.deepEqual(
    [...new Set(steps)].sort(),
    [...changing].sort(),
    'the subset covers every step with a fault point',
  );
  for (const p of SUBSET)
    assert.ok(
      FAULT_CASES.some((c) => c.point === p && c.expect === 'complete'),
      p,
    );
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The innermost ApplicationFailure of a failure chain (WorkflowFailedError -> ActivityFailure -> ...). */
export function innermostFailure(err: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) found = e;
  return found;
}

export function custodyOf(run: TestRun): { dir: string; keyFile: string; custody: FileKeyCustody } {
  const dir = join(run.dir, 'custody');
  const keyFile = join(run.dir, 'custody.key');
  return { dir, keyFile, custody: new FileKeyCustody({ dir, keyFile }) };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Every run id of the stack's bootstrap workflow, oldest first. */
export async function runIdsOf(client: Client, workflowId: string): Promise<string[]> {
  const ids: { runId: string; start: number }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
    ids.push({ runId: wf.runId, start: wf.startTime.getTime() });
  return ids.sort((a, b) => a.start - b.start).map((x) => x.runId);
}

/** The key ids the history's completed `initLeader` activities returned. */
export function initLeaderKeyIds(events: HistoryEvent[]): string[] {
  const scheduled = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '?');
    const c = e.activityTaskCompletedEventAttributes;
    if (c && scheduled.get(String(c.scheduledEventId)) === 'initLeader') {
      const data = c.result?.payloads?.[0]?.data;
      if (data) out.push((JSON.parse(Buffer.from(data).toString('utf8')) as { keyId: string }).keyId);
    }
  }
  return out;
}

/** Activity type -> the highest attempt any of its started events had. */
export function attemptsByActivity(events: HistoryEvent[]): Map<string, number> {
  const scheduled = new Map<string, string>();
  const out = new Map<string, number>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '?');
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const type = scheduled.get(String(st.scheduledEventId)) ?? '?';
      out.set(type, Math.max(out.get(type) ?? 0, st.attempt ?? 1));
    }
  }
  return out;
}

/** The current Vault containers of the stack, by slot. */
export async function containersBySlot(stack: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const lines = await dockerCli(['ps', '--format', '{{.ID}} {{.Names}}', '-f', `name=${stack}_vault.`]);
  for (const line of lines.split('\n')) {
    const m = /^(\S+) \S+_vault\.(\d+)\./.exec(line.trim());
    if (m) out.set(Number(m[2]), m[1]!);
  }
  return out;
}

/** `vault status` in every running container of the stack (exit 2 = sealed is not an error here). */
export async function vaultStatusBySlot(
  stack: string,
): Promise<Map<number, { initialized: boolean; sealed: boolean; text: string }>> {
  const out = new Map<number, { initialized: boolean; sealed: boolean; text: string }>();
  for (const [slot, ctr] of await containersBySlot(stack)) {
    const text = await dockerCli(['exec', ctr, 'vault', 'status']).catch(
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    out.set(slot, {
      initialized: /^Initialized\s+true$/m.test(text),
      sealed: !/^Sealed\s+false$/m.test(text),
      text,
    });
  }
  return out;
}

/** Waits for `check` to hold, polling; fails with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The end-state checks

/**
 * After a bootstrap completed despite a fault: Vault initialized exactly once, the key in custody is the
 * one every node was unsealed with, the seed verification holds, exactly one `<stack>_vault_unseal_key_v1`
 * is left, and no key material is in any history of the workflow or in the worker log. Counts what it finds
 * (double inits, lost keys, orphaned versions) before asserting, so the summary table is right even when a
 * case fails.
 */
export async function assertBootstrapped(
  run: TestRun,
  client: Client,
  result: BootstrapResult,
): Promise<void> {
  const { dir, keyFile, custody } = custodyOf(run);
  const workflowId = bootstrapWorkflowId(run.stack);
  const files = listDir(dir);
  const records = files.filter((f) => f.startsWith(`${run.stack}.json`));
  const conflicts = files.filter((f) => f.includes('.conflict-'));
  const held = await custody.read(run.stack).catch(() => undefined);

  const runIds = await runIdsOf(client, workflowId);
  const histories = await Promise.all(runIds.map((id) => historyOf(client, workflowId, id)));
  const historyKeyIds = histories.flatMap(initLeaderKeyIds);
  const family = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
  const names = family.map((s) => s.Spec?.Name ?? '').sort();
  const v1 = family.find((s) => s.Spec?.Name === `${run.secretBase}_v1`);
  const status = await vaultStatusBySlot(run.stack);

  const doubleInit =
    records.length !== 1 ||
    conflicts.length > 0 ||
    (held !== undefined && result.summary.keyId !== held.keyId) ||
    historyKeyIds.some((k) => k !== result.summary.keyId);
  count(
    'doubleInits',
    doubleInit ? 1 : 0,
    `${run.stack}: custody ${files.join(' ')}; history key ids ${historyKeyIds.join(' ')}`,
  );
  count('keysLost', held === undefined ? 1 : 0, `${run.stack}: the custody record cannot be read`);
  const orphans = names.filter((n) => n !== `${run.secretBase}_v1`);
  count('leaksFound', orphans.length, `${run.stack}: orphaned secrets ${orphans.join(' ')}`);

  assert.deepEqual(records, [`${run.stack}.json`], `one custody record (custody folder: ${files.join(' ')})`);
  assert.deepEqual(conflicts, [], 'no .conflict- record: sys/init answered once');
  assert.ok(held, 'the custody record decrypts');
  assert.equal(result.summary.keyId, held.keyId, 'the final result names the custody record');
  assert.ok(historyKeyIds.length >= 1, 'initLeader completed');
  for (const k of historyKeyIds) assert.equal(k, held.keyId, 'every initLeader result names the same key');
  assert.deepEqual(names, [`${run.secretBase}_v1`], 'exactly one secret version left, no orphans');
  assert.equal(v1?.Spec?.Labels?.[LABEL_KEY_ID], held.keyId, 'the mounted secret holds the custody key');

  assert.equal(status.size, 3, 'three Vault containers');
  for (const [slot, s] of status) {
    assert.ok(s.initialized && !s.sealed, `vault-${slot} is initialized and unsealed:\n${s.text}`);
  }
  const v = await seedVerification(run.stack, dir, keyFile);
  assert.equal(v.runningTasks, 3, v.servicePs);
  assert.ok(v.sealedFalse, v.vaultStatus);
  assert.equal(v.leaders, 1, v.listPeers);
  assert.equal(v.followers, 2, v.listPeers);

  const log = readFileSync(run.workerLog, 'utf8');
  const forms = [...secretForms(held.unsealKey), ...secretForms(held.rootToken)];
  for (const [i, events] of histories.entries()) {
    const text = historyText(events);
    for (const f of forms) assert.ok(!text.includes(f), `no key material in the history of run ${runIds[i]}`);
  }
  for (const f of forms) assert.ok(!log.includes(f), 'no key material in the worker log');
}

/**
 * Runs `body` on a new test stack, then removes the stack and counts whatever it left behind, whether
 * the body passed or failed (a body's own `finally` runs first, e.g. to bring a killed server back).
 */
export async function withTestRun<T>(body: (run: TestRun) => Promise<T>): Promise<T> {
  const run = new TestRun();
  try {
    return await body(run);
  } finally {
    await cleanupWithoutLeaks(run);
  }
}

/** Removes the stack (`run.cleanup()`), then checks and counts what is left of it. */
export async function cleanupWithoutLeaks(run: TestRun): Promise<void> {
  await run.cleanup();
  const left = await run.leftovers();
  const configs = await run.docker.listConfigs({
    filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
  });
  for (const c of configs) left.push(`config ${c.Spec?.Name}`);
  if (existsSync(join(run.bed.TESTBED_STACK_ROOT ?? join(REPO, '.cache', 'stacks'), run.stack)))
    left.push(`data folder of ${run.stack}`);
  count('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
  assert.deepEqual(left, [], 'the stack leaves nothing behind');
}

/**
 * The documented recovery from a key lost in the sys/init window: the cluster holds no data yet, so the
 * stack and its data are removed (the placeholder secret may stay) and the bootstrap runs again.
 */
export async function removeStackAndData(run: TestRun): Promise<void> {
  await dockerCli(['stack', 'rm', run.stack]);
  await eventually(`the containers of ${run.stack} to be gone`, 120_000, async () => {
    const left = await run.docker.listContainers({
      all: true,
      filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
    });
    return left.length === 0 ? true : undefined;
  });
  rmSync(join(run.bed.TESTBED_STACK_ROOT ?? join(REPO, '.cache', 'stacks'), run.stack), {
    recursive: true,
    force: true,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Waiting for a worker to die at its fault point, or to pause at one

type FirstEvent =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'closed'; how: string }
  | { kind: 'timeout' };

function exitOf(worker: ChildProcess): Promise<FirstEvent> {
  if (worker.exitCode !== null || worker.signalCode !== null)
    return Promise.resolve({ kind: 'exit', code: worker.exitCode, signal: worker.signalCode });
  return new Promise((r) => worker.once('exit', (code, signal) => r({ kind: 'exit', code, signal })));
}

function closeOf(handle: WorkflowHandle): Promise<FirstEvent> {
  return handle.result().then(
    () => ({ kind: 'closed', how: 'completed' }),
    (err: unknown) => ({ kind: 'closed', how: `failed (${String(innermostFailure(err)?.type ?? err)})` }),
  );
}

async function raceWithDeadline(ms: number, ...events: Promise<FirstEvent>[]): Promise<FirstEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<FirstEvent>((r) => (timer = setTimeout(() => r({ kind: 'timeout' }), ms)));
  try {
    return await Promise.race([...events, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a fault point may take to be reached in a fresh run (a whole bootstrap is about a minute). */
const REACH_DEADLINE_MS = 8 * 60_000;

/** Waits for the worker to die by SIGKILL at `point`; fails the case if the run ended or stalled first. */
export async function expectCrashAt(
  run: TestRun,
  worker: ChildProcess,
  handle: WorkflowHandle,
  point: string,
): Promise<void> {
  const first = await raceWithDeadline(REACH_DEADLINE_MS, exitOf(worker), closeOf(handle));
  if (first.kind === 'closed') {
    assert.fail(
      `fault point ${point} was not reached: the workflow ${first.how} while the worker with the fault point was alive`,
    );
  }
  if (first.kind === 'timeout')
    assert.fail(`fault point ${point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
  assert.equal(
    first.kind === 'exit' ? first.signal : undefined,
    'SIGKILL',
    `the worker died by SIGKILL at ${point}`,
  );
  assert.ok(
    readFileSync(run.workerLog, 'utf8').includes(`failpoint ${point}: SIGKILL`),
    `the worker log names the fault point ${point}`,
  );
  count('faultsInjected');
}

/** A `pause:<file>` fault point: the activity blocks there until `release()`. */
export class PausePoint {
  readonly file: string;

  constructor(
    run: TestRun,
    readonly point: string,
  ) {
    this.file = join(run.dir, `pause-${point.replace(/[^a-zA-Z0-9-]/g, '_')}`);
  }

  /** The worker environment that enables it. */
  get env(): Record<string, string> {
    return { VAULT_BOOTSTRAP_FAILPOINTS: `${this.point}=pause:${this.file}` };
  }

  /** Resolves once the activity is paused at the point; fails if the worker died or the run ended first. */
  async reached(worker: ChildProcess, handle: WorkflowHandle): Promise<void> {
    let closed: string | undefined;
    void closeOf(handle).then((e) => (closed = e.kind === 'closed' ? e.how : e.kind));
    const until = Date.now() + REACH_DEADLINE_MS;
    while (!existsSync(`${this.file}.reached`)) {
      if (worker.exitCode !== null || worker.signalCode !== null)
        assert.fail(
          `fault point ${this.point} was not reached: the worker exited (${worker.exitCode ?? worker.signalCode})`,
        );
      if (closed !== undefined)
        assert.fail(`fault point ${this.point} was not reached: the workflow ${closed}`);
      if (Date.now() > until)
        assert.fail(`fault point ${this.point} was not reached within ${REACH_DEADLINE_MS / 60_000} min`);
      await sleep(200);
    }
  }

  release(): void {
    writeFileSync(this.file, 'go\n');
  }
}

// ---------------------------------------------------------------------------------------------------------
// The crash case

/** Runs one crash case end to end; see the file comment. */
export async function runCrashCase(c: FaultCase, client: Client): Promise<void> {
  await withTestRun(async (run) => {
    const worker = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: c.point });
    const start = await run.client(['bootstrap']);
    assert.equal(start.code, 0, start.out);
    const handle = client.workflow.getHandle(bootstrapWorkflowId(run.stack));
    await expectCrashAt(run, worker, handle, c.point);

    run.startWorker();
    if (c.expect === 'UnsealKeyUnavailable') {
      await assertWindowOutcome(run, handle);
      // The documented recovery: the cluster holds no data yet; remove the stack and its data, run again.
      await removeStackAndData(run);
      const again = await run.client(['bootstrap', '--wait']);
      assert.equal(again.code, 0, again.out);
    }
    const result = (await handle.result()) as BootstrapResult;
    count('runsCompleted');

    const events = await historyOf(client, handle.workflowId);
    const attempts = attemptsByActivity(events);
    const at = BOOTSTRAP_STEPS.indexOf(c.step);
    if (c.expect === 'complete') {
      assert.ok((attempts.get(c.step) ?? 0) >= 2, `${c.step} was retried after the crash`);
      for (const step of BOOTSTRAP_STEPS.slice(0, at))
        assert.equal(attempts.get(step), 1, `${step} completed before the crash and never ran again`);
    }
    await assertBootstrapped(run, client, result);
  });
}

/**
 * The crash fell between `sys/init` answering and the record reaching disk: the key is gone with the
 * process. The next attempt must fail by name and touch nothing: no record, no key secret, vault-1
 * initialized and sealed, the peers untouched.
 */
async function assertWindowOutcome(run: TestRun, handle: WorkflowHandle): Promise<void> {
  let failure: ApplicationFailure | undefined;
  await assert.rejects(handle.result(), (err: unknown) => {
    failure = innermostFailure(err);
    return true;
  });
  count('namedFailures');
  assert.equal(failure?.type, 'UnsealKeyUnavailable', String(failure));
  assert.equal(failure?.nonRetryable, true);
  assert.match(failure?.message ?? '', /Nothing was changed/);
  count('keysLostInWindow', 1);

  const { dir } = custodyOf(run);
  assert.deepEqual(
    listDir(dir).filter((f) => f.startsWith(run.stack)),
    [],
    'no custody record was written',
  );
  const family = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
  assert.deepEqual(
    family.map((s) => s.Spec?.Name),
    [run.secretBase],
    'only the placeholder secret: nothing was rotated',
  );
  const status = await vaultStatusBySlot(run.stack);
  assert.ok(
    status.get(1)?.initialized && status.get(1)?.sealed,
    `vault-1 initialized and sealed: ${status.get(1)?.text}`,
  );
  for (const slot of [2, 3]) assert.equal(status.get(slot)?.initialized, false, `vault-${slot} untouched`);
}
