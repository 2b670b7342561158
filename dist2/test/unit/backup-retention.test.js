"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Which snapshots retention keeps: the newest per hour, day and ISO week, the newest good one always. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const retention_1 = require("../../src/backup/retention");
const at = (iso, good = true) => ({ name: `s-${iso}`, takenAt: new Date(iso), good });
const names = (xs) => xs.map((x) => x.name);
(0, node_test_1.describe)('ISO weeks', () => {
    (0, node_test_1.it)('follow ISO 8601 across year ends (Monday starts a week; the first Thursday is in week 1)', () => {
        strict_1.default.equal((0, retention_1.isoWeekKey)(new Date('2026-11-30T12:00:00Z')), '2026-W49'); // a Monday
        strict_1.default.equal((0, retention_1.isoWeekKey)(new Date('2026-11-29T23:59:59Z')), '2026-W48'); // the Sunday before
        strict_1.default.equal((0, retention_1.isoWeekKey)(new Date('2021-01-03T00:00:00Z')), '2020-W53'); // Sunday: still 2020's last week
        strict_1.default.equal((0, retention_1.isoWeekKey)(new Date('2024-12-30T00:00:00Z')), '2025-W01'); // Monday: already 2025's first
        strict_1.default.equal((0, retention_1.isoWeekKey)(new Date('2026-01-01T00:00:00Z')), '2026-W01'); // a Thursday
    });
});
(0, node_test_1.describe)('planRetention', () => {
    (0, node_test_1.it)('keeps the newest snapshot of each of the last N hours, days and weeks, and prunes the rest', () => {
        // Every 30 minutes for 3 days, ending Monday 2026-11-30 11:30.
        const entries = [];
        for (let t = Date.parse('2026-11-27T12:00:00Z'); t <= Date.parse('2026-11-30T11:30:00Z'); t += 1_800_000)
            entries.push(at(new Date(t).toISOString()));
        const plan = (0, retention_1.planRetention)(entries, { hourly: 3, daily: 2, weekly: 2 });
        strict_1.default.deepEqual(names(plan.keep.map((k) => k.entry)), [
            's-2026-11-30T11:30:00.000Z', // newest, hourly, daily, weekly (W49)
            's-2026-11-30T10:30:00.000Z', // hourly
            's-2026-11-30T09:30:00.000Z', // hourly
            's-2026-11-29T23:30:00.000Z', // daily (Sunday), weekly (W48)
        ]);
        strict_1.default.deepEqual(plan.keep[0]?.reasons, ['newest', 'hourly', 'daily', 'weekly']);
        strict_1.default.deepEqual(plan.keep[3]?.reasons, ['daily', 'weekly']);
        strict_1.default.equal(plan.prune.length, entries.length - 4);
    });
    (0, node_test_1.it)('never prunes the newest good snapshot, even with a policy of zeros', () => {
        const plan = (0, retention_1.planRetention)([at('2026-11-30T10:00:00Z'), at('2026-11-30T11:00:00Z')], {
            hourly: 0,
            daily: 0,
            weekly: 0,
        });
        strict_1.default.deepEqual(names(plan.keep.map((k) => k.entry)), ['s-2026-11-30T11:00:00Z']);
        strict_1.default.deepEqual(names(plan.prune), ['s-2026-11-30T10:00:00Z']);
    });
    (0, node_test_1.it)('a bad snapshot fills no bucket: newer than the newest good one it is kept (to look at), older it is pruned', () => {
        const plan = (0, retention_1.planRetention)([at('2026-11-30T09:00:00Z', false), at('2026-11-30T10:00:00Z'), at('2026-11-30T11:00:00Z', false)], { hourly: 24, daily: 7, weekly: 4 });
        strict_1.default.deepEqual(plan.keep.map((k) => [k.entry.name, k.reasons.join('+')]), [
            ['s-2026-11-30T11:00:00Z', 'newer than the newest good one'],
            ['s-2026-11-30T10:00:00Z', 'newest+hourly+daily+weekly'],
        ]);
        strict_1.default.deepEqual(names(plan.prune), ['s-2026-11-30T09:00:00Z']);
    });
    (0, node_test_1.it)('refuses a policy that is not whole numbers of 0 or more', () => {
        strict_1.default.throws(() => (0, retention_1.planRetention)([], { hourly: -1, daily: 7, weekly: 4 }), /retention hourly/);
        strict_1.default.throws(() => (0, retention_1.planRetention)([], { hourly: 24, daily: 1.5, weekly: 4 }), /retention daily/);
    });
});
//# sourceMappingURL=backup-retention.test.js.map