/** Step 2, deployStack, in memory: deploys only an absent service, then waits for 3 running tasks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { STATE_POLL_MS } from '../../../src/activities/cluster/nodes';
import { activityEnv, fakeWorld, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError, tick } from '../../support/failures';

function withPlaceholder(): Promise<World> {
  return worldAfter('ensurePlaceholderSecret');
}

describe('deployStack', () => {
  it('absent: deploys with the current secret, waits (heartbeating) for 3 running tasks', async () => {
    const w = await withPlaceholder();
    w.deps.config.stack.deployEnv = { VAULT_IMAGE: 'vault:test' };
    w.swarm.startingReads = 2;
    const env = activityEnv();
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const out = await w.runIn(env, w.acts.deployStack, w.input);
    assert.deepEqual(out, { changed: true, summary: 'deployed s1_vault; 3 tasks running' });
    assert.equal(w.swarm.deploys.length, 1);
    assert.deepEqual(w.swarm.deploys[0]?.env, {
      VAULT_IMAGE: 'vault:test',
      VAULT_UNSEAL_KEY_SECRET: w.secretBase,
      VAULT_BOOTSTRAP_STACK_NAME: 's1',
    });
    assert.deepEqual(w.failpoints.hits, ['deployStack:before-deploy', 'deployStack:after-deploy']);
    assert.equal(heartbeats, 2);
  });

  it('absent and no secret yet: a retryable error naming the step that must run first', async () => {
    const w = fakeWorld();
    await assert.rejects(
      w.run(w.acts.deployStack, w.input),
      retryableError(/ensurePlaceholderSecret must run first/),
    );
    assert.deepEqual(w.swarm.deploys, []);
  });

  it('running with 3 tasks: never redeploys', async () => {
    const w = await withPlaceholder();
    await w.run(w.acts.deployStack, w.input);
    const out = await w.run(w.acts.deployStack, w.input);
    assert.deepEqual(out, { changed: false, summary: 'already deployed s1_vault; 3 tasks running' });
    assert.equal(w.swarm.deploys.length, 1);
  });

  it('a service of the wrong shape: UnexpectedServiceShape, nothing redeployed', async () => {
    const w = await withPlaceholder();
    await w.swarm.givenService(w.stack, w.secretBase, 2);
    await assert.rejects(
      w.run(w.acts.deployStack, w.input),
      namedFailure('UnexpectedServiceShape', /runs 2 replicas, the bootstrap needs 3/),
    );
    assert.deepEqual(w.swarm.deploys, []);
  });

  it('a task whose Vault answers before its first healthcheck counts at once: no wait for the check', async () => {
    const w = await withPlaceholder();
    await w.run(w.acts.deployStack, w.input);
    w.swarm.awaitHealthcheck(w.service, 2);
    const out = await w.run(w.acts.deployStack, w.input);
    assert.equal(out.summary, 'already deployed s1_vault; 3 tasks running');
    assert.deepEqual(w.clock.sleeps, [], 'no poll waited');
  });

  it('cancelled while it waits for the tasks: ends at once with a CancelledFailure', async () => {
    const w = await withPlaceholder();
    await w.run(w.acts.deployStack, w.input);
    w.swarm.delayTask(w.service, 3, Number.MAX_SAFE_INTEGER);
    w.clock.mode = 'manual';
    const env = activityEnv();
    const waiting = w.runIn(env, w.acts.deployStack, w.input);
    for (let i = 0; i < 20 && w.clock.sleeps.length === 0; i++) await tick();
    assert.deepEqual(w.clock.sleeps, [STATE_POLL_MS], 'waiting between two polls');
    env.cancel();
    await assert.rejects(waiting, (err: unknown) => err instanceof CancelledFailure);
  });

  it('a task that cannot start: times out naming it', async () => {
    const w = await withPlaceholder();
    await w.run(w.acts.deployStack, w.input);
    w.swarm.setTaskState(w.service, 2, 'rejected', 'No such image: vault:missing');
    await assert.rejects(
      w.run(w.acts.deployStack, w.input),
      retryableError(
        /timed out after 300s waiting for 3 running tasks of s1_vault \(last: 2\/3 running; slot 2: rejected: No such image: vault:missing\)/,
      ),
    );
  });
});
