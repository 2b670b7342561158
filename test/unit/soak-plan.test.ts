/**
 * The random-crash soak's plans (test/faults/soak-plan.ts) replay: a run's faults depend on (seed, run
 * index, nodes) alone, so `SOAK_SEED=… SOAK_RUNS=1 SOAK_FROM=<index>` reproduces one run of a longer soak;
 * draws stay within their bounds, and the settings refuse what they cannot replay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describePlan,
  drawPlan,
  mulberry32,
  PLAN_BOUNDS,
  replayCommand,
  runSeed,
  soakSettings,
} from '../faults/soak-plan';

describe('soak plans', () => {
  it('mulberry32 gives the stream of the reference implementation (bryc, seed 1)', () => {
    const rng = mulberry32(1);
    const first = [rng(), rng(), rng()].map((x) => Math.floor(x * 2 ** 32));
    assert.deepEqual(first, [2693262067, 11749833, 2265367787]);
  });

  it('a run replays alone: the plan of run 7 is the same whichever runs came before', () => {
    const inSoak = Array.from({ length: 10 }, (_, i) => drawPlan(1234, i + 1, 1))[6];
    assert.deepEqual(drawPlan(1234, 7, 1), inSoak);
    assert.notDeepEqual(drawPlan(1234, 7, 1), drawPlan(1234, 8, 1));
    assert.notDeepEqual(drawPlan(1234, 7, 1), drawPlan(1235, 7, 1));
    assert.notEqual(runSeed(1, 2), runSeed(2, 1));
  });

  it('draws stay within their bounds; node faults only on three nodes', () => {
    const kinds = new Set<string>();
    for (let i = 1; i <= 500; i++) {
      for (const nodes of [1, 3] as const) {
        const plan = drawPlan(99, i, nodes);
        assert.ok(plan.faults.length >= PLAN_BOUNDS.faults[0] && plan.faults.length <= PLAN_BOUNDS.faults[1]);
        if (plan.initJob) {
          const ms = plan.initJob.afterStartMs;
          assert.ok(ms >= PLAN_BOUNDS.initJobMs[0] && ms <= PLAN_BOUNDS.initJobMs[1]);
          kinds.add(`${nodes}:initJob`);
        }
        let at = 0;
        for (const [n, f] of plan.faults.entries()) {
          const gap = f.atMs - at;
          const [lo, hi] =
            n === 0 && plan.anchor === 'initLeader' ? PLAN_BOUNDS.initLeadMs : PLAN_BOUNDS.delayMs;
          assert.ok(gap >= lo && gap <= hi, `gap ${gap} (${plan.anchor})`);
          at = f.atMs;
          assert.ok(f.slot >= 1 && f.slot <= 3);
          if (nodes === 1) assert.notEqual(f.kind, 'node');
          kinds.add(`${nodes}:${f.kind}`);
        }
        assert.ok(plan.probeSlot >= 1 && plan.probeSlot <= 3);
      }
    }
    for (const k of ['1:worker', '1:vault', '1:both', '3:node', '1:initJob', '3:initJob'])
      assert.ok(kinds.has(k), `${k} is drawn`);
    const anchors = Array.from({ length: 200 }, (_, i) => drawPlan(99, i + 1, 1).anchor);
    for (const a of ['start', 'initLeader']) assert.ok(anchors.includes(a as 'start'), `${a} is drawn`);
  });

  it("the init-job fault is drawn last: a seed's other faults are what they were (seed 446416101, run 7)", () => {
    const plan = drawPlan(446416101, 7, 3);
    assert.equal(
      describePlan({ ...plan, initJob: undefined }),
      'initLeader+ both(worker+vault-1)@3.0s node-n2@8.7s node-n3@12.9s worker@14.7s node-n3@16.8s',
    );
  });

  it('settings: defaults, a drawn seed, refusals, the replay command', () => {
    const d = soakSettings({ SOAK_SEED: '42' });
    assert.deepEqual(d, { seed: 42, runs: 20, from: 1, nodes: 1, deadlineMs: 600_000 });
    assert.ok(soakSettings({}).seed >= 1);
    assert.throws(() => soakSettings({ SOAK_RUNS: 'x' }), /SOAK_RUNS/);
    assert.throws(() => soakSettings({ SOAK_NODES: '2' }), /SOAK_NODES/);
    assert.equal(replayCommand(d, 7), 'SOAK_SEED=42 SOAK_RUNS=1 SOAK_FROM=7 npm run test:soak');
    assert.equal(
      replayCommand({ seed: 42, nodes: 3 }, 3, 2),
      'SOAK_SEED=42 SOAK_RUNS=2 SOAK_FROM=3 SOAK_NODES=3 npm run test:soak',
    );
  });
});
