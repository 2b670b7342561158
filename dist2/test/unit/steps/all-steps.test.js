"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The eight steps in order against the in-memory world: the fakes agree with each other and the steps
 * compose (the per-step files test each branch; this checks the happy path end to end and a second run).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const fakes_1 = require("../../support/fakes");
(0, node_test_1.describe)('all steps in memory', () => {
    (0, node_test_1.it)('bootstrap a cluster from nothing, and a second run changes nothing', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('verifyCluster');
        strict_1.default.equal(w.vault.calls.init, 1);
        strict_1.default.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
        const summary = await w.run(w.acts.verifyCluster, w.input);
        strict_1.default.equal(summary.cluster.leader, 'vault-1');
        strict_1.default.deepEqual(summary.cluster.followers, ['vault-2', 'vault-3']);
        const hitsBefore = w.failpoints.hits.length;
        await w.bootstrapThrough('verifyCluster');
        strict_1.default.equal(w.vault.calls.init, 1, 'no second init');
        strict_1.default.equal(w.failpoints.hits.length, hitsBefore, 'no state-changing call on the second run');
    });
});
//# sourceMappingURL=all-steps.test.js.map