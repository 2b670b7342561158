/**
 * Disaster recovery with the worker killed mid-restore (issue 11): the stack is removed with its data
 * folders, `RestoreVault` starts, and the worker is SIGKILLed once the leader holds the throwaway init (its
 * scratch custody record written: the moment a lost key would cost the most). A new worker resumes the same
 * run; the restore completes with one init of the leader, every entry and the canary back, and the hold
 * released. Run with `npm run test:faults` (or this file alone).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { holdWorkflowId, restoreWorkflowId } from '../../src/shared/workflow-ids';
import { activityCounts, historyOf, testbedTemporalClient } from '../support/history';
import { rootSession } from '../support/root-session';
import { seedVerification } from '../support/seed-verify';
import { backupTarget } from '../support/backup-target';
import { startAndBootstrap } from '../support/bootstrapped';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { killProcess, TestRun } from '../support/testbed';
import { eventually } from '../support/wait';

const ENTRIES = 100;

describe('disaster recovery with the worker killed mid-restore', () => {
  const run = new TestRun();
  const backups = backupTarget(run);
  const { folder, env: extra } = backups;
  const temporal = testbedTemporalClient();
  let worker: ChildProcess;
  let snapshot = '';

  before(async () => {
    backups.mount();
    worker = await startAndBootstrap(run, extra);
    const { vault, root } = await rootSession(run, extra);
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
    await cleanUpLeavingNothing(run);
  });

  it('SIGKILL once the throwaway init is in custody: a new worker resumes, one init, everything back', async () => {
    await run.removeStackAndData();

    const started = await run.client(['restore', '--snapshot', snapshot, '--yes'], extra);
    assert.equal(started.code, 0, started.out);
    // The scratch record: `<stack>.restore-<run>.json` in the custody folder.
    const scratch = () => readdirSync(run.custodyDir).find((f) => f.startsWith(`${run.stack}.restore-`));
    await eventually('the throwaway init in custody', 180_000, () => Promise.resolve(scratch()));
    const killedWith = scratch();
    const killedAt = Date.now();
    await killProcess(worker);
    worker = run.startWorker(extra);

    const res = await run.client(['restore', '--snapshot', snapshot, '--yes', '--wait'], extra);
    assert.equal(res.code, 0, res.out);
    console.log(
      `killed with ${killedWith} in custody; restored ${((Date.now() - killedAt) / 1000).toFixed(1)} s later\n${res.out}`,
    );
    assert.ok(
      existsSync(join(run.custodyDir, `${run.stack}.json`)),
      'the stack custody record is still there',
    );
    // One throwaway init (no second answer kept beside it as a conflict), and its scratch record removed once
    // the restore checked out (issue 27).
    assert.deepEqual(
      readdirSync(run.custodyDir).filter((f) => f.includes('.restore-') || f.includes('.conflict-')),
      [],
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
    const { vault, root } = await rootSession(run, extra);
    for (let i = 0; i < ENTRIES; i++)
      assert.equal((await vault.readKv(root, `e2e/entry-${i}`))?.n, String(i), `entry ${i}`);
  });
});
