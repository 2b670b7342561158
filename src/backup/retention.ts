/**
 * Which Raft snapshots of a stack to keep (issue 11): the newest one in each of the last `hourly` hours,
 * `daily` days and `weekly` ISO weeks that have one (UTC), and always the newest good one. A snapshot is kept
 * for every reason that applies, and pruned only when none does.
 *
 * Pure: the backup activity lists the folder, asks this module, and deletes what it says. Only snapshots
 * whose manifest checks out (`good`) fill the buckets; a bad one older than the newest good one is pruned, and
 * one newer is kept for an operator to look at (it is what the last backup left, and never counts as a
 * backup).
 */
import type { StoredSnapshot } from '../ports/snapshots';

export interface RetentionPolicy {
  hourly: number;
  daily: number;
  weekly: number;
}

export interface SnapshotEntry {
  /** The snapshot's file name: what is deleted. */
  name: string;
  takenAt: Date;
  /** Complete, with a manifest whose size and sha256 match the file. */
  good: boolean;
}

export type KeepReason = 'newest' | 'hourly' | 'daily' | 'weekly' | 'newer than the newest good one';

export interface RetentionPlan {
  /** Newest first, each with why it is kept. */
  keep: { entry: SnapshotEntry; reasons: KeepReason[] }[];
  /** Newest first. */
  prune: SnapshotEntry[];
}

const HOUR_MS = 3_600_000;

/** `2026-11-30T12`: the UTC hour a snapshot was taken in. */
function hourKey(t: Date): string {
  return t.toISOString().slice(0, 13);
}

/** `2026-11-30`: the UTC day. */
function dayKey(t: Date): string {
  return t.toISOString().slice(0, 10);
}

const DAY_MS = 24 * HOUR_MS;

/** The Thursday (UTC midnight) of the ISO week `t` is in: it decides the week's year. */
function thursdayOf(t: Date): Date {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(day + (3 - weekday) * DAY_MS);
}

/** `2026-W48`: the ISO 8601 week (Monday to Sunday; week 1 holds the year's first Thursday), UTC. */
export function isoWeekKey(t: Date): string {
  const thursday = thursdayOf(t);
  const year = thursday.getUTCFullYear();
  const week1 = thursdayOf(new Date(Date.UTC(year, 0, 4))); // 4 January is always in week 1
  const week = 1 + Math.round((thursday.getTime() - week1.getTime()) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The newest good snapshot of each of the first `count` buckets (newest first) that have one. */
function newestPerBucket(good: SnapshotEntry[], count: number, key: (t: Date) => string): SnapshotEntry[] {
  const picked: SnapshotEntry[] = [];
  const seen = new Set<string>();
  for (const entry of good) {
    if (picked.length >= count) break;
    const k = key(entry.takenAt);
    if (seen.has(k)) continue;
    seen.add(k);
    picked.push(entry);
  }
  return picked;
}

/** Rejects a policy that would keep nothing or is not whole numbers: a typo must not prune every backup. */
export function validateRetention(policy: RetentionPolicy): RetentionPolicy {
  for (const [name, n] of Object.entries(policy)) {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`retention ${name}: a whole number of 0 or more, got ${n}`);
  }
  return policy;
}

export function planRetention(entries: readonly SnapshotEntry[], policy: RetentionPolicy): RetentionPlan {
  validateRetention(policy);
  const newestFirst = [...entries].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const good = newestFirst.filter((e) => e.good);
  const reasons = new Map<SnapshotEntry, KeepReason[]>();
  const keep = (entry: SnapshotEntry, reason: KeepReason) =>
    reasons.set(entry, [...(reasons.get(entry) ?? []), reason]);
  const newestGood = good[0];
  if (newestGood) keep(newestGood, 'newest');
  for (const e of newestPerBucket(good, policy.hourly, hourKey)) keep(e, 'hourly');
  for (const e of newestPerBucket(good, policy.daily, dayKey)) keep(e, 'daily');
  for (const e of newestPerBucket(good, policy.weekly, isoWeekKey)) keep(e, 'weekly');
  for (const e of newestFirst) {
    if (!e.good && (!newestGood || e.takenAt > newestGood.takenAt)) keep(e, 'newer than the newest good one');
  }
  return {
    keep: newestFirst.filter((e) => reasons.has(e)).map((entry) => ({ entry, reasons: reasons.get(entry)! })),
    prune: newestFirst.filter((e) => !reasons.has(e)),
  };
}

/** The retention view of a folder's snapshots: name, time and whether each counts as a backup. */
export function retentionEntries(stored: readonly StoredSnapshot[]): SnapshotEntry[] {
  return stored.map((s) => ({
    name: s.manifest.file,
    takenAt: new Date(s.manifest.takenAt),
    good: s.good,
  }));
}
