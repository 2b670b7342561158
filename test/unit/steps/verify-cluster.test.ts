/** Step 8, verifyCluster, in memory: 3 running tasks, all unsealed, 3 voters, one leader, the key mounted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_KEY_ID, LABEL_KIND, LABEL_STACK } from '../../../src/shared/constants';
import { fakeWorld } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

async function bootstrapped(): Promise<World> {
  const w = fakeWorld();
  await w.bootstrapThrough('unsealPeers');
  return w;
}

describe('verifyCluster', () => {
  it('a healthy cluster: the summary names leader, followers, secret and key record', async () => {
    const w = await bootstrapped();
    const out = await w.run(w.acts.verifyCluster, w.input);
    assert.equal(out.changed, false);
    assert.equal(out.summary, 'leader vault-1, followers vault-2, vault-3, all unsealed');
    assert.deepEqual(out.cluster, {
      stack: 's1',
      service: 's1_vault',
      leader: 'vault-1',
      followers: ['vault-2', 'vault-3'],
      unsealSecret: 's1_vault_unseal_key_v1',
      unsealSecretVersion: 1,
      keyId: 'key-1',
      runningTasks: 3,
    });
  });

  it('what it saw goes to the per-node metrics: every node unsealed, vault-1 leading', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.verifyCluster, w.input);
    const [seen, ...more] = w.metrics.observations;
    assert.deepEqual(more, []);
    assert.equal(seen?.stack, 's1');
    assert.equal(seen.observedAt, new Date(w.clock.now()).toISOString());
    assert.deepEqual(
      seen.nodes.map((n) => `${n.name} reachable=${n.reachable} sealed=${n.sealed}`),
      ['vault-1', 'vault-2', 'vault-3'].map((n) => `${n} reachable=true sealed=false`),
    );
    assert.deepEqual(
      seen.servers.map((s) => `${s.nodeId} leader=${s.leader} voter=${s.voter}`),
      [
        'vault-1 leader=true voter=true',
        'vault-2 leader=false voter=true',
        'vault-3 leader=false voter=true',
      ],
    );
    assert.deepEqual(w.metrics.reports, [], 'a look at the nodes, not a health report');
  });

  it('a sealed node is recorded sealed before the step fails', async () => {
    const w = await bootstrapped();
    w.swarm.replaceTask(w.service, 2);
    await assert.rejects(w.run(w.acts.verifyCluster, w.input), retryableError(/vault-2/));
    const sealed = w.metrics.observations
      .at(-1)
      ?.nodes.filter((n) => n.sealed)
      .map((n) => n.name);
    assert.deepEqual(sealed, ['vault-2']);
  });

  it('the placeholder mounted where the key is expected: PlaceholderWhereKeyExpected', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('deployStack');
    w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      namedFailure(
        'PlaceholderWhereKeyExpected',
        /mounts the placeholder secret s1_vault_unseal_key at target vault_unseal_key where the unseal key is expected/,
      ),
    );
  });

  it('a secret outside the family mounted: UnexpectedServiceShape', async () => {
    const w = await bootstrapped();
    const id = await w.swarm.createSecret('hand-made', Buffer.from('x'), {});
    await w.swarm.swapUnsealSecret(w.service, { id, name: 'hand-made' });
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      namedFailure(
        'UnexpectedServiceShape',
        /mounts hand-made at target vault_unseal_key, not a secret of the bootstrap's unseal-key family/,
      ),
    );
  });

  it('a version of another custody record mounted: CustodyKeyMismatch', async () => {
    const w = await bootstrapped();
    const name = `${w.secretBase}_v2`;
    const id = await w.swarm.createSecret(name, Buffer.from('x'), {
      [LABEL_KIND]: 'unseal-key',
      [LABEL_KEY_ID]: 'key-9',
      [LABEL_STACK]: w.stack,
    });
    await w.swarm.swapUnsealSecret(w.service, { id, name });
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      namedFailure(
        'CustodyKeyMismatch',
        /mounts s1_vault_unseal_key_v2, made for custody record key-9, but custody holds record key-1/,
      ),
    );
  });

  it('a sealed node: not healthy, retryable, naming it', async () => {
    const w = await bootstrapped();
    w.swarm.replaceTask(w.service, 2);
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      retryableError(/^cluster not healthy: vault-2: initialized=true sealed=true$/),
    );
  });

  it('a node out of the Raft configuration: not healthy, naming the servers and voters', async () => {
    const w = await bootstrapped();
    w.vault.wipe(3);
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      retryableError(
        /vault-3: initialized=false sealed=true; Raft has 2 servers: vault-1, vault-2; Raft has 2 voters/,
      ),
    );
  });

  it('no service: retryable', async () => {
    const w = fakeWorld();
    w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
    await assert.rejects(
      w.run(w.acts.verifyCluster, w.input),
      retryableError(/service s1_vault does not exist/),
    );
  });

  it('no key in custody: UnsealKeyUnavailable', async () => {
    const w = await bootstrapped();
    w.custody.lose(w.stack);
    await assert.rejects(w.run(w.acts.verifyCluster, w.input), namedFailure('UnsealKeyUnavailable'));
  });
});
