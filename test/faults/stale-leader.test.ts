/**
 * Issue 26 on the test bed, with real OpenBao: a bootstrap run again when vault-1 is an unsealed standby whose
 * `leader_address` still names the node that was active, sealed since, and the third node is sealed too (what
 * a host dockerd restart left when vault-1 happened to be unsealed first). OpenBao reads a standby's leader
 * address from its own Raft data, so with no quorum it keeps naming the last active node. The run must unseal
 * the members a quorum needs (unsealLeader) and complete; before the fix it took the stale address for an
 * active node and joinPeers failed with `reading the autopilot configuration on vault-1: HTTP 307`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { DockerGateway } from '../../src/docker/gateway';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { VaultNodeClient } from '../../src/vault/gateway';
import { stepSummary, temporalClient } from '../support/history';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { TestRun } from '../support/testbed';
import { eventually } from '../support/wait';

describe('a re-run with vault-1 a standby naming a sealed leader (issue 26)', () => {
  const run = new TestRun();
  const gateway = new DockerGateway('/var/run/docker.sock');
  const service = `${run.stack}_vault`;
  let client: Client;
  let connection: Connection;

  /** A client of `slot`'s current task (the bed's certificate carries every slot's name). */
  async function nodeOf(slot: number): Promise<VaultNodeClient | undefined> {
    const address = (await gateway.currentTasks(service)).get(slot)?.address;
    return address ? run.vaultClient(`vault-${slot}`, address, 'vault-1') : undefined;
  }

  /** Kills `slot`'s container and waits until Swarm's replacement answers, sealed; returns its client. */
  async function restartSealed(slot: number): Promise<VaultNodeClient> {
    const old = await run.slotContainer(slot);
    assert.ok(old, `a running container for slot ${slot}`);
    await run.docker.getContainer(old).kill();
    return eventually(`a new vault-${slot} answering sealed`, 120_000, async () => {
      const now = await run.slotContainer(slot);
      if (!now || now === old) return undefined;
      const c = await nodeOf(slot);
      return (await c?.sealStatus())?.sealed ? c : undefined;
    });
  }

  /** The summary of `step` in the latest bootstrap run. */
  const summaryOf = (step: string) => stepSummary(client, bootstrapWorkflowId(run.stack), step);

  before(async () => {
    ({ client, connection } = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
    run.startWorker();
  });
  after(async () => {
    await cleanUpLeavingNothing(run);
    await connection.close();
  });

  it('bootstraps', async () => {
    const boot = await run.client(['bootstrap', '--wait']);
    assert.equal(boot.code, 0, boot.out);
  });

  it('runs again to completion, unsealing the peers a Raft quorum needs', async () => {
    const { unsealKey } = await run.custody().read(run.stack);
    // vault-1 restarts: vault-2 or vault-3 takes over.
    const v1 = await restartSealed(1);
    const taken = await eventually('vault-2 or vault-3 active', 60_000, async () => {
      for (const slot of [2, 3]) if ((await (await nodeOf(slot))?.leader())?.isSelf) return slot;
      return undefined;
    });
    // vault-1 unsealed by hand: a standby of the new active node.
    await v1.unseal(unsealKey);
    await eventually(`vault-1 a standby of vault-${taken}`, 60_000, async () => {
      const l = await v1.leader();
      return !l.isSelf && l.leaderAddress.includes(`vault-${taken}`) ? true : undefined;
    });
    // vault-2 and vault-3 restart: sealed, no quorum. vault-1 still names vault-<taken>, sealed now.
    await Promise.all([restartSealed(2), restartSealed(3)]);
    const stale = await v1.leader();
    assert.equal(stale.isSelf, false);
    assert.match(stale.leaderAddress, new RegExp(`vault-${taken}`), 'the stale leader address (issue 26)');
    assert.equal((await v1.sealStatus()).sealed, false);

    const again = await run.client(['bootstrap', '--wait']);
    assert.equal(again.code, 0, again.out);
    assert.match(
      await summaryOf('unsealLeader'),
      /^vault-1 already unsealed \(and vault-[23](, vault-3)? for a Raft quorum\)$/,
    );
    assert.equal(await summaryOf('joinPeers'), 'peers already joined');
  });
});
