/**
 * The fault-injection catalog: `FAULT_CASES`, every fault point a fresh bootstrap reaches, with the step it
 * interrupts and the outcome it must have; `UNREACHABLE`, the others, each with the reason. Together they
 * are exactly `FAILPOINTS`. `SUBSET` is the one-fault-per-step selection `npm test` runs.
 */
import assert from 'node:assert/strict';
import { FAILPOINTS } from '../../src/faults/failpoints';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import type { BootstrapStep } from '../../src/shared/steps';

export interface FaultCase {
  point: string;
  /** The step in flight when the worker dies. */
  step: BootstrapStep;
  /**
   * `complete`: the same workflow completes. Every point does since issue 25 closed the `sys/init` window (the
   * init job's answer outlives the worker); the field stays so that a case with another outcome says so.
   */
  expect: 'complete';
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
    expect: 'complete',
  }),
);

/**
 * One fault per step that changes state, at its most dangerous closable point: the effect happened and is
 * not yet recorded in the history, so the retry must see it and not do it again.
 */
export const SUBSET: readonly string[] = [
  'ensurePlaceholderSecret:after-create', // a second placeholder must not be made
  'deployStack:after-deploy', // the stack must not be deployed again
  'initLeader:after-init-sent', // Vault initializing, only the init job waiting: the answer must reach custody
  'rotateUnsealKeySecret:before-service-update', // new secret version made, not mounted: no second version
  'unsealLeader:after-unseal', // unsealed, not recorded
  'joinPeers:after-join:vault-3', // between the last join and the peers' unseal
  'unsealPeers:after-unseal:vault-2', // one peer unsealed, the other not
  'revokeRootToken:after-create-token', // worker token made, not in custody: revoked by the retry, no second left
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
