/**
 * BootstrapVault end to end on the test bed: real Docker Swarm, real OpenBao, the real Temporal dev
 * server, the worker as its own process and the `vault-bootstrap` client as operators run it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import { loadWorkerConfig } from '../../src/config/worker';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { buildActivityDeps } from '../../src/wiring';
import {
  activitiesOf,
  activityCounts,
  historyOf,
  historyText,
  secretForms,
  temporalClient,
} from '../support/history';
import type { HistoryEvent } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { snapshot } from '../support/stack-snapshot';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { dockerCli, TestRun } from '../support/testbed';
import { testDir } from '../support/tmp';

function stepDurations(events: HistoryEvent[]): string {
  return activitiesOf(events)
    .filter((a) => a.completedAt !== undefined)
    .map((a) => `${a.type}=${(((a.completedAt ?? 0) - a.scheduledAt) / 1000).toFixed(1)}s`)
    .join(' ');
}

describe('BootstrapVault end to end', () => {
  const run = new TestRun();
  const { custodyDir, custodyKeyFile: keyFile } = run;
  const workflowId = bootstrapWorkflowId(run.stack);
  let client: Client;
  let connection: Connection;
  const runIds: string[] = [];
  /** Each slot's audit log, from its logs folder on the bed (undefined: none). */
  const auditLogs = () =>
    [1, 2, 3].map((slot) => {
      try {
        return readFileSync(join(run.stackDir, `vault-${slot}`, 'logs', 'audit.log'), 'utf8');
      } catch {
        return undefined;
      }
    });

  before(async () => {
    ({ client, connection } = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
    run.startWorker();
  });
  after(async () => {
    await cleanUpLeavingNothing(run, 'the stack leaves nothing behind');
    await connection.close();
  });

  it('bootstraps from an empty swarm, and the seed verification holds', async () => {
    const started = Date.now();
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    console.log(`cold bootstrap through the client: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    assert.match(res.out, /is bootstrapped and verified/);
    const v = await seedVerification(run.stack, custodyDir, keyFile);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.equal(v.leaders, 1, v.listPeers);
    assert.equal(v.followers, 2, v.listPeers);
    // The audit device (docker-stack-vault.openbao.yml): every node opened /vault/logs/audit.log on its logs
    // folder, and the active node wrote the bootstrap's last step there (the tool's policies).
    const logs = auditLogs();
    assert.deepEqual(
      logs.map((l) => l !== undefined),
      [true, true, true],
      'each node has its audit log',
    );
    assert.ok(
      logs.some((l) => l?.includes('"path":"sys/policies/acl/vault-bootstrap-worker"')),
      'the active node audited the policy writes',
    );
    const desc = await client.workflow.getHandle(workflowId).describe();
    runIds.push(desc.runId);
    const events = await historyOf(client, workflowId, desc.runId);
    console.log(`step durations (history): ${stepDurations(events)}`);
    for (const [type, c] of activityCounts(events)) assert.deepEqual(c, { scheduled: 1, completed: 1 }, type);
    assert.equal(desc.searchAttributes.VaultBootstrapStep?.[0], 'done');
    // No peer joined at the rotation, every slot at its home: every task restarted at once, then the stack's update_config
    // (one at a time, stop-first) came back, with no label of the bootstrap's left on the service.
    const rotate = activitiesOf(events).find((a) => a.type === 'rotateUnsealKeySecret');
    assert.match(
      JSON.stringify(rotate?.result),
      /all tasks at once \(no peer joined yet, every slot at its home\)/,
    );
    const spec = JSON.parse(
      await dockerCli(['service', 'inspect', '--format', '{{json .Spec}}', `${run.stack}_vault`]),
    ) as { UpdateConfig?: { Parallelism?: number; Order?: string }; Labels?: Record<string, string> };
    assert.deepEqual(
      { parallelism: spec.UpdateConfig?.Parallelism, order: spec.UpdateConfig?.Order },
      { parallelism: 1, order: 'stop-first' },
    );
    assert.deepEqual(
      Object.keys(spec.Labels ?? {}).filter((k) => k.startsWith('io.iklimco.vault-bootstrap.')),
      [],
    );
  });

  it('runs again on the bootstrapped cluster and changes nothing', async () => {
    const before = await snapshot(run, custodyDir);
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    const desc = await client.workflow.getHandle(workflowId).describe();
    assert.notEqual(desc.runId, runIds[0], 'a new run of the same workflow id');
    runIds.push(desc.runId);
    const result = (await client.workflow.getHandle(workflowId, desc.runId).result()) as {
      steps: { step: string; summary: string }[];
    };
    const summary = Object.fromEntries(result.steps.map((s) => [s.step, s.summary]));
    assert.match(summary.initLeader ?? '', /already initialized/);
    assert.match(summary.rotateUnsealKeySecret ?? '', /already on .*_v1$/);
    assert.match(summary.unsealPeers ?? '', /already unsealed/);
    assert.deepEqual(
      await snapshot(run, custodyDir),
      before,
      'no new secret version, no init, no task restart',
    );
  });

  it('keeps the unseal key and root token out of every history and the worker log', async () => {
    const held = await run.custody().read(run.stack);
    // The bootstrap's last step revoked the root token and dropped it from custody: the worker's token is there.
    assert.equal(held.rootToken, undefined, 'no root token left in custody');
    assert.ok(held.workerToken, 'custody holds the worker token');
    assert.ok(held.snapshotToken && held.rootGenerationToken, 'and the snapshot and root generation tokens');
    const log = readFileSync(run.workerLog, 'utf8');
    assert.ok(log.length > 0);
    const audit = auditLogs().join('\n');
    assert.ok(audit.length > 0);
    for (const secret of [held.workerToken, held.snapshotToken, held.rootGenerationToken])
      for (const form of secretForms(secret))
        assert.ok(!audit.includes(form), 'the audit logs hold a token in the clear (they HMAC it)');
    for (const runId of runIds) {
      const text = historyText(await historyOf(client, workflowId, runId));
      for (const secret of [held.unsealKey, held.workerToken, held.snapshotToken, held.rootGenerationToken]) {
        for (const form of secretForms(secret)) {
          assert.ok(!text.includes(form), `history of run ${runId} holds key material`);
          assert.ok(!log.includes(form), 'worker log holds key material');
        }
      }
    }
  });

  it('refuses by name, touching nothing, when Vault is initialized and custody has no key', async () => {
    await run.stopWorkers();
    const emptyCustody = testDir('vbt-empty-custody-');
    run.startWorker({
      VAULT_BOOTSTRAP_CUSTODY_DIR: join(emptyCustody, 'c'),
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: join(emptyCustody, 'k'),
    });
    const before = await snapshot(run, custodyDir);
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 1, res.out);
    assert.match(
      res.out,
      /UnsealKeyUnavailable: vault-1 of .* is already initialized, but custody holds no key .* Nothing was changed/,
    );
    assert.deepEqual(await snapshot(run, custodyDir), before);
    await run.stopWorkers();
  });

  it('refuses by name, touching nothing, when custody holds another key', async () => {
    const otherBase = testDir('vbt-other-custody-');
    const other = { dir: join(otherBase, 'c'), keyFile: join(otherBase, 'k') };
    await new FileKeyCustody(other).store(run.stack, {
      unsealKey: Buffer.alloc(32, 1).toString('base64'),
      rootToken: 's.not-the-token',
    });
    run.startWorker({
      VAULT_BOOTSTRAP_CUSTODY_DIR: other.dir,
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: other.keyFile,
    });
    const before = await snapshot(run, custodyDir);
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /CustodyKeyMismatch: .* Nothing was changed/);
    assert.deepEqual(await snapshot(run, custodyDir), before);
    await run.stopWorkers();

    // The same wrong key against a sealed leader: Vault itself rejects it, and the leader stays sealed.
    const ctr = (await dockerCli(['ps', '-q', '-f', `name=${run.stack}_vault.1.`])).trim();
    await dockerCli(['kill', ctr]);
    const acts = createActivities(
      buildActivityDeps(
        loadWorkerConfig(
          run.env({
            VAULT_BOOTSTRAP_CUSTODY_DIR: other.dir,
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: other.keyFile,
          }),
        ),
      ),
    );
    const mock = new MockActivityEnvironment();
    await assert.rejects(mock.run(acts.unsealLeader, { stack: run.stack }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'UnsealKeyRejected');
      assert.equal(err.nonRetryable, true);
      return true;
    });

    // With the right custody the same workflow heals the restarted, sealed leader.
    run.startWorker();
    const healed = await run.client(['bootstrap', '--wait']);
    assert.equal(healed.code, 0, healed.out);
    assert.match(healed.out, /unsealLeader\s+done\s+unsealed vault-1/);
  });
});
