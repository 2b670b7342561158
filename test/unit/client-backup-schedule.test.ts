/**
 * What `backup schedule create` sends to Temporal, without a server: the backup and restore-drill schedules
 * built from configuration, their defaults, and no drill schedule when `VAULT_DRILL_INTERVAL=off`. Also the
 * actions the parser accepts each have an implementation, and the runs' summaries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCHEDULE_ACTIONS } from '../../src/client/args';
import {
  backupSchedule,
  drillSchedule,
  SCHEDULE_COMMANDS,
  SCHEDULE_KINDS,
} from '../../src/client/commands/schedule';
import { loadClientConfig } from '../../src/config/client';
import { backupRunSummary, drillRunSummary } from '../../src/shared/run-text';
import { BackupVault, RestoreDrill } from '../../src/workflows';

const POLICIES = { overlap: 'SKIP', catchupWindow: '10 minutes', pauseOnFailure: false };

describe('client backup schedule', () => {
  it('starts BackupVault of the stack every VAULT_BACKUP_INTERVAL, never two at once', () => {
    const config = loadClientConfig({ VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops', VAULT_BACKUP_INTERVAL: '15m' });
    const s = backupSchedule(config, 's1');
    assert.deepEqual(s.spec, { intervals: [{ every: '15m' }] });
    assert.deepEqual(s.policies, POLICIES);
    assert.equal(s.action.type, 'startWorkflow');
    assert.equal(s.action.workflowType, BackupVault);
    assert.equal(s.action.taskQueue, 'q-ops');
    assert.equal(s.action.workflowId, 'vault-backup:s1');
    assert.deepEqual(s.action.args, [{ stack: 's1' }]);
    assert.equal(s.action.staticSummary, 'Backup s1 (scheduled)');
  });

  it('starts RestoreDrill of the stack every VAULT_DRILL_INTERVAL, never two at once', () => {
    const config = loadClientConfig({ VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops', VAULT_DRILL_INTERVAL: '7d' });
    const s = drillSchedule(config, 's1');
    assert.ok(s, 'a drill schedule');
    assert.deepEqual(s.spec, { intervals: [{ every: '7d' }] });
    assert.deepEqual(s.policies, POLICIES);
    assert.equal(s.action.type, 'startWorkflow');
    assert.equal(s.action.workflowType, RestoreDrill);
    assert.equal(s.action.taskQueue, 'q-ops');
    assert.equal(s.action.workflowId, 'vault-drill:s1');
    assert.deepEqual(s.action.args, [{ stack: 's1' }]);
    assert.equal(s.action.staticSummary, 'Restore drill s1 (scheduled)');
  });

  it('has production defaults: a backup every hour, a drill every day, on the default task queue', () => {
    const config = loadClientConfig({});
    const backup = backupSchedule(config, 'iklimco');
    const drill = drillSchedule(config, 'iklimco');
    assert.deepEqual(backup.spec, { intervals: [{ every: '1h' }] });
    assert.deepEqual(drill?.spec, { intervals: [{ every: '24h' }] });
    assert.equal(backup.action.taskQueue, 'vault-bootstrap');
    assert.equal(drill?.action.taskQueue, 'vault-bootstrap');
  });

  it('has no drill schedule when VAULT_DRILL_INTERVAL=off; the backups go on', () => {
    const config = loadClientConfig({ VAULT_DRILL_INTERVAL: 'off' });
    assert.equal(drillSchedule(config, 's1'), undefined);
    assert.deepEqual(backupSchedule(config, 's1').spec, { intervals: [{ every: '1h' }] });
  });

  it('every action acts on both schedules, the backup first', () => {
    const ids = (env: Record<string, string>) =>
      SCHEDULE_KINDS.backup.schedules(loadClientConfig(env), 's1').map((s) => s.id);
    assert.deepEqual(ids({}), ['vault-backup:s1', 'vault-drill:s1']);
    assert.deepEqual(ids({ VAULT_DRILL_INTERVAL: 'off' }), ['vault-backup:s1', 'vault-drill:s1']);
    assert.deepEqual(Object.keys(SCHEDULE_COMMANDS).sort(), [...SCHEDULE_ACTIONS].sort());
  });

  it('runs started on demand say so in their summary', () => {
    assert.equal(backupRunSummary('s1', 'on demand'), 'Backup s1 (on demand)');
    assert.equal(drillRunSummary('s1', 'on demand'), 'Restore drill s1 (on demand)');
  });
});
