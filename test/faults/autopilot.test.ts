/**
 * Autopilot as BootstrapVault configures it, on the test bed (docs/performance.md, "Autopilot"): a first
 * bootstrap forms the cluster with a short stabilization and ends on the decided settings (dead-server clean-up
 * with min_quorum 3 after 10 minutes, 10 s stabilization); settings changed by hand are put back by the next
 * run. The clean-up itself: a fourth server that joined and then went away is pruned after the threshold (set
 * to Vault's shortest, 1 minute, for the test), and a standby gone as long once only three voters are left is
 * not (min_quorum).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { DockerGateway } from '../../src/docker/gateway';
import { AUTOPILOT_CONFIG, FORMING_STABILIZATION_TIME } from '../../src/shared/constants';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { VaultNodeClient } from '../../src/vault/gateway';
import { stepSummary, temporalClient } from '../support/history';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { TestRun, dockerCli } from '../support/testbed';
import { eventually, sleep } from '../support/wait';

describe('autopilot as the bootstrap configures it', () => {
  const run = new TestRun();
  const gateway = new DockerGateway('/var/run/docker.sock');
  let client: Client;
  let connection: Connection;

  async function leader(): Promise<{ client: VaultNodeClient; address: string }> {
    return eventually('an active node', 60_000, async () => {
      for (const task of (await gateway.currentTasks(`${run.stack}_vault`)).values()) {
        if (!task.address) continue;
        const c = run.vaultClient(`vault-${task.slot}`, task.address, 'vault-1');
        // A sealed node (slot 4 before its unseal) answers 503: not the leader, ask the next one.
        if ((await c.leader().catch(() => undefined))?.isSelf) return { client: c, address: task.address };
      }
      return undefined;
    });
  }

  /**
   * Kills the container of `slot`'s task. Swarm starts another after the restart delay, but nobody unseals
   * it, and a sealed server takes no part in Raft: to the cluster, the server is gone.
   */
  async function killSlot(slot: number): Promise<void> {
    const target = await run.slotContainer(slot);
    assert.ok(target, `a running container for slot ${slot}`);
    await run.docker.getContainer(target).kill();
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

  it('a first bootstrap puts the decided settings in place', async () => {
    const boot = await run.client(['bootstrap', '--wait']);
    assert.equal(boot.code, 0, boot.out);
    assert.equal(
      await summaryOf('joinPeers'),
      `joined vault-2, vault-3; autopilot configured (stabilization ${FORMING_STABILIZATION_TIME} while the cluster forms)`,
    );
    assert.equal(
      await summaryOf('unsealPeers'),
      'unsealed vault-2, vault-3; autopilot stabilization back to 10s',
    );
    const { workerToken } = await run.custody().read(run.stack);
    assert.deepEqual(await (await leader()).client.autopilotConfiguration(workerToken!), AUTOPILOT_CONFIG);
  });

  it('settings changed by hand on the formed cluster: the next bootstrap run puts the decided ones back', async () => {
    const { workerToken } = await run.custody().read(run.stack);
    const active = await leader();
    await active.client.setAutopilotConfiguration(workerToken!, {
      ...AUTOPILOT_CONFIG,
      deadServerLastContactThreshold: '60s',
      serverStabilizationTime: '30s',
    });
    const again = await run.client(['bootstrap', '--wait']);
    assert.equal(again.code, 0, again.out);
    assert.equal(await summaryOf('joinPeers'), 'peers already joined; autopilot configured');
    assert.equal(await summaryOf('unsealPeers'), 'peers already unsealed');
    assert.deepEqual(await active.client.autopilotConfiguration(workerToken!), AUTOPILOT_CONFIG);
    const servers = await active.client.raftConfiguration(workerToken!);
    assert.deepEqual(
      servers.map((s) => ({ id: s.nodeId, voter: s.voter })).sort((a, b) => a.id.localeCompare(b.id)),
      [1, 2, 3].map((n) => ({ id: `vault-${n}`, voter: true })),
    );
  });

  it('a server that is gone is pruned once it has been out of contact for the threshold, leaving three voters', async () => {
    // A fourth server under an id outside the three slots, as a node replaced outside the slot scheme
    // would join: the stack's own service scaled to four, so slot 4 is `vault-4` with its own folder.
    const service = `${run.stack}_vault`;
    const slotDir = join(run.stackDir, 'vault-4');
    for (const sub of ['data', 'logs']) mkdirSync(join(slotDir, sub), { recursive: true });
    await dockerCli([
      'service',
      'update',
      '--detach',
      '--replicas-max-per-node',
      '4',
      '--replicas',
      '4',
      service,
    ]);
    const fourth = await eventually('slot 4 answering', 120_000, async () => {
      const task = (await gateway.currentTasks(service)).get(4);
      if (!task?.address) return undefined;
      const c = run.vaultClient('vault-4', task.address, 'vault-1');
      return (await c.sealStatus()).initialized ? undefined : c;
    });

    const { workerToken, unsealKey } = await run.custody().read(run.stack);
    const active = await leader();
    assert.equal(await fourth.raftJoin(`https://${active.address}:8200`, 'vault-1'), true);
    await eventually('vault-4 to take the join', 60_000, async () =>
      (await fourth.sealStatus()).initialized ? true : undefined,
    );
    await fourth.unseal(unsealKey);
    const voters = (servers: { nodeId: string; voter: boolean }[]): string[] =>
      servers
        .filter((s) => s.voter)
        .map((s) => s.nodeId)
        .sort();
    await eventually('vault-4 promoted to voter', 120_000, async () =>
      voters(await active.client.raftConfiguration(workerToken!)).includes('vault-4') ? true : undefined,
    );

    // The shortest threshold Vault takes, so the test waits a minute, not ten.
    await active.client.setAutopilotConfiguration(workerToken!, {
      ...AUTOPILOT_CONFIG,
      deadServerLastContactThreshold: '1m',
    });
    const gone = Date.now();
    await killSlot(4);

    const left = await eventually('vault-4 pruned from the Raft configuration', 240_000, async () => {
      const servers = await active.client.raftConfiguration(workerToken!);
      return servers.some((s) => s.nodeId === 'vault-4') ? undefined : servers;
    });
    console.log(`vault-4 pruned ${((Date.now() - gone) / 1000).toFixed(1)} s after it was killed`);
    assert.deepEqual(voters(left), ['vault-1', 'vault-2', 'vault-3']);
    assert.equal(left.length, 3);

    // Three voters left, min_quorum 3: a standby gone as long is not pruned, the quorum stays three.
    const tasks = await gateway.currentTasks(service);
    const standby = ([2, 3] as const).find((slot) => tasks.get(slot)?.address !== active.address)!;
    await killSlot(standby);
    await sleep(90_000); // 1.5 times the threshold; vault-4 went after ~57 s
    assert.deepEqual(voters(await active.client.raftConfiguration(workerToken!)), [
      'vault-1',
      'vault-2',
      'vault-3',
    ]);
  });
});
