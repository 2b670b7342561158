/**
 * Each slot on its own data (src/activities/cluster/homes.ts), in memory: the tool records a slot's home when it
 * makes the slot's data (init, join) or first unseals it, never unseals a slot's task on another node, and puts
 * the slots back on their homes when Swarm shuffled them and no quorum runs at home.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { homeLabel, homesOf } from '../../../src/activities/cluster/homes';
import { LABEL_PAUSED_FOR } from '../../../src/shared/constants';
import type { HealthReport } from '../../../src/shared/health';
import { fakeWorld, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { TestCertificates } from '../../support/certs';
import { testDir } from '../../support/tmp';

/** A certificate folder made with openssl: the health check reads the one on disk. */
let certDir = '';
before(async () => {
  const certs = new TestCertificates(testDir('vbt-homes-'));
  await certs.createCa();
  await certs.issueServer(1);
  certDir = certs.dir;
});

/** A formed cluster (vault-N's data on node-N) whose tasks all stopped at once and came back where `placement` says. */
async function shuffled(placement: Record<number, string>): Promise<World> {
  const w = await worldAfter('revokeRootToken', { certDir });
  w.swarm.restartAllOn(w.service, placement);
  w.failpoints.clear();
  return w;
}

async function placement(w: World): Promise<string[]> {
  const tasks = await w.swarm.currentTasks(w.service);
  return [1, 2, 3].map((s) => `vault-${s}@${tasks.get(s)?.nodeId ?? '-'}`);
}

async function homes(w: World): Promise<string[]> {
  const h = homesOf(await w.swarm.listNodes(), w.stack);
  return [1, 2, 3].map((s) => `vault-${s}@${h.get(s as 1 | 2 | 3) ?? '-'}`);
}

/** Names of the nodes the tool left paused, or carrying its pause label. */
async function pausedLeft(w: World): Promise<string[]> {
  return (await w.swarm.listNodes())
    .filter((n) => n.availability !== 'active' || n.labels[LABEL_PAUSED_FOR] !== undefined)
    .map((n) => n.id);
}

/** Another node joins the swarm: `node-N`, ready, active, no labels. */
function addNode(w: World, n: number): void {
  w.swarm.nodes.push({
    id: `node-${n}`,
    hostname: `host-${n}`,
    state: 'ready',
    availability: 'active',
    labels: {},
  });
}

const HOME = ['vault-1@node-1', 'vault-2@node-2', 'vault-3@node-3'];

