/**
 * Autopilot as BootstrapVault configures it, on the test bed (docs/performance.md, "Autopilot").
 *
 * Dead-server clean-up removes a Raft server that is gone while the cluster has more than three
 * (`min_quorum` 3), and never one of the three slot members. The gone server here is a fourth OpenBao that
 * joined under its own node id, `vault-4`, then vanished: a node replaced outside the slot scheme (a slot's
 * replacement rejoins under the slot's id and replaces its own entry, so leaves no dead peer). The test
 * shortens the dead-server threshold to one minute (the decided ten would make a ten-minute test) and a
 * bootstrap run afterwards puts the decided settings back.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { DockerGateway } from '../../src/docker/gateway';
import { AUTOPILOT_CONFIG, bootstrapWorkflowId } from '../../src/shared/constants';
import { VaultNodeClient } from '../../src/vault/gateway';
import { activitiesOf, historyOf, temporalClient } from '../support/history';
import { dockerCli, REPO, TestRun } from '../support/testbed';
import { eventually } from '../support/wait';

describe('autopilot as the bootstrap configures it', () => {
  const run = new TestRun();
  const extra = `${run.stack}-vault-4`;
  const gateway = new DockerGateway('/var/run/docker.sock');
  const ca = readFileSync(join(run.bed.VAULT_CERT_DIR ?? '', 'ca.pem'));
  const [tunnelHost, tunnelPort] = (run.bed.VAULT_TUNNEL_ADDRESS ?? '127.0.0.1:18200').split(':');
  let client: Client;
  let connection: Connection;

  /** A client for `host`: the bed's certificate carries vault-1..3, so every node is verified as vault-1. */
  function vaultAt(name: string, host: string): VaultNodeClient {
    return new VaultNodeClient(
      name,
      { host, port: 8200, serverName: 'vault-1' },
      { mode: 'tunnel', host: tunnelHost!, port: Number(tunnelPort) },
      ca,
      { requestMs: 3000, initMs: 3000 },
    );
  }

  async function leader(): Promise<{ client: VaultNodeClient; address: string }> {
    return eventually('an active node', 60_000, async () => {
      for (const task of (await gateway.currentTasks(`${run.stack}_vault`)).values()) {
        if (!task.address) continue;
        const c = vaultAt(`vault-${task.slot}`, task.address);
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
    await dockerCli(['rm', '-f', extra]).catch(() => undefined);
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
    const { workerToken } = await new FileKeyCustody({
      dir: join(run.dir, 'custody'),
      keyFile: join(run.dir, 'custody.key'),
    }).read(run.stack);
    assert.deepEqual(await (await leader()).client.autopilotConfiguration(workerToken!), AUTOPILOT_CONFIG);
  });

  it('prunes a fourth server that is gone, keeps the three slot members, and a re-run restores the settings', async () => {
    const held = await new FileKeyCustody({
      dir: join(run.dir, 'custody'),
      keyFile: join(run.dir, 'custody.key'),
    }).read(run.stack);
    const token = held.workerToken!;
    const active = await leader();

    // A fourth server: the stack's own config file, its own data folder, node id vault-4.
    const dir = join(run.dir, 'vault-4');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'vault.json'),
      readFileSync(join(REPO, 'init', 'vault', 'vault-template-v2.json')),
    );
    await dockerCli([
      'run',
      '-d',
      '--name',
      extra,
      '--hostname',
      extra,
      '--network',
      'iklimco-net',
      '-e',
      `VAULT_API_ADDR=https://${extra}:8200`,
      '-e',
      `VAULT_CLUSTER_ADDR=https://${extra}:8201`,
      '-e',
      'VAULT_RAFT_NODE_ID=vault-4',
      '-v',
      `${run.bed.VAULT_CERT_DIR}:/vault/certs:ro`,
      '-v',
      `${join(dir, 'vault.json')}:/vault/config/vault.json:ro`,
      '-v',
      `${join(dir, 'data')}:/vault/data`,
      '--entrypoint',
      'vault',
      run.bed.VAULT_IMAGE ?? '',
      'server',
      '-config=/vault/config/vault.json',
    ]);
    const ip = (
      await dockerCli([
        'inspect',
        '--format',
        '{{(index .NetworkSettings.Networks "iklimco-net").IPAddress}}',
        extra,
      ])
    ).trim();
    const fourth = vaultAt('vault-4', ip);
    await eventually('vault-4 to answer', 60_000, () => fourth.sealStatus());
    await fourth.raftJoin(`https://${active.address}:8200`, 'vault-1');
    await eventually('vault-4 to report its join', 60_000, async () =>
      (await fourth.sealStatus()).initialized ? true : undefined,
    );
    await fourth.unseal(held.unsealKey);
    await eventually('vault-4 to become a voter', 120_000, async () =>
      (await active.client.raftConfiguration(token)).some((s) => s.nodeId === 'vault-4' && s.voter)
        ? true
        : undefined,
    );

    // Gone for good; one minute without contact makes it dead.
    await active.client.setAutopilotConfiguration(token, {
      ...AUTOPILOT_CONFIG,
      deadServerLastContactThreshold: '60s',
    });
    await dockerCli(['rm', '-f', extra]);
    const removedAt = Date.now();
    const servers = await eventually('autopilot to prune vault-4', 240_000, async () => {
      const now = await active.client.raftConfiguration(token);
      return now.some((s) => s.nodeId === 'vault-4') ? undefined : now;
    });
    console.log(`vault-4 pruned ${((Date.now() - removedAt) / 1000).toFixed(0)} s after it was removed`);
    assert.deepEqual(
      servers.map((s) => ({ id: s.nodeId, voter: s.voter })).sort((a, b) => a.id.localeCompare(b.id)),
      [1, 2, 3].map((n) => ({ id: `vault-${n}`, voter: true })),
    );
    assert.equal(servers.filter((s) => s.leader).length, 1);

    const again = await run.client(['bootstrap', '--wait']);
    assert.equal(again.code, 0, again.out);
    assert.equal(await stepSummary('joinPeers'), 'peers already joined; autopilot configured');
    assert.deepEqual(await active.client.autopilotConfiguration(token), AUTOPILOT_CONFIG);
  });
});
