/**
 * Autopilot as BootstrapVault configures it, on the test bed (docs/performance.md, "Autopilot"): a first
 * bootstrap forms the cluster with a 2 s stabilization and ends on the decided settings (dead-server clean-up
 * with min_quorum 3 after 10 minutes, 10 s stabilization); settings changed by hand are put back by the next
 * run. That clean-up prunes a server that is gone is not shown here yet (see docs/performance.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { DockerGateway } from '../../src/docker/gateway';
import { AUTOPILOT_CONFIG, bootstrapWorkflowId } from '../../src/shared/constants';
import type { VaultNodeClient } from '../../src/vault/gateway';
import { activitiesOf, historyOf, temporalClient } from '../support/history';
import { TestRun } from '../support/testbed';
import { eventually } from '../support/wait';

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
        if ((await c.leader()).isSelf) return { client: c, address: task.address };
      }
      return undefined;
    });
  }

  /** The summary of `step` in the latest bootstrap run. */
  async function stepSummary(step: string): Promise<string> {
    const id = bootstrapWorkflowId(run.stack);
    const { runId } = await client.workflow.getHandle(id).describe();
    const done = activitiesOf(await historyOf(client, id, runId)).find((a) => a.type === step);
    return (done?.result as { summary?: string } | undefined)?.summary ?? '';
  }

  before(async () => {
    ({ client, connection } = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
    run.startWorker();
  });
  after(async () => {
    await run.cleanup();
    assert.deepEqual(await run.leftovers(), []);
    await connection.close();
  });

  it('a first bootstrap puts the decided settings in place', async () => {
    const boot = await run.client(['bootstrap', '--wait']);
    assert.equal(boot.code, 0, boot.out);
    assert.equal(
      await stepSummary('joinPeers'),
      'joined vault-2, vault-3; autopilot configured (stabilization 2s while the cluster forms)',
    );
    assert.equal(
      await stepSummary('unsealPeers'),
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
    assert.equal(await stepSummary('joinPeers'), 'peers already joined; autopilot configured');
    assert.equal(await stepSummary('unsealPeers'), 'peers already unsealed');
    assert.deepEqual(await active.client.autopilotConfiguration(workerToken!), AUTOPILOT_CONFIG);
    const servers = await active.client.raftConfiguration(workerToken!);
    assert.deepEqual(
      servers.map((s) => ({ id: s.nodeId, voter: s.voter })).sort((a, b) => a.id.localeCompare(b.id)),
      [1, 2, 3].map((n) => ({ id: `vault-${n}`, voter: true })),
    );
  });
});
