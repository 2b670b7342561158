/**
 * The eight steps in order against the in-memory world: the fakes agree with each other and the steps
 * compose (the per-step files test each branch; this checks the happy path end to end and a second run).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeWorld } from '../../support/fakes';

describe('all steps in memory', () => {
  it('bootstrap a cluster from nothing, and a second run changes nothing', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('verifyCluster');
    assert.equal(w.vault.calls.init, 1);
    assert.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
    const summary = await w.run(w.acts.verifyCluster, w.input);
    assert.equal(summary.cluster.leader, 'vault-1');
    assert.deepEqual(summary.cluster.followers, ['vault-2', 'vault-3']);
    const hitsBefore = w.failpoints.hits.length;
    await w.bootstrapThrough('verifyCluster');
    assert.equal(w.vault.calls.init, 1, 'no second init');
    assert.equal(w.failpoints.hits.length, hitsBefore, 'no state-changing call on the second run');
  });
});
