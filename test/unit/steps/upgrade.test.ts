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
        `^${NEW} on every node, one at a time: vault-2, vault-3, vault-1; the active node stepped down before its own replacement \\(1x\\); vault-1`,
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
    const out = await w.run(w.acts.rollImage, { stack: w.stack, image: NEW });
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2, 3]);
    assert.deepEqual(w.vault.calls.stepDowns, []);
    assert.match(
      out.summary,
      /; Swarm took the active node vault-1 while a standby was left: it handed over on SIGTERM;/,
    );
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

  it('a replaced node that does not serve within the node timeout: UpgradeNodeUnhealthy, no other task replaced', async () => {
    const w = await bootstrapped();
    const from = (await w.swarm.inspectService(w.service))!.image!;
    w.swarm.stepwiseOrder = [2, 3, 1];
    w.swarm.failsToStart = (_slot, image) => image === NEW;
    await assert.rejects(
      w.run(w.acts.rollImage, { stack: w.stack, image: NEW, nodeTimeoutMs: 60_000 }),
      namedFailure(
        'UpgradeNodeUnhealthy',
        /^vault-2 did not serve on .* within 60s of its replacement \(vault-2 not started \(its task is failed\)\)\. The upgrade stopped there/,
      ),
    );
    assert.deepEqual(w.swarm.stepwiseReplaced, [2], 'Swarm was asked for no other task');
    for (const slot of [1, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} serves`);

    // The way back: the rollback's check takes two serving nodes, and the down node is the only stale one.
    w.swarm.failsToStart = () => false;
    const check = await w.run(w.acts.checkRollback, { stack: w.stack });
    assert.match(
      check.summary,
      /^vault-1, vault-3 serve as Raft voters; vault-2 does not serve: its task is failed$/,
    );
    const back = await w.run(w.acts.planUpgrade, { stack: w.stack, rollback: true });
    assert.equal(back.to, from);
    const out = await w.run(w.acts.rollImage, { stack: w.stack, image: from });
    assert.deepEqual(w.swarm.stepwiseReplaced, [2, 2], 'only vault-2 replaced again');
    assert.match(out.summary, new RegExp(`^${from} on every node, one at a time: vault-2; vault-1 `));
    for (const slot of [1, 2, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} unsealed`);
  });

  it('the node timeout counts from Swarm being asked (its label), across a crash: a retry does not wait it whole again', async () => {
    const w = await bootstrapped();
    w.swarm.stepwiseOrder = [2, 3, 1];
    w.swarm.failsToStart = (_slot, image) => image === NEW;
    w.failpoints.at.set('rollImage:after-swap', () => {
      throw new Error('worker killed');
    });
    const input = { stack: w.stack, image: NEW, nodeTimeoutMs: 60_000 };
    await assert.rejects(w.run(w.acts.rollImage, input), /worker killed/);
    w.failpoints.at.clear();
    await w.clock.sleep(45_000); // the worker is down for 45 s
    const retriedAt = w.clock.now();
    await assert.rejects(
      w.run(w.acts.rollImage, input),
      namedFailure('UpgradeNodeUnhealthy', /^vault-2 did not serve on .* within 60s of its replacement/),
    );
    const waited = w.clock.now() - retriedAt;
    assert.ok(waited < 30_000, `the retry waited ${waited} ms for vault-2, not the whole 60 s again`);
    assert.deepEqual(w.swarm.stepwiseReplaced, [2], 'Swarm was asked for no other task');
  });

  it('a node down and Swarm free to take another that serves first: RolloutUnsafe, nothing changed', async () => {
    const w = await bootstrapped();
    w.swarm.stepwiseOrder = [1, 2, 3];
    // vault-1 comes back on the new image, vault-2 does not (its node cannot run it).
    w.swarm.failsToStart = (slot, image) => slot === 2 && image === NEW;
    await assert.rejects(
      w.run(w.acts.rollImage, { stack: w.stack, image: NEW, nodeTimeoutMs: 60_000 }),
      namedFailure('UpgradeNodeUnhealthy', /^vault-2 did not serve/),
    );
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2]);
    const back = await w.run(w.acts.planUpgrade, { stack: w.stack, rollback: true });
    const swaps = w.swarm.rollouts.length;
    await assert.rejects(
      w.run(w.acts.rollImage, { stack: w.stack, image: back.to }),
      namedFailure(
        'RolloutUnsafe',
        /^vault-2 does not serve: its task is failed\. Swarm would replace a stale task of its own choosing first, and vault-1 serves and would be replaced too: two nodes down, no quorum\. Nothing was changed\./,
      ),
    );
    assert.equal(w.swarm.rollouts.length, swaps, 'no swap');
    assert.equal((await w.swarm.inspectService(w.service))?.image, NEW);
  });

  it('the rollback check refuses when no quorum serves', async () => {
    const w = await bootstrapped();
    // Every node unsealed, but vault-1 the only Raft voter (the others removed from the configuration).
    w.vault.node(2).member = false;
    w.vault.node(3).member = false;
    await assert.rejects(
      w.run(w.acts.checkRollback, { stack: w.stack }),
      namedFailure(
        'RolloutUnsafe',
        /^every node serves; serving Raft voters: vault-1\. No quorum would be left/,
      ),
    );
    w.vault.node(2).member = true;
    w.vault.node(3).member = true;
    w.swarm.stepwiseOrder = [2, 3, 1];
    w.swarm.failsToStart = (_slot, image) => image === NEW;
    await assert.rejects(
      w.run(w.acts.rollImage, { stack: w.stack, image: NEW, nodeTimeoutMs: 30_000 }),
      namedFailure('UpgradeNodeUnhealthy', /^vault-2 did not serve/),
    );
    w.swarm.setTaskState(w.service, 3, 'failed', 'its node lost its disk');
    await assert.rejects(
      w.run(w.acts.checkRollback, { stack: w.stack }),
      namedFailure('RolloutUnsafe', /no quorum serves/),
    );
  });

  it('a rollback after a crash left two tasks upgraded: Swarm is asked for the next only once its pick shows', async () => {
    const w = await bootstrapped();
    const from = (await w.swarm.inspectService(w.service))!.image!;
    w.swarm.stepwiseOrder = [1, 2, 3];
    w.failpoints.at.set('rollImage:after-advance', () => {
      w.failpoints.at.delete('rollImage:after-advance');
      throw new Error('killed at rollImage:after-advance');
    });
    await assert.rejects(w.run(w.acts.rollImage, { stack: w.stack, image: NEW }), /killed at/);
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2], 'two of three on the new image');
    // The operator rolls back instead of resuming: vault-3 never left the image before. Swarm's picks show a
    // few reads late, as its updater runs after the service update returns.
    w.swarm.stepwisePickReads = 3;
    await w.run(w.acts.rollImage, { stack: w.stack, image: from });
    assert.deepEqual(w.swarm.stepwiseReplaced, [1, 2, 1, 2]);
    assert.equal((await w.swarm.inspectService(w.service))?.image, from);
    for (const slot of [1, 2, 3]) assert.equal(w.vault.node(slot).sealed, false, `vault-${slot} unsealed`);
  });
});