describe('slot homes', () => {
  it('a bootstrap records each slot home where it made its data: init for vault-1, the joins for the peers', async () => {
    const w = await worldAfter('revokeRootToken');
    assert.deepEqual(await homes(w), HOME);
    const n1 = w.swarm.nodes.find((n) => n.id === 'node-1')!;
    assert.match(n1.labels[homeLabel(w.stack, 1)] ?? '', /^\d+$/);
  });

  it('all tasks stopped at once and vault-1, vault-2 started on each other’s nodes: put back, then unsealed at home', async () => {
    const w = await shuffled({ 1: 'node-2', 2: 'node-1', 3: 'node-3' });
    assert.deepEqual(await placement(w), ['vault-1@node-2', 'vault-2@node-1', 'vault-3@node-3']);
    const unsealsBefore = w.vault.calls.unseal.length;
    const scalesBefore = w.swarm.scales.length; // the bootstrap's own steered rotation scaled too
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.match(
      out.summary,
      /^started vault-1, vault-2 again on the nodes that hold their data; unsealed vault-1/,
    );
    assert.deepEqual(await placement(w), HOME);
    assert.deepEqual(
      w.swarm.scales.slice(scalesBefore).map((s) => s.replicas),
      [0, 1, 2, 3],
      'every task stopped, then one slot at a time',
    );
    assert.deepEqual(await pausedLeft(w), [], 'every node it paused is active again');
    assert.deepEqual(await homes(w), HOME, 'the homes did not move');
    assert.ok(w.vault.calls.unseal.length > unsealsBefore);
    assert.notEqual(w.vault.activeSlot(), undefined);
  });

  it('a three-way shuffle: every slot put back', async () => {
    const w = await shuffled({ 1: 'node-2', 2: 'node-3', 3: 'node-1' });
    await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(await placement(w), HOME);
  });

  it('a crash in the middle (one slot placed, the others paused away): the retry carries on from there', async () => {
    const w = await shuffled({ 1: 'node-2', 2: 'node-1', 3: 'node-3' });
    // What the rehome had done when it died: nodes 2 and 3 paused (its label), all stopped, slot 1 placed on node-1.
    for (const id of ['node-2', 'node-3'])
      await w.swarm.updateNode(id, { availability: 'pause', labels: { [LABEL_PAUSED_FOR]: w.stack } });
    await w.swarm.scaleService(w.service, 0);
    await w.swarm.scaleService(w.service, 1);
    assert.deepEqual(await placement(w), ['vault-1@node-1', 'vault-2@-', 'vault-3@-']);
    w.swarm.scales.length = 0;
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.match(out.summary, /again on the nodes that hold their data/);
    assert.deepEqual(
      w.swarm.scales.map((s) => s.replicas),
      [2, 3],
    );
    assert.deepEqual(await placement(w), HOME);
    assert.deepEqual(await pausedLeft(w), []);
  });

  it('a slot away while a quorum runs at home (a fourth node): not moved, never unsealed there, reported', async () => {
    const w = await worldAfter('revokeRootToken', { certDir });
    addNode(w, 4);
    w.swarm.restartAllOn(w.service, { 1: 'node-1', 2: 'node-2', 3: 'node-4' });
    w.swarm.scales.length = 0;
    const out = await w.run(w.acts.unsealLeader, w.input);
    assert.doesNotMatch(out.summary, /again on the nodes/);
    assert.deepEqual(w.swarm.scales, [], 'nothing stopped: a quorum is at home');
    assert.match(out.summary, /\(and vault-2 for a Raft quorum\)$/);
    assert.equal(w.vault.node(3).sealed, true, 'vault-3 is not unsealed on node-4');
    const report: HealthReport = await w.run(w.acts.checkVaultHealth, { stack: w.stack, settleSeconds: 0 });
    const away = report.findings.find((f) => f.code === 'SlotAwayFromHome');
    assert.equal(away?.node, 'vault-3');
    assert.deepEqual(await w.run(w.acts.remediateNode, { stack: w.stack }, report, 'vault-3'), []);
    assert.equal(w.vault.node(3).sealed, true);
  });

  it('health after a shuffle: SlotAwayFromHome for the moved slots; remediation puts them back, then unseals each at home', async () => {
    const w = await shuffled({ 1: 'node-2', 2: 'node-1', 3: 'node-3' });
    const report: HealthReport = await w.run(w.acts.checkVaultHealth, { stack: w.stack, settleSeconds: 0 });
    assert.deepEqual(
      report.findings.filter((f) => f.code === 'SlotAwayFromHome').map((f) => f.node),
      ['vault-1', 'vault-2'],
    );
    const unsealsBefore = w.vault.calls.unseal.length;
    const actions = await w.run(w.acts.remediateNode, { stack: w.stack }, report, 'vault-1');
    assert.deepEqual(actions, [
      'started vault-1, vault-2 again on the nodes that hold their data',
      'unsealed vault-1',
      'unsealed vault-2',
      'unsealed vault-3',
    ]);
    assert.deepEqual(await placement(w), HOME);
    assert.deepEqual(
      w.vault.calls.unseal.slice(unsealsBefore),
      ['vault-1', 'vault-2', 'vault-3'],
      'each at home',
    );
    assert.deepEqual(
      w.metrics.actions.slice(-4).map((a) => a.action),
      ['rehome', 'unseal', 'unseal', 'unseal'],
    );
    // The second away slot's remediation, on the same report, finds them home: nothing more to do.
    assert.deepEqual(await w.run(w.acts.remediateNode, { stack: w.stack }, report, 'vault-2'), []);
  });

  it('a cluster bootstrapped before homes were recorded: the first unseal takes the node each slot runs on', async () => {
    const w = await worldAfter('revokeRootToken');
    for (const n of w.swarm.nodes) n.labels = {};
    w.swarm.restartAllOn(w.service, { 1: 'node-1', 2: 'node-3', 3: 'node-2' });
    await w.run(w.acts.unsealLeader, w.input);
    await w.run(w.acts.unsealPeers, w.input);
    assert.deepEqual(await homes(w), ['vault-1@node-1', 'vault-2@node-3', 'vault-3@node-2']);
  });

  it('a wiped peer joined on a new node: that node becomes its home, the old one loses the label', async () => {
    const w = await worldAfter('revokeRootToken');
    addNode(w, 4);
    w.swarm.nodes[2]!.state = 'down'; // node-3 lost
    w.swarm.placeNext.set(3, 'node-4');
    w.swarm.replaceTask(w.service, 3);
    w.vault.wipe(3);
    await w.run(w.acts.unsealPeers, w.input);
    assert.deepEqual(await homes(w), ['vault-1@node-1', 'vault-2@node-2', 'vault-3@node-4']);
    assert.equal(w.swarm.nodes[2]!.labels[homeLabel(w.stack, 3)], undefined);
    assert.equal(w.vault.node(3).sealed, false);
  });

  it('a lost node removed, its slot placed on a survivor whose own slot crashed: not unsealed there, that home not taken', async () => {
    const w = await worldAfter('revokeRootToken', { certDir });
    w.swarm.nodes[0]!.state = 'down'; // node-1 lost…
    w.swarm.nodes[0]!.labels = {}; // …and removed from the swarm (docker node rm): vault-1 has no home
    // vault-3's task crashed and, before Swarm restarted it, vault-1's waiting task took node-3: vault-3 waits.
    w.swarm.restartAllOn(w.service, { 1: 'node-3', 2: 'node-2' });
    assert.deepEqual(await placement(w), ['vault-1@node-3', 'vault-2@node-2', 'vault-3@-']);
    const report: HealthReport = await w.run(w.acts.checkVaultHealth, { stack: w.stack, settleSeconds: 0 });
    await assert.rejects(w.run(w.acts.remediateNode, { stack: w.stack }, report, 'vault-1'), (err: Error) => {
      assert.match(err.message, /vault-1 runs on host-3, whose volume holds vault-3's Raft data/);
      return true;
    });
    assert.equal(w.vault.node(1).sealed, true, 'vault-1 is not unsealed on vault-3’s data');
    assert.deepEqual(await homes(w), ['vault-1@-', 'vault-2@node-2', 'vault-3@node-3']);

    // The replacement joins; Swarm gives it the waiting vault-3. The remediation puts vault-3 back on node-3
    // and vault-1, which has no home, on the node that is no slot's home: the new one.
    addNode(w, 4);
    w.swarm.replaceTask(w.service, 3);
    assert.deepEqual(await placement(w), ['vault-1@node-3', 'vault-2@node-2', 'vault-3@node-4']);
    const after: HealthReport = await w.run(w.acts.checkVaultHealth, { stack: w.stack, settleSeconds: 0 });
    await w.run(w.acts.remediateNode, { stack: w.stack }, after, 'vault-3');
    assert.deepEqual(await placement(w), ['vault-1@node-4', 'vault-2@node-2', 'vault-3@node-3']);
    assert.deepEqual(await pausedLeft(w), []);
  });

  it('one node: every slot’s home is that node, nothing is ever moved', async () => {
    const w = fakeWorld();
    w.swarm.oneNode = true;
    await w.bootstrapThrough('revokeRootToken');
    assert.deepEqual(await homes(w), ['vault-1@node-1', 'vault-2@node-1', 'vault-3@node-1']);
    w.swarm.restartAllOn(w.service, {});
    w.swarm.scales.length = 0;
    await w.run(w.acts.unsealLeader, w.input);
    assert.deepEqual(w.swarm.scales, []);
  });
});
