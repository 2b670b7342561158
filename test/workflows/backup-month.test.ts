/**
 * A month of hourly backups on the time-skipping test server (issue 11): the real `BackupVault` runs every
 * simulated hour for 31 days against the real backup activities (a fake Vault and Swarm, a real temporary
 * `VAULT_BACKUP_DIR`), so every snapshot is really written and really pruned. At the end the folder holds
 * exactly what the retention rule promises with the default counts (24 hourly, 7 daily, 4 weekly), worked out
 * here from the times taken, and the snapshot each run wrote survived that run.
 *
 * Time. The activities' clock is the test server's: an attempt's scheduled time, which the server stamps from
 * its own (skipped) clock, so each snapshot is named by the simulated hour it was taken in. The runs are awaited
 * through a plain client, not the environment's time-skipping one: that one unlocks time skipping while it waits
 * for a result, and this test server then jumps to a timer the finished workflow leaves behind (its execution
 * timeout, 10 years by default), one jump per run. Locked, the server's time moves only with the wall clock and
 * the `env.sleep` between runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import type { KeepReason } from '../../src/backup/retention';
import type { Clock } from '../../src/ports';
import { BackupVault } from '../../src/workflows';
import type { BackupResult } from '../../src/workflows/backup-vault';
import { fakeWorld } from '../support/fakes';
import type { FakeClock } from '../support/fakes';
import { timeSkippingEnv } from '../support/time-skipping';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const DAYS = 31;
/** The retention counts the worker defaults to (`VAULT_BACKUP_KEEP_HOURLY|DAILY|WEEKLY`). */
const KEEP = { hourly: 24, daily: 7, weekly: 4 };

/**
 * The test server's time for the activities: `now()` is when the current attempt was scheduled, as the server's
 * own clock said (it moves with the skipped time, which `Date.now()` does not). `sleep` is the world's fake
 * clock's, which never waits (no backup activity sleeps; the bootstrap that sets the world up does).
 */
function serverClock(fake: FakeClock): Clock {
  return {
    now: () => Context.current().info.currentAttemptScheduledTimestampMs,
    sleep: (ms, signal) => fake.sleep(ms, signal),
  };
}

/** The first Monday 00:30 UTC after `t`: a month started there lands every snapshot mid-hour, on known weekdays. */
function nextMondayHalfPast(t: number): number {
  const midnight = Math.floor(t / DAY_MS) * DAY_MS;
  const daysToMonday = (8 - new Date(midnight).getUTCDay()) % 7 || 7;
  return midnight + daysToMonday * DAY_MS + HOUR_MS / 2;
}

type Window = 'hourly' | 'daily' | 'weekly';

/** A window's length: a UTC hour, a UTC day, an ISO week (Monday to Sunday; UTC has no daylight saving). */
const WINDOW_MS: Record<Window, number> = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS };

/** Where the window of kind `w` that `t` falls in starts. */
function windowStart(w: Window, t: number): number {
  if (w === 'hourly') return Math.floor(t / HOUR_MS) * HOUR_MS;
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  if (w === 'daily') return day;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS; // back to the week's Monday
}

/**
 * What retention must keep of snapshots taken at `times`, from the rule itself: the newest snapshot; and, for
 * each of the last `count` hours, days and ISO weeks (counted back from the newest snapshot's), the newest
 * snapshot taken in it. Newest first, each with its reasons in the order the activity gives them. Backups ran
 * every hour, so every one of those windows must have one.
 */
function expectedKept(times: readonly number[]): { at: number; reasons: KeepReason[] }[] {
  const newest = Math.max(...times);
  const reasons = new Map<number, KeepReason[]>([[newest, ['newest']]]);
  for (const reason of ['hourly', 'daily', 'weekly'] as const) {
    const last = windowStart(reason, newest);
    for (let i = 0; i < KEEP[reason]; i++) {
      const from = last - i * WINDOW_MS[reason];
      const inside = times.filter((t) => t >= from && t < from + WINDOW_MS[reason]);
      assert.ok(
        inside.length > 0,
        `no snapshot in the ${reason} window from ${new Date(from).toISOString()}`,
      );
      const pick = Math.max(...inside);
      reasons.set(pick, [...(reasons.get(pick) ?? []), reason]);
    }
  }
  return [...reasons.entries()].sort(([a], [b]) => b - a).map(([at, why]) => ({ at, reasons: why }));
}

