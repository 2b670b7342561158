import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Failpoints } from '../../src/faults/failpoints';

describe('failpoints', () => {
  it('are inert unless named, and validate names and actions at start', async () => {
    const fp = new Failpoints(['initLeader:before-init=error']);
    await fp.hit('initLeader:after-persist');
    await assert.rejects(fp.hit('initLeader:before-init'), /failpoint initLeader:before-init/);
    assert.throws(() => new Failpoints(['initLeader:before-init=explode']), /VAULT_BOOTSTRAP_FAILPOINTS/);
    assert.throws(() => new Failpoints(['no-such-point']), /unknown fault point "no-such-point"/);
  });
});
