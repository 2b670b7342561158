/**
 * Faults of the real Temporal engine (issue 26), on the test bed's cluster (PostgreSQL, mTLS, the project's
 * authorizer; `npm run testbed -- up --temporal cluster`), at moments drawn from a seed (printed; replay with
 * VBT_ENGINE_SEED=<seed>):
 * - the Temporal server SIGKILLed mid-bootstrap and started again;
 * - PostgreSQL restarted mid-bootstrap (immediate shutdown: crash recovery at start);
 * - the server down for two minutes while the health schedule is due: the schedule catches up as configured
 *   (one run for the due time inside its one-minute catch-up window, none for the older one).
 * Each bootstrap completes with every step once and the end state every fault case reaches
 * (`assertBootstrapped`): one init, the key in custody, the seed verification. Also here, for its minute of
 * the SDK's poll retries: a worker whose role may not poll stops with exit 2, named.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import { bootstrapWorkflowId, healthWorkflowIds } from '../../src/shared/workflow-ids';
import type { BootstrapResult } from '../../src/shared/types';
import { activitiesOf, activityCounts, historyOf } from '../support/history';
import { clusterBed, clusterConnection, clusterEnv } from '../support/temporal-cluster';
import type { ClusterBed } from '../support/temporal-cluster';
import { spawnWorker, TestRun } from '../support/testbed';
import { sleep } from '../support/wait';
import { assertBootstrapped, cleanupWithoutLeaks } from './end-state';
import { mulberry32 } from './soak-plan';

const run = promisify(execFile);
const SEED = Number(process.env.VBT_ENGINE_SEED ?? randomInt(1, 2 ** 31));

/** The fault moments of one seed are the same on every replay. */
const draw = mulberry32(SEED);
/** A moment in [lo, hi) seconds, from the seed. */
const momentS = (lo: number, hi: number) => lo + Math.floor(draw() * (hi - lo) * 10) / 10;

async function engine(bed: ClusterBed, ...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [bed.script, ...args], { env: process.env, maxBuffer: 1 << 20 });
  return stdout.trim();
}

/** Waits until the server answers again (the operator's own call), returns the seconds it took. */
async function untilServing(bed: ClusterBed, sinceMs: number): Promise<number> {
  for (;;) {
    const conn = await clusterConnection(bed, 'operator', 3000).catch(() => undefined);
    if (conn) {
      const ok = await conn.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      );
      await conn.close();
      if (ok) return (Date.now() - sinceMs) / 1000;
    }
    await sleep(500);
  }
}

