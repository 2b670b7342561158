/**
 * Disaster recovery with the worker killed mid-restore (issue 11): the stack is removed with its data
 * folders, `RestoreVault` starts, and the worker is SIGKILLed once the leader holds the throwaway init (its
 * scratch custody record written: the moment a lost key would cost the most). A new worker resumes the same
 * run; the restore completes with one init of the leader, every entry and the canary back, and the hold
 * released. Run with `npm run test:faults` (or this file alone).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { holdWorkflowId, restoreWorkflowId } from '../../src/shared/workflow-ids';
import { DockerGateway } from '../../src/docker/gateway';
import { activityCounts, historyOf, testbedTemporalClient } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { dockerCli, TestRun } from '../support/testbed';
import { eventually } from '../support/wait';

const ENTRIES = 100;

describe('disaster recovery with the worker killed mid-restore', () => {
  const run = new TestRun();
  const backupRoot = join(run.dir, 'backups');
  const folder = join(backupRoot, run.stack);
  const extra = { VAULT_BACKUP_DIR: backupRoot };
  const temporal = testbedTemporalClient();
  const gateway = new DockerGateway('/var/run/docker.sock');
  let worker: ChildProcess;
  let snapshot = '';

  async function rootVault() {
    const issued = await run.client(['root-token', '--ttl', '10m'], extra);
    assert.equal(issued.code, 0, issued.out);
    const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
    assert.ok(task?.address, 'vault-1 runs');
    return { vault: run.vaultClient('vault-1', task.address), root: issued.stdout.trim() };
  }

  before(async () => {
    mkdirSync(folder, { recursive: true });
    worker = run.startWorker(extra);
    const boot = await run.client(['bootstrap', '--wait'], extra);
    assert.equal(boot.code, 0, boot.out);
    const { vault, root } = await rootVault();
    await vault.mountKv(root, 'e2e');
    for (let i = 0; i < ENTRIES; i++) await vault.writeKv(root, `e2e/entry-${i}`, { n: String(i) });
    const backup = await run.client(['backup', 'now', '--wait'], extra);
    assert.equal(backup.code, 0, backup.out);
    snapshot = readdirSync(folder).find((f) => f.endsWith('.snap'))!;
  });
  after(async () => {
    await temporal()
      .workflow.getHandle(holdWorkflowId(run.stack))
      .terminate('test over')
      .catch(() => undefined);
    await run.cleanup();
    assert.deepEqual(await run.leftovers(), []);
  });

  it('SIGKILL once the throwaway init is in custody: a new worker resumes, one init, everything back', async () => {
    await dockerCli(['stack', 'rm', run.stack]);
    await eventually('the stack gone', 120_000, async () =>
      (
        await run.docker.listContainers({
          all: true,
          filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
        })
      ).length === 0
        ? true
        : undefined,
    );
    rmSync(run.stackDir, { recursive: true, force: true });

    const started = await run.client(['restore', '--snapshot', snapshot], extra);
    assert.equal(started.code, 0, started.out);
    // The scratch record: `<stack>.restore-<run>.json` in the custody folder.
    const scratch = () => readdirSync(run.custodyDir).find((f) => f.startsWith(`${run.stack}.restore-`));
    await eventually('the throwaway init in custody', 180_000, () => Promise.resolve(scratch()));
    worker.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) =>
      worker.exitCode !== null || worker.signalCode !== null ? r(0) : worker.once('exit', r),
    );
    worker = run.startWorker(extra);

    const res = await run.client(['restore', '--snapshot', snapshot, '--wait'], extra);
    assert.equal(res.code, 0, res.out);
    console.log(
      `killed with ${scratch()} in custody; restored ${((Date.now() - killedAt) / 1000).toFixed(1)} s later\n${res.out}`,
    );
    assert.ok(
      existsSync(join(run.custodyDir, `${run.stack}.json`)),
      'the stack custody record is still there',
    );
    // One throwaway init: one scratch record, and no second answer kept beside it as a conflict.
    assert.deepEqual(
      readdirSync(run.custodyDir).filter((f) => f.includes('.restore-') || f.includes('.conflict-')),
      [scratch()],
    );

    // One run, every activity completed once (the killed attempt's retry aside), one throwaway init.
    const handle = temporal().workflow.getHandle(restoreWorkflowId(run.stack));
    const desc = await handle.describe();
    const events = await historyOf(temporal(), restoreWorkflowId(run.stack), desc.runId);
    for (const [type, c] of activityCounts(events))
      assert.equal(c.completed, 1, `${type}: ${JSON.stringify(c)}`);
    assert.match(res.out, /restoreLeader: /);

    const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.equal(v.leaders, 1, v.listPeers);
    assert.equal(v.followers, 2, v.listPeers);
    const { vault, root } = await rootVault();
    for (let i = 0; i < ENTRIES; i++)
      assert.equal((await vault.readKv(root, `e2e/entry-${i}`))?.n, String(i), `entry ${i}`);
  });
});
