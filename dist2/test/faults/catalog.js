"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SUBSET = exports.FAULT_CASES = exports.UNREACHABLE = void 0;
exports.selectCases = selectCases;
exports.assertCatalogComplete = assertCatalogComplete;
/**
 * The fault-injection catalog: `FAULT_CASES`, every fault point a fresh bootstrap reaches, with the step it
 * interrupts and the outcome it must have; `UNREACHABLE`, the others, each with the reason. Together they
 * are exactly `FAILPOINTS`. `SUBSET` is the one-fault-per-step selection `npm test` runs.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const failpoints_1 = require("../../src/activities/failpoints");
const steps_1 = require("../../src/shared/steps");
const stepOf = (point) => {
    const step = point.split(':')[0];
    strict_1.default.ok(steps_1.BOOTSTRAP_STEPS.includes(step), `fault point ${point} names no step`);
    return step;
};
/** Fault points that a fresh bootstrap never reaches, and why (docs/faults.md repeats this). */
const QUORUM = 'unsealLeader unseals peers only when they are already Raft members, i.e. a formed cluster restarted sealed';
exports.UNREACHABLE = {
    'unsealLeader:before-unseal:vault-2': QUORUM,
    'unsealLeader:after-unseal:vault-2': QUORUM,
    'unsealLeader:before-unseal:vault-3': QUORUM,
    'unsealLeader:after-unseal:vault-3': QUORUM,
    'unsealPeers:before-join:vault-2': 'the re-join in unsealPeers runs only when a peer task was replaced between joinPeers and unsealPeers',
    'unsealPeers:after-join:vault-2': 'as unsealPeers:before-join:vault-2',
    'unsealPeers:before-join:vault-3': 'the re-join in unsealPeers runs only when a peer task was replaced between joinPeers and unsealPeers',
    'unsealPeers:after-join:vault-3': 'as unsealPeers:before-join:vault-3',
};
/** Every reachable fault point, in bootstrap order. */
exports.FAULT_CASES = failpoints_1.FAILPOINTS.filter((p) => !(p in exports.UNREACHABLE)).map((point) => ({
    point,
    step: stepOf(point),
    expect: 'complete',
}));
/**
 * One fault per step that changes state, at its most dangerous closable point: the effect happened and is
 * not yet recorded in the history, so the retry must see it and not do it again.
 */
exports.SUBSET = [
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
function selectCases(spec = process.env.FAULTS ?? 'all') {
    if (spec === 'all')
        return [...exports.FAULT_CASES];
    const names = spec === 'subset' ? exports.SUBSET : spec.split(',').map((s) => s.trim());
    return names.map((name) => {
        const c = exports.FAULT_CASES.find((x) => x.point === name);
        if (!c) {
            throw new Error(`FAULTS: ${JSON.stringify(name)} is ${name in exports.UNREACHABLE ? 'not reachable in a fresh run' : 'not a fault point'}; expected all, subset or names from FAILPOINTS`);
        }
        return c;
    });
}
/** The catalog is complete and consistent: checked by the fault suites before they run anything. */
function assertCatalogComplete() {
    const covered = [...exports.FAULT_CASES.map((c) => c.point), ...Object.keys(exports.UNREACHABLE)].sort();
    strict_1.default.deepEqual(covered, [...failpoints_1.FAILPOINTS].sort(), 'every fault point is in the matrix or listed as unreachable');
    for (const name of Object.keys(exports.UNREACHABLE))
        strict_1.default.ok(failpoints_1.FAILPOINTS.includes(name), `${name} is a fault point`);
    const steps = exports.SUBSET.map(stepOf);
    strict_1.default.equal(new Set(steps).size, steps.length, 'the subset has one fault per step');
    const changing = new Set(exports.FAULT_CASES.map((c) => c.step));
    strict_1.default.deepEqual([...new Set(steps)].sort(), [...changing].sort(), 'the subset covers every step with a fault point');
    for (const p of exports.SUBSET)
        strict_1.default.ok(exports.FAULT_CASES.some((c) => c.point === p && c.expect === 'complete'), p);
}
//# sourceMappingURL=catalog.js.map