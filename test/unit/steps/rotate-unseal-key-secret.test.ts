/**
 * Step 4, rotateUnsealKeySecret, in memory: the custody key, proven on the sealed leader, goes into a new
 * secret version swapped in at target vault_unseal_key; versions no service uses are removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { homesOf } from '../../../src/activities/cluster/homes';
import { LABEL_KEY_ID, LABEL_KIND, LABEL_STACK, LABEL_VERSION } from '../../../src/shared/constants';
import { fakeWorld, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

/** Leader initialized (sealed), key in custody, the placeholder mounted. */
function initialized(): Promise<World> {
  return worldAfter('initLeader');
}

const unsealKey = (n: number) => ({
  [LABEL_KIND]: 'unseal-key',
  [LABEL_KEY_ID]: `key-${n}`,
  [LABEL_VERSION]: String(n),
  [LABEL_STACK]: 's1',
});

/** The summary's tail when the swap restarted every task at once on one node (no peer joined yet). */
const AT_ONCE = '; all tasks at once (no peer joined yet, every slot at its home)';
/** The same on more than one node: every task stopped by the swap, then each slot started on its home. */
const STEERED = '; all tasks at once, each started on its home (no peer joined yet)';

describe('rotateUnsealKeySecret', () => {
  it('the placeholder mounted: proves the key, creates _v1, swaps it in, removes the placeholder', async () => {
    const w = await initialized();
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    const v1 = `${w.secretBase}_v1`;
    assert.equal(out.changed, true);
    assert.equal(out.summary, `rotated to ${v1}; removed ${w.secretBase}${STEERED}`);
    assert.deepEqual(out.secret, { name: v1, id: out.secret.id, kind: 'unseal-key', version: 1 });
    assert.deepEqual(w.swarm.secretNames(), [v1]);
    assert.equal(w.swarm.secretValue(v1), w.vault.unsealKey, 'the secret holds the cluster key');
    assert.deepEqual(w.swarm.secretLabels(v1), { ...unsealKey(1), [LABEL_STACK]: 's1' });
    assert.equal((await w.swarm.inspectService(w.service))?.unsealSecret?.name, v1);
    assert.deepEqual(w.vault.calls.unseal, ['vault-1'], 'the key was proven on the leader');
    assert.equal(w.vault.node(1).sealed, true, 'the swap restarted the leader: sealed again');
    assert.deepEqual(w.failpoints.hits, [
      'rotateUnsealKeySecret:before-prove-unseal',
      'rotateUnsealKeySecret:after-prove-unseal',
      'rotateUnsealKeySecret:before-create',
      'rotateUnsealKeySecret:after-create',
      'rotateUnsealKeySecret:before-service-update',
      'rotateUnsealKeySecret:after-service-update',
      'rotateUnsealKeySecret:before-remove-old',
      'rotateUnsealKeySecret:after-remove-old',
    ]);
  });

  it('a rollout Swarm paused (a task failed mid-update, its node lost) is resumed, and the step completes', async () => {
    const w = await initialized();
    w.swarm.oneNode = true; // a rollout of Swarm's own (on more than one node the swap stops every task)
    for (const slot of [1, 2, 3]) w.swarm.replaceTask(w.service, slot);
    w.swarm.pauseNextRollout(1); // slot 1 updated, then paused: slots 2 and 3 keep the placeholder
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.equal(out.summary, `rotated to ${w.secretBase}_v1; removed ${w.secretBase}${AT_ONCE}`);
    assert.equal(w.swarm.resumes, 1, 'resumed once');
    const tasks = await w.swarm.currentTasks(w.service);
    assert.deepEqual(
      [...tasks.values()].map((t) => t.secretIds.includes(out.secret.id)),
      [true, true, true],
    );
  });

  it('already rotated: changes nothing, proves nothing', async () => {
    const w = await initialized();
    await w.run(w.acts.rotateUnsealKeySecret, w.input);
    w.failpoints.clear();
    const unseals = w.vault.calls.unseal.length;
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.deepEqual(
      { changed: out.changed, summary: out.summary },
      { changed: false, summary: `already on ${w.secretBase}_v1` },
    );
    assert.deepEqual(w.failpoints.hits, []);
    assert.equal(w.vault.calls.unseal.length, unseals);
  });

  it('the key version made but not mounted (a crash in between): swaps it in, makes no second one', async () => {
    const w = await initialized();
    w.failpoints.at.set('rotateUnsealKeySecret:before-service-update', () => {
      throw new Error('failpoint rotateUnsealKeySecret:before-service-update injected an error');
    });
    await assert.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /injected an error/);
    w.failpoints.at.clear();
    w.failpoints.clear();
    // The crash came after the other nodes were paused to steer vault-1 home: the retry carries on.
    assert.ok((await w.swarm.listNodes()).some((n) => n.availability === 'pause'));
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.equal(out.summary, `rotated to ${w.secretBase}_v1; removed ${w.secretBase}${STEERED}`);
    assert.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
    assert.ok((await w.swarm.listNodes()).every((n) => n.availability === 'active'));
    assert.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-create'));
  });

  it('the version name taken by a secret of another key (a race): retryable, the retry makes _v2', async () => {
    const w = await initialized();
    w.failpoints.at.set('rotateUnsealKeySecret:before-create', async () => {
      w.failpoints.at.clear();
      await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('other'), unsealKey(9));
    });
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      retryableError(
        /secret s1_vault_unseal_key_v1 exists but holds another key \(key id key-9, generation 0\); retrying with a new version/,
      ),
    );
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.match(out.summary, /^rotated to s1_vault_unseal_key_v2; removed /);
    assert.equal(w.swarm.secretValue(`${w.secretBase}_v2`), w.vault.unsealKey);
  });

  it('the service mounts a version made for another custody record: CustodyKeyMismatch, nothing changed', async () => {
    const w = await initialized();
    await w.run(w.acts.rotateUnsealKeySecret, w.input);
    w.custody.lose(w.stack);
    w.custody.put(w.stack, { unsealKey: 'b3RoZXI=', rootToken: 'other' }); // record key-2
    const secrets = w.swarm.secretNames();
    w.failpoints.clear();
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      namedFailure(
        'CustodyKeyMismatch',
        /mounts s1_vault_unseal_key_v1, made for custody record key-1, but custody holds record key-2\. .* Nothing was changed/,
      ),
    );
    assert.deepEqual(w.swarm.secretNames(), secrets);
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('a custody key the sealed leader rejects: UnsealKeyRejected before any secret is made', async () => {
    const w = await initialized();
    w.custody.lose(w.stack);
    w.custody.put(w.stack, { unsealKey: 'd3Jvbmc=', rootToken: 'wrong' });
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      namedFailure(
        'UnsealKeyRejected',
        /vault-1 rejected the key in custody \(record key-2\): .* Nothing was changed/,
      ),
    );
    assert.deepEqual(w.swarm.secretNames(), [w.secretBase]);
    assert.equal((await w.swarm.inspectService(w.service))?.unsealSecret?.name, w.secretBase);
    assert.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-create'));
  });

  it('a leader already unsealed cannot be asked: the key is taken as it is', async () => {
    const w = await initialized();
    w.vault.node(1).sealed = false;
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.equal(out.changed, true);
    assert.deepEqual(w.vault.calls.unseal, []);
    assert.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-prove-unseal'));
  });

  it('no key in custody: UnsealKeyUnavailable, saying the secret cannot be written', async () => {
    const w = await initialized();
    w.custody.lose(w.stack);
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      namedFailure(
        'UnsealKeyUnavailable',
        /custody holds no unseal key for stack s1, so the unseal-key secret cannot be written/,
      ),
    );
  });

  it('no service: a retryable error naming the step that must run first', async () => {
    const w = fakeWorld();
    w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      retryableError(/deployStack must run first/),
    );
  });

  it('clean-up: removes old versions no service uses, keeps one another service still mounts', async () => {
    const w = await initialized();
    await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('old'), unsealKey(7));
    await w.swarm.createSecret(`${w.secretBase}_v2`, Buffer.from('old'), unsealKey(8));
    await w.swarm.givenService('other', `${w.secretBase}_v2`);
    const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
    assert.equal(
      out.summary,
      `rotated to ${w.secretBase}_v3; removed ${w.secretBase}, ${w.secretBase}_v1${STEERED}`,
    );
    assert.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v2`, `${w.secretBase}_v3`]);
  });

  it('a rollout that never finishes: times out naming the secret and the count', async () => {
    const w = await initialized();
    w.swarm.oneNode = true; // Swarm's own rollout, where a task can fail mid-update
    for (const slot of [1, 2, 3]) w.swarm.replaceTask(w.service, slot);
    w.failpoints.at.set('rotateUnsealKeySecret:after-service-update', () =>
      w.swarm.setTaskState(w.service, 3, 'failed', 'task: non-zero exit (1)'),
    );
    await assert.rejects(
      w.run(w.acts.rotateUnsealKeySecret, w.input),
      retryableError(
        /timed out after 300s waiting for s1_vault tasks to run with s1_vault_unseal_key_v1 \(last: 2\/3 tasks running/,
      ),
    );
  });

  describe('how the swap rolls the tasks', () => {
    /** Leader initialized, every task on one node (the test bed's shape). */
    async function onOneNode(): Promise<World> {
      const w = await initialized();
      w.swarm.oneNode = true;
      for (const slot of [1, 2, 3]) w.swarm.replaceTask(w.service, slot);
      return w;
    }

    it("one node, no peer joined yet: every task at once, then the stack's one-at-a-time update_config is back", async () => {
      const w = await onOneNode();
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.ok(out.summary.endsWith(AT_ONCE), out.summary);
      assert.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 0 }]);
      assert.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 1, kept: undefined });
    });

    /** The node each slot's task runs on, and each slot's recorded home. */
    async function placement(w: World) {
      const tasks = await w.swarm.currentTasks(w.service);
      const nodes = await w.swarm.listNodes();
      const homes = homesOf(nodes, w.input.stack);
      return [1, 2, 3].map((slot) => ({
        slot,
        runs: tasks.get(slot)?.nodeId,
        home: homes.get(slot as 1 | 2 | 3),
      }));
    }

    /** Every slot on its home, running with the new secret, every node active again, only the proof unsealed. */
    async function everySlotHome(w: World, secretId: string): Promise<void> {
      assert.deepEqual(await placement(w), [
        { slot: 1, runs: 'node-1', home: 'node-1' },
        { slot: 2, runs: 'node-2', home: 'node-2' },
        { slot: 3, runs: 'node-3', home: 'node-3' },
      ]);
      const tasks = await w.swarm.currentTasks(w.service);
      assert.ok([...tasks.values()].every((t) => t.secretIds.includes(secretId)));
      assert.equal((await w.swarm.inspectService(w.service))?.replicas, 3);
      const nodes = await w.swarm.listNodes();
      assert.ok(
        nodes.every((n) => n.availability === 'active'),
        'the nodes paused to steer each slot are active again',
      );
      assert.equal(w.vault.calls.unseal.length, 1, 'nothing but the proof on the leader was unsealed');
    }

    it("three nodes, no peer joined yet: the peers' homes are recorded, the swap stops every task, vault-1 starts on its home, then the peers", async () => {
      const w = await initialized();
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.ok(out.summary.endsWith(STEERED), out.summary);
      assert.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1, stopAll: true }]);
      assert.deepEqual(
        w.swarm.scales.map((s) => s.replicas),
        [0, 1, 3],
        'every task stopped by the swap, vault-1 started alone, then both peers',
      );
      await everySlotHome(w, out.secret.id);
      assert.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 1, kept: undefined });
    });

    it('three nodes, a crash after the swap stopped every task (0 replicas): the retry starts each slot on its home', async () => {
      const w = await initialized();
      w.failpoints.at.set('rotateUnsealKeySecret:after-service-update', () => {
        throw new Error('failpoint rotateUnsealKeySecret:after-service-update injected an error');
      });
      await assert.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /injected an error/);
      assert.equal((await w.swarm.inspectService(w.service))?.replicas, 0);
      w.failpoints.at.clear();
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.equal(w.swarm.rollouts.length, 1, 'the retry swaps nothing');
      await everySlotHome(w, out.secret.id);
    });

    it("three nodes, a crash once vault-1 is placed, before the peers: the retry carries on from Swarm's state", async () => {
      const w = await initialized();
      const scale = w.swarm.scaleService.bind(w.swarm);
      let killed = false;
      w.swarm.scaleService = (service, replicas) => {
        if (replicas === 3 && !killed) {
          killed = true;
          return Promise.reject(new Error('the worker was killed'));
        }
        return scale(service, replicas);
      };
      await assert.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /the worker was killed/);
      assert.equal((await w.swarm.currentTasks(w.service)).size, 1, 'vault-1 started, the peers not yet');
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      await everySlotHome(w, out.secret.id);
    });

    it("three nodes, the peers take each other's nodes at the restart (both empty): their homes are recorded where they run, nothing is put back", async () => {
      const w = await initialized();
      w.swarm.placeNext.set(2, 'node-3');
      w.swarm.placeNext.set(3, 'node-2');
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.ok(out.summary.endsWith(STEERED), out.summary);
      assert.deepEqual(await placement(w), [
        { slot: 1, runs: 'node-1', home: 'node-1' },
        { slot: 2, runs: 'node-3', home: 'node-3' },
        { slot: 3, runs: 'node-2', home: 'node-2' },
      ]);
      assert.deepEqual(
        w.swarm.scales.map((s) => s.replicas),
        [0, 1, 3],
        'no rehome',
      );
    });

    it('one node, a peer already joined (a formed cluster): one task at a time', async () => {
      const w = await onOneNode();
      w.vault.node(2).initialized = true;
      await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1 }]);
    });

    it('one node, a peer whose answer makes no sense: one task at a time', async () => {
      const w = await onOneNode();
      w.vault.node(3).protocolError = 'not a seal status';
      await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1 }]);
    });

    it("a crash after an all-at-once swap: the retry puts the stack's update_config back", async () => {
      const w = await onOneNode();
      w.failpoints.at.set('rotateUnsealKeySecret:after-service-update', () => {
        throw new Error('failpoint rotateUnsealKeySecret:after-service-update injected an error');
      });
      await assert.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /injected an error/);
      assert.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 0, kept: 1 });
      w.failpoints.at.clear();
      const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
      assert.equal(out.changed, true);
      assert.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 1, kept: undefined });
      assert.equal(w.swarm.rollouts.length, 1, 'the retry swaps nothing');
    });
  });
});
