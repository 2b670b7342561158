/**
 * Two stacks on one swarm with the production default secret name `vault_unseal_key` (no `{stack}`): they
 * share the names of one secret family, and each must use, deploy with and clean up only its own secrets
 * (label `io.iklimco.vault-bootstrap.stack`). Before, stack B deployed with stack A's real key and A's
 * clean-up removed B's placeholder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_STACK } from '../../../src/shared/constants';
import { fakeWorld } from '../../support/fakes';
import type { World } from '../../support/fakes';

const SHARED = 'vault_unseal_key';

function twoStacks(): { a: World; b: World } {
  const a = fakeWorld({ stack: 'sa', unsealSecretTemplate: SHARED });
  const b = fakeWorld({ stack: 'sb', unsealSecretTemplate: SHARED, swarm: a.swarm });
  b.vault.calls.init = 100; // its init answers another key than A's
  return { a, b };
}

/** The stack label of the secret `name`. */
function owner(w: World, name: string): string | undefined {
  return w.swarm.secretLabels(name)?.[LABEL_STACK];
}

describe('two stacks sharing the default secret name', () => {
  it('each deploys with, mounts and cleans up only its own secrets; both verify', async () => {
    const { a, b } = twoStacks();
    for (const step of ['preflight', 'ensurePlaceholderSecret'] as const) {
      await a.run(a.acts[step], a.input);
      await b.run(b.acts[step], b.input);
    }
    const placeholders = a.swarm.secretNames();
    assert.equal(placeholders.length, 2, `one placeholder each: ${placeholders.join(', ')}`);
    for (const w of [a, b]) {
      await w.run(w.acts.deployStack, w.input);
      const deployedWith =
        w.swarm.deploys.find((d) => d.stack === w.stack)?.env.VAULT_UNSEAL_KEY_SECRET ?? '';
      assert.equal(owner(w, deployedWith), w.stack, `${w.stack} deployed with ${deployedWith}`);
    }
    for (const step of [
      'initLeader',
      'rotateUnsealKeySecret',
      'unsealLeader',
      'joinPeers',
      'unsealPeers',
      'verifyCluster',
    ] as const) {
      await a.run(a.acts[step], a.input);
      await b.run(b.acts[step], b.input);
    }
    for (const w of [a, b]) {
      const out = await w.run(w.acts.verifyCluster, w.input);
      assert.equal(owner(w, out.cluster.unsealSecret), w.stack, `${w.stack} mounts its own key secret`);
      assert.equal(w.swarm.secretValue(out.cluster.unsealSecret), w.vault.unsealKey);
    }
    // Nothing of one stack was removed by the other: each stack's removed names were its own placeholder.
    assert.equal(a.swarm.removed.length, 2, `removed: ${a.swarm.removed.join(', ')}`);
    assert.notEqual(a.vault.unsealKey, b.vault.unsealKey);
  });

  it("a stack's clean-up leaves another stack's unmounted secret alone", async () => {
    const { a, b } = twoStacks();
    await b.run(b.acts.ensurePlaceholderSecret, b.input); // B's placeholder, not yet mounted by any service
    const bPlaceholder = b.swarm.secretNames()[0];
    assert.ok(bPlaceholder);
    await a.bootstrapThrough('rotateUnsealKeySecret');
    assert.ok(a.swarm.secretNames().includes(bPlaceholder), `${bPlaceholder} of sb survived sa's clean-up`);
    assert.equal(owner(b, bPlaceholder), 'sb');
  });
});
