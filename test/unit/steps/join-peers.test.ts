/** Step 6, joinPeers, in memory: each peer not yet in the leader's Raft cluster is joined, once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORKER_POLICY_HCL } from '../../../src/activities/cluster/policies';
import { VAULT_API_PORT } from '../../../src/shared/constants';
import { fakeWorld, standbyNamingSealedLeader, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

function leaderUnsealed(): Promise<World> {
  return worldAfter('unsealLeader');
}

/** For `assert.rejects`: the retryable NoActiveNodeError, its message beginning with `start`. */
function noActiveNode(start: string): (err: unknown) => true {
  return (err: unknown) => {
    retryableError(/./)(err);
    assert.equal((err as Error).name, 'NoActiveNodeError', (err as Error).message);
    assert.ok((err as Error).message.startsWith(start), (err as Error).message);
    return true;
  };
}

describe('joinPeers', () => {
  it('a peer whose first healthcheck has not passed (not in the DNS yet): the joins wait until it has', async () => {
    const w = await leaderUnsealed();
    w.swarm.awaitHealthcheck(w.service, 3); // its Vault answers, Swarm still says starting…
    w.swarm.delayTask(w.service, 3, 5); // …for five more reads
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.match(out.summary, /^joined vault-2, vault-3/);
    assert.equal(w.swarm.taskSnapshot(w.service, 3)?.state, 'running');
  });

  it('a peer that never passes its healthcheck: nothing joined, a retryable failure naming it', async () => {
    const w = await leaderUnsealed();
    w.swarm.awaitHealthcheck(w.service, 3);
    await assert.rejects(
      w.run(w.acts.joinPeers, w.input),
      retryableError(/in Docker's DNS .*vault-3 not yet running in Swarm/),
    );
    assert.deepEqual(w.vault.calls.join, [], 'no join before every task is in the DNS');
  });

  it('peers already joined: no wait for Swarm, whatever the healthchecks say', async () => {
    const w = await worldAfter('joinPeers');
    w.swarm.awaitHealthcheck(w.service, 2);
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.match(out.summary, /^peers already joined/);
  });

  it('fresh peers: joins both at once to the leader (its task address, server name vault-1)', async () => {
    const w = await leaderUnsealed();
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, {
      changed: true,
      summary: 'joined vault-2, vault-3; autopilot configured (stabilization 1s while the cluster forms)',
    });
    assert.deepEqual(w.vault.calls.join, ['vault-2', 'vault-3']);
    assert.equal(w.vault.node(2).initialized, true, 'a joined peer reports itself initialized');
    // Both peers at once: the second call goes out before the first one's answer is back.
    assert.deepEqual(w.failpoints.hits, [
      'joinPeers:before-join:vault-2',
      'joinPeers:before-join:vault-3',
      'joinPeers:after-join:vault-2',
      'joinPeers:after-join:vault-3',
    ]);
  });

  it('a forming cluster: the decided autopilot settings with a 1 s stabilization, before the joins, once', async () => {
    const w = await leaderUnsealed();
    await w.run(w.acts.joinPeers, w.input);
    const decided = {
      cleanupDeadServers: true,
      deadServerLastContactThreshold: '600s',
      minQuorum: 3,
      serverStabilizationTime: '10s',
    };
    assert.deepEqual(w.vault.autopilotConfig, { ...decided, serverStabilizationTime: '1s' });
    await w.run(w.acts.unsealPeers, w.input);
    assert.deepEqual(w.vault.autopilotConfig, decided, 'unsealPeers put the 10 s back');
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.equal(out.summary, 'peers already joined', 'a formed cluster keeps the decided settings');
    assert.equal(w.vault.autopilotWrites, 2);
  });

  it('a formed cluster whose settings differ (changed by hand): the decided ones, stabilization 10 s', async () => {
    const w = await worldAfter('unsealPeers');
    w.vault.autopilotConfig = { ...w.vault.autopilotConfig, minQuorum: 5, serverStabilizationTime: '30s' };
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.equal(out.summary, 'peers already joined; autopilot configured');
    assert.equal(w.vault.autopilotConfig.serverStabilizationTime, '10s');
    assert.equal(w.vault.autopilotConfig.minQuorum, 3);
  });

  it('a worker token whose policy predates the autopilot path: left as it is, said so, the joins go on', async () => {
    const w = await worldAfter('revokeRootToken');
    const held = await w.custody.read(w.stack);
    w.vault.policies.set(
      'policy-of-an-older-version',
      WORKER_POLICY_HCL.replace(/^path "sys\/storage\/raft\/autopilot\/configuration".*\n/m, ''),
    );
    w.vault.tokens.get(held.workerToken!)!.policies = ['policy-of-an-older-version'];
    w.vault.wipe(3);
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.equal(
      out.summary,
      'joined vault-3; autopilot left as it is (the token may not read its configuration)',
    );
  });

  it('peers joined and waiting for their unseal: not joined again', async () => {
    const w = await leaderUnsealed();
    await w.run(w.acts.joinPeers, w.input);
    w.failpoints.clear();
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, { changed: false, summary: 'peers already joined' });
    assert.deepEqual(w.vault.calls.join, ['vault-2', 'vault-3']);
    assert.deepEqual(w.failpoints.hits, []);
  });

  it('peers already Raft members: changes nothing', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('verifyCluster');
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, { changed: false, summary: 'peers already joined' });
  });

  it('one peer a member, the other wiped: joins only the wiped one', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('verifyCluster');
    w.vault.wipe(3);
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, { changed: true, summary: 'joined vault-3' });
  });

  it('a wiped peer still listed in the Raft configuration: joined again (its own initialized decides)', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('verifyCluster');
    w.vault.wipe(3, { stillListed: true });
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, { changed: true, summary: 'joined vault-3' });
    assert.equal(w.vault.node(3).initialized, true);
  });

  it('the leader sealed (no active node): NoActiveNodeError, retryable, nothing joined', async () => {
    const w = await leaderUnsealed();
    w.swarm.replaceTask(w.service, 1);
    await assert.rejects(
      w.run(w.acts.joinPeers, w.input),
      noActiveNode(
        'no active Vault node in s1_vault (vault-1 sealed; vault-2 not initialized; vault-3 not initialized)',
      ),
    );
    assert.deepEqual(w.vault.calls.join, []);
  });

  it('vault-1 an unsealed standby naming a sealed leader (issue 26): NoActiveNodeError saying so, not HTTP 307', async () => {
    const w = await standbyNamingSealedLeader();
    const { autopilotWrites, calls } = w.vault;
    const [writes, joins] = [autopilotWrites, calls.join.length];
    const leader = `https://${w.vault.addressOf(2)}:${VAULT_API_PORT}`;
    await assert.rejects(
      w.run(w.acts.joinPeers, w.input),
      noActiveNode(
        `no active Vault node in s1_vault (vault-1 unsealed standby naming ${leader} as leader; vault-2 sealed; vault-3 sealed)`,
      ),
    );
    assert.equal(w.vault.calls.join.length, joins, 'nothing joined');
    assert.equal(w.vault.autopilotWrites, writes, 'autopilot untouched');
  });

  it('vault-1 a standby, vault-2 active: a wiped peer is joined to vault-2, autopilot read there', async () => {
    const w = await worldAfter('verifyCluster');
    w.swarm.replaceTask(w.service, 1);
    assert.equal(w.vault.activeSlot(), 2, 'vault-2 took over');
    w.vault.node(1).sealed = false; // unsealed again, as unsealLeader does: vault-2 stays active
    w.vault.wipe(3);
    assert.equal(w.vault.activeSlot(), 2);
    const out = await w.run(w.acts.joinPeers, w.input);
    assert.deepEqual(out, { changed: true, summary: 'joined vault-3' });
    assert.equal(w.vault.node(3).initialized, true);
  });

  it('no key in custody: UnsealKeyUnavailable', async () => {
    const w = await leaderUnsealed();
    w.custody.lose(w.stack);
    await assert.rejects(w.run(w.acts.joinPeers, w.input), namedFailure('UnsealKeyUnavailable'));
  });
});