void describe('BackupVault hourly for a month on the time-skipping test server, real backup activities', () => {
  const testEnv = timeSkippingEnv();

  void it('keeps exactly the newest per hour, day and ISO week that retention promises, and never the just written one pruned', async () => {
    const world = fakeWorld();
    await world.bootstrapThrough('revokeRootToken');
    const folder = join(world.deps.config.backup.dir, world.stack);
    assert.deepEqual(world.deps.config.backup.keep, KEEP, 'the defaults');
    const activities = createActivities({ ...world.deps, clock: serverClock(world.clock) });
    const { env } = testEnv();
    // Not `testEnv().client`: its result() would let the server jump ten years per run (the file's comment).
    const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    const skipTo = async (t: number) => {
      const now = await env.currentTimeMs();
      assert.ok(now <= t, `a run overran its hour: the server is at ${new Date(now).toISOString()}`);
      if (t > now) await env.sleep(t - now);
    };
    try {
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const start = nextMondayHalfPast(await env.currentTimeMs());
        const taken: { at: number; file: string }[] = [];
        let pruned = 0;
        let last: BackupResult | undefined;
        for (let k = 0; k < DAYS * 24; k++) {
          // From the start, not from the previous run: the wall time each run takes does not add up.
          await skipTo(start + k * HOUR_MS);
          const before = await env.currentTimeMs();
          last = await client.workflow.execute(BackupVault, {
            taskQueue,
            workflowId: `wf-test-backup-month-${id}-${k}`,
            args: [{ stack: world.stack }],
          });
          const { file, takenAt } = last.manifest;
          const at = Date.parse(takenAt);
          assert.ok(
            at >= before && at <= (await env.currentTimeMs()),
            `run ${k}: ${takenAt} is the test server's time, not the wall clock's`,
          );
          assert.ok(existsSync(join(folder, file)), `run ${k}: ${file}, just written, was pruned`);
          assert.ok(
            existsSync(join(folder, `${file}.manifest.json`)),
            `run ${k}: ${file}'s manifest was pruned`,
          );
          assert.equal(
            last.retention.kept[0]?.file,
            file,
            `run ${k}: the newest kept is the one just written`,
          );
          assert.ok(last.retention.kept[0]?.reasons.includes('newest'));
          taken.push({ at, file });
          pruned += last.retention.pruned.length;
        }
        assert.ok(last);

        const fileAt = new Map(taken.map((s) => [s.at, s.file]));
        const expected = expectedKept(taken.map((s) => s.at)).map((e) => ({
          file: fileAt.get(e.at)!,
          reasons: e.reasons,
        }));
        assert.deepEqual(last.retention.kept, expected, 'the last run kept what the rule says, newest first');
        // From a Monday 00:30 to the Wednesday 23:30 of the fifth week: that Wednesday's 24 hours (its last also
        // newest, daily and weekly), the 6 days before it, and the Sundays 23:30 ending the 2 weeks before those.
        assert.equal(expected.length, 24 + 6 + 2);
        assert.equal(pruned, taken.length - expected.length, 'every other snapshot was pruned once');
        assert.deepEqual(
          readdirSync(folder).sort(),
          expected.flatMap((e) => [e.file, `${e.file}.manifest.json`]).sort(),
          'on disk: the kept snapshots and their manifests, and nothing else (no partial file, no orphan)',
        );
        const stored = await world.deps.snapshots.of(world.stack).list();
        assert.ok(
          stored.every((s) => s.good),
          'every kept snapshot matches its manifest',
        );

        console.log(`kept ${expected.length} of ${taken.length} hourly snapshots (${DAYS} days):`);
        for (const k of last.retention.kept) console.log(`  ${k.file}  ${k.reasons.join(', ')}`);
      });
    } finally {
      rmSync(world.deps.config.backup.dir, { recursive: true, force: true });
      rmSync(world.deps.config.vault.certDir, { recursive: true, force: true });
    }
  });
});