describe(`the Temporal engine's faults (seed ${SEED}; replay: VBT_ENGINE_SEED=${SEED})`, () => {
  let bed: ClusterBed;
  let operator: Connection;
  let client: Client;

  before(async () => {
    bed = clusterBed();
    operator = await clusterConnection(bed, 'operator');
    client = new Client({ connection: operator });
  });
  after(async () => {
    // Whatever a case did to the engine, it is left serving.
    await engine(bed, 'server', 'start').catch(() => undefined);
    await operator?.close();
  });

  for (const fault of ['server SIGKILL', 'PostgreSQL restart'] as const) {
    it(`${fault} mid-bootstrap: the bootstrap completes, every step once, one init`, async () => {
      const tr = new TestRun({ temporal: 'cluster' });
      try {
        tr.startWorker();
        const started = Date.now();
        const start = await tr.client(['bootstrap']);
        assert.equal(start.code, 0, start.out);
        const at = momentS(2, 25);
        await sleep(at * 1000);
        const handle = client.workflow.getHandle(bootstrapWorkflowId(tr.stack));
        const before = activitiesOf(await historyOf(client, handle.workflowId))
          .filter((a) => a.completedAt !== undefined)
          .map((a) => a.type);
        const faultAt = Date.now();
        if (fault === 'server SIGKILL') {
          console.log(await engine(bed, 'server', 'kill'));
          await sleep(3000);
          console.log(await engine(bed, 'server', 'start'));
        } else {
          console.log(await engine(bed, 'pg', 'restart'));
        }
        const back = await untilServing(bed, faultAt);
        const result = (await handle.result()) as BootstrapResult;
        const total = (Date.now() - started) / 1000;
        console.log(
          `${fault} at ${at}s (after ${before.join(', ') || 'no step'}): serving again ${back.toFixed(1)}s after the fault, ` +
            `bootstrap verified ${total.toFixed(1)}s after it started`,
        );
        const events = await historyOf(client, handle.workflowId);
        for (const [type, c] of activityCounts(events))
          assert.deepEqual(c, { scheduled: 1, completed: 1 }, `${type} once`);
        await assertBootstrapped(tr, client, result);
      } finally {
        await cleanupWithoutLeaks(tr);
      }
    });
  }

  it('the server down two minutes while the health schedule is due: it catches up one run, as configured', async () => {
    const tr = new TestRun({ temporal: 'cluster' });
    try {
      tr.startWorker();
      const boot = await tr.client(['bootstrap', '--wait']);
      assert.equal(boot.code, 0, boot.out);
      const env = { VAULT_HEALTH_INTERVAL: '1m', VAULT_HEALTH_JITTER: '1s' };
      const created = await tr.client(['schedule', 'create'], env);
      assert.equal(created.code, 0, created.out);
      const schedule = client.schedule.getHandle(healthWorkflowIds(tr.stack).schedule);
      // A 1-minute interval is due on every whole minute. Down `d` seconds past one (d from the seed, 5 to
      // 20) for 120 s: two due times pass; at the restart the later is d+1 s old, inside the 1-minute
      // catch-up window (run, late), the earlier d+61 s old, outside it (skipped).
      const d = momentS(5, 20);
      await sleep(60_000 - (Date.now() % 60_000) + d * 1000);
      const down = Date.now();
      console.log(await engine(bed, 'server', 'stop'));
      await sleep(120_000);
      console.log(await engine(bed, 'server', 'start'));
      const up = Date.now();
      await untilServing(bed, up);
      // The due times inside the outage: the catch-up window (1 minute) lets the latest run, late.
      let caughtUp: { scheduledAt: Date; takenAt: Date } | undefined;
      const deadline = Date.now() + 90_000;
      while (caughtUp === undefined && Date.now() < deadline) {
        const actions = (await schedule.describe()).info.recentActions;
        const late = actions.find((a) => a.scheduledAt.getTime() > down && a.takenAt.getTime() >= up - 1000);
        if (late) caughtUp = { scheduledAt: late.scheduledAt, takenAt: late.takenAt };
        else await sleep(2000);
      }
      assert.ok(caughtUp, 'a run for a time due during the outage was taken after it');
      const lateBy = (caughtUp.takenAt.getTime() - caughtUp.scheduledAt.getTime()) / 1000;
      const dueInOutage = (await schedule.describe()).info.recentActions.filter(
        (a) => a.scheduledAt.getTime() > down && a.scheduledAt.getTime() < up,
      );
      console.log(
        `outage ${((up - down) / 1000).toFixed(0)}s from ${d}s past a due time: caught up the run due ${caughtUp.scheduledAt.toISOString()} ` +
          `${lateBy.toFixed(1)}s late; runs for times due in the outage: ${dueInOutage.length}`,
      );
      assert.ok(lateBy >= 5, `taken late (catch-up), not on time: ${lateBy}s`);
      assert.equal(dueInOutage.length, 1, 'only the due time inside the 1-minute catch-up window is run');
    } finally {
      await tr.client(['schedule', 'delete', '--yes']).catch(() => undefined);
      await cleanupWithoutLeaks(tr);
    }
  });

  it('a worker whose role may not poll (viewer) stops with exit 2, named', async () => {
    const tr = new TestRun({ temporal: 'cluster' });
    try {
      const log = join(tr.dir, 'viewer-worker.log');
      const child = spawnWorker(tr.env(clusterEnv(bed, 'viewer')), log);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      const text = readFileSync(log, 'utf8');
      assert.equal(code, 2, text.slice(-3000));
      assert.match(text, /Temporal refused the call: .*role viewer may not call Poll.*viewer\.pem/);
    } finally {
      await tr.cleanup();
    }
  });
});
