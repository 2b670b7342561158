"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * What `backup schedule create` sends to Temporal, without a server: the backup and restore-drill schedules
 * built from configuration, their defaults, and no drill schedule when `VAULT_DRILL_INTERVAL=off`. Also the
 * actions the parser accepts each have an implementation, and the runs' summaries.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const args_1 = require("../../src/client/args");
const backup_1 = require("../../src/client/commands/backup");
const schedules_1 = require("../../src/client/commands/backup/schedules");
const spec_1 = require("../../src/client/commands/backup/spec");
const config_1 = require("../../src/config");
const run_text_1 = require("../../src/shared/run-text");
const workflows_1 = require("../../src/workflows");
const POLICIES = { overlap: 'SKIP', catchupWindow: '10 minutes', pauseOnFailure: false };
(0, node_test_1.describe)('client backup schedule', () => {
    (0, node_test_1.it)('starts BackupVault of the stack every VAULT_BACKUP_INTERVAL, never two at once', () => {
        const config = (0, config_1.loadClientConfig)({ VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops', VAULT_BACKUP_INTERVAL: '15m' });
        const s = (0, spec_1.backupSchedule)(config, 's1');
        strict_1.default.deepEqual(s.spec, { intervals: [{ every: '15m' }] });
        strict_1.default.deepEqual(s.policies, POLICIES);
        strict_1.default.equal(s.action.type, 'startWorkflow');
        strict_1.default.equal(s.action.workflowType, workflows_1.BackupVault);
        strict_1.default.equal(s.action.taskQueue, 'q-ops');
        strict_1.default.equal(s.action.workflowId, 'vault-backup:s1');
        strict_1.default.deepEqual(s.action.args, [{ stack: 's1' }]);
        strict_1.default.equal(s.action.staticSummary, 'Backup s1 (scheduled)');
    });
    (0, node_test_1.it)('starts RestoreDrill of the stack every VAULT_DRILL_INTERVAL, never two at once', () => {
        const config = (0, config_1.loadClientConfig)({ VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops', VAULT_DRILL_INTERVAL: '7d' });
        const s = (0, spec_1.drillSchedule)(config, 's1');
        strict_1.default.ok(s, 'a drill schedule');
        strict_1.default.deepEqual(s.spec, { intervals: [{ every: '7d' }] });
        strict_1.default.deepEqual(s.policies, POLICIES);
        strict_1.default.equal(s.action.type, 'startWorkflow');
        strict_1.default.equal(s.action.workflowType, workflows_1.RestoreDrill);
        strict_1.default.equal(s.action.taskQueue, 'q-ops');
        strict_1.default.equal(s.action.workflowId, 'vault-drill:s1');
        strict_1.default.deepEqual(s.action.args, [{ stack: 's1' }]);
        strict_1.default.equal(s.action.staticSummary, 'Restore drill s1 (scheduled)');
    });
    (0, node_test_1.it)('has production defaults: a backup every hour, a drill every day, on the default task queue', () => {
        const config = (0, config_1.loadClientConfig)({});
        const backup = (0, spec_1.backupSchedule)(config, 'iklimco');
        const drill = (0, spec_1.drillSchedule)(config, 'iklimco');
        strict_1.default.deepEqual(backup.spec, { intervals: [{ every: '1h' }] });
        strict_1.default.deepEqual(drill?.spec, { intervals: [{ every: '24h' }] });
        strict_1.default.equal(backup.action.taskQueue, 'vault-bootstrap');
        strict_1.default.equal(drill?.action.taskQueue, 'vault-bootstrap');
    });
    (0, node_test_1.it)('has no drill schedule when VAULT_DRILL_INTERVAL=off; the backups go on', () => {
        const config = (0, config_1.loadClientConfig)({ VAULT_DRILL_INTERVAL: 'off' });
        strict_1.default.equal((0, spec_1.drillSchedule)(config, 's1'), undefined);
        strict_1.default.deepEqual((0, spec_1.backupSchedule)(config, 's1').spec, { intervals: [{ every: '1h' }] });
    });
    (0, node_test_1.it)('every action acts on both schedules, the backup first', () => {
        strict_1.default.deepEqual((0, schedules_1.backupScheduleIds)('s1'), ['vault-backup:s1', 'vault-drill:s1']);
        strict_1.default.deepEqual(Object.keys(backup_1.BACKUP_SCHEDULE_COMMANDS).sort(), [...args_1.SCHEDULE_ACTIONS].sort());
    });
    (0, node_test_1.it)('runs started on demand say so in their summary', () => {
        strict_1.default.equal((0, run_text_1.backupRunSummary)('s1', 'on demand'), 'Backup s1 (on demand)');
        strict_1.default.equal((0, run_text_1.drillRunSummary)('s1', 'on demand'), 'Restore drill s1 (on demand)');
    });
});
//# sourceMappingURL=client-backup-schedule.test.js.map