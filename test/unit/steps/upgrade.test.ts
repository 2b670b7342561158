/**
 * The rolling upgrade's activities in memory: `planUpgrade` resolves and checks the image; `rollImage` replaces
 * one task at a time in Swarm's order, and the active node, when it is the last one left, steps down first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure } from '../../support/failures';

function bootstrapped(): Promise<World> {
  return worldAfter('revokeRootToken');
}

const NEW = 'vault-bootstrap-testbed/openbao:2.7.2-b2';

describe('planUpgrade', () => {
  it('resolves the image, refuses one not pinned, and a rollback with nothing recorded', async () => {
    const w = await bootstrapped();
    const plan = await w.run(w.acts.planUpgrade, { stack: w.stack, image: NEW });
    assert.equal(plan.to, NEW);
    assert.notEqual(plan.from, NEW);
    for (const image of ['openbao', 'openbao:latest'])
      await assert.rejects(
        w.run(w.acts.planUpgrade, { stack: w.stack, image }),
        namedFailure('InvalidConfig', /is not pinned/),
      );
    await assert.rejects(
      w.run(w.acts.planUpgrade, { stack: w.stack, rollback: true }),
      namedFailure('InvalidConfig', /records no image from before an upgrade/),
    );
  });

  it('refuses an image of another repository than the one the stack runs: an upgrade changes the tag only', async () => {
    const w = await bootstrapped();
    const from = (await w.swarm.inspectService(w.service))!.image!;
    const repo = from.split(':')[0]!;
    for (const image of ['evil.example:5000/vault:1.21.1', `${repo}-fork:1.0.0`, `x/${repo}:1.0.0`])
      await assert.rejects(
        w.run(w.acts.planUpgrade, { stack: w.stack, image }),
        namedFailure('InvalidConfig', new RegExp(`is not of ${repo}, the repository`)),
      );
    const digest = `${repo}@sha256:${'a'.repeat(64)}`;
    assert.equal((await w.run(w.acts.planUpgrade, { stack: w.stack, image: digest })).to, digest);
  });
});

describe('rollImage', () => {
  it('one task at a time in Swarm’s order; the active node, last, steps down before its own replacement', async () => {
    const w = await bootstrapped();
    const from = (await w.swarm.inspectService(w.service))?.image;
    assert.equal(w.vault.activeSlot(), 1);
    w.swarm.stepwiseOrder = [2, 3, 1];
    w.vault.nextLeader.push(3); // the election's winner
    const out = await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    assert.deepEqual(w.swarm.stepwiseReplaced, [2, 3, 1]);
    assert.deepEqual(
      w.vault.calls.stepDowns,
      ['vault-1'],
      'vault-1 stepped down once, before its replacement',
    );
    assert.equal(w.vault.activeSlot(), 3);
    assert.match(
      out.summary,
      new RegExp(
        `^${NEW} on every node, one at a time: vault-2, vault-3, vault-1; the active node stepped down before its own replacement \\(1x\\)`,
      ),
    );
    for (const slot of [1, 2, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} unsealed`);
    const svc = await w.swarm.inspectService(w.service);
    assert.equal(svc?.image, NEW);
    assert.equal(svc?.previousImage, from, 'the image before is recorded for --rollback');
    assert.equal(svc?.rolloutStep, undefined, 'update_config put back');

    const back = await w.run(w.acts.planUpgrade, { stack: w.stack, rollback: true });
    assert.equal(back.to, from);
  });

  it('Swarm replaces the active node before the last turn: no step-down, it hands over itself', async () => {
    const w = await bootstrapped();
    w.swarm.stepwiseOrder = [1, 2, 3];
    await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2, 3]);
    assert.deepEqual(w.vault.calls.stepDowns, []);
  });

  it('a crash after an advance: the retry asks for no task twice', async () => {
    const w = await bootstrapped();
    w.failpoints.at.set('rollImage:after-advance', () => {
      w.failpoints.at.delete('rollImage:after-advance');
      throw new Error('killed at rollImage:after-advance');
    });
    await assert.rejects(w.run(w.acts.rollImage, { stack: w.stack, image: NEW }), /killed at/);
    await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2, 3]);
    assert.deepEqual(
      w.swarm.advances.map((a) => a.step),
      [2, 3],
    );
  });

  it('already on the image: nothing restarted', async () => {
    const w = await bootstrapped();
    await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    const replaced = w.swarm.stepwiseReplaced.length;
    const again = await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    assert.equal(again.changed, false);
    assert.equal(w.swarm.stepwiseReplaced.length, replaced);
  });
});
