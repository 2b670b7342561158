/** Which snapshots retention keeps: the newest per hour, day and ISO week, the newest good one always. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoWeekKey, planRetention } from '../../src/backup/retention';
import type { SnapshotEntry } from '../../src/backup/retention';

const at = (iso: string, good = true): SnapshotEntry => ({ name: `s-${iso}`, takenAt: new Date(iso), good });
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

describe('ISO weeks', () => {
  it('follow ISO 8601 across year ends (Monday starts a week; the first Thursday is in week 1)', () => {
    assert.equal(isoWeekKey(new Date('2026-11-30T12:00:00Z')), '2026-W49'); // a Monday
    assert.equal(isoWeekKey(new Date('2026-11-29T23:59:59Z')), '2026-W48'); // the Sunday before
    assert.equal(isoWeekKey(new Date('2021-01-03T00:00:00Z')), '2020-W53'); // Sunday: still 2020's last week
    assert.equal(isoWeekKey(new Date('2024-12-30T00:00:00Z')), '2025-W01'); // Monday: already 2025's first
    assert.equal(isoWeekKey(new Date('2026-01-01T00:00:00Z')), '2026-W01'); // a Thursday
  });
});

describe('planRetention', () => {
  it('keeps the newest snapshot of each of the last N hours, days and weeks, and prunes the rest', () => {
    // Every 30 minutes for 3 days, ending Monday 2026-11-30 11:30.
    const entries: SnapshotEntry[] = [];
    for (let t = Date.parse('2026-11-27T12:00:00Z'); t <= Date.parse('2026-11-30T11:30:00Z'); t += 1_800_000)
      entries.push(at(new Date(t).toISOString()));
    const plan = planRetention(entries, { hourly: 3, daily: 2, weekly: 2 });
    assert.deepEqual(names(plan.keep.map((k) => k.entry)), [
      's-2026-11-30T11:30:00.000Z', // newest, hourly, daily, weekly (W49)
      's-2026-11-30T10:30:00.000Z', // hourly
      's-2026-11-30T09:30:00.000Z', // hourly
      's-2026-11-29T23:30:00.000Z', // daily (Sunday), weekly (W48)
    ]);
    assert.deepEqual(plan.keep[0]?.reasons, ['newest', 'hourly', 'daily', 'weekly']);
    assert.deepEqual(plan.keep[3]?.reasons, ['daily', 'weekly']);
    assert.equal(plan.prune.length, entries.length - 4);
  });

  it('never prunes the newest good snapshot, even with a policy of zeros', () => {
    const plan = planRetention([at('2026-11-30T10:00:00Z'), at('2026-11-30T11:00:00Z')], {
      hourly: 0,
      daily: 0,
      weekly: 0,
    });
    assert.deepEqual(names(plan.keep.map((k) => k.entry)), ['s-2026-11-30T11:00:00Z']);
    assert.deepEqual(names(plan.prune), ['s-2026-11-30T10:00:00Z']);
  });

  it('a bad snapshot fills no bucket: newer than the newest good one it is kept (to look at), older it is pruned', () => {
    const plan = planRetention(
      [at('2026-11-30T09:00:00Z', false), at('2026-11-30T10:00:00Z'), at('2026-11-30T11:00:00Z', false)],
      { hourly: 24, daily: 7, weekly: 4 },
    );
    assert.deepEqual(
      plan.keep.map((k) => [k.entry.name, k.reasons.join('+')]),
      [
        ['s-2026-11-30T11:00:00Z', 'newer than the newest good one'],
        ['s-2026-11-30T10:00:00Z', 'newest+hourly+daily+weekly'],
      ],
    );
    assert.deepEqual(names(plan.prune), ['s-2026-11-30T09:00:00Z']);
  });

  it('refuses a policy that is not whole numbers of 0 or more', () => {
    assert.throws(() => planRetention([], { hourly: -1, daily: 7, weekly: 4 }), /retention hourly/);
    assert.throws(() => planRetention([], { hourly: 24, daily: 1.5, weekly: 4 }), /retention daily/);
  });
});
