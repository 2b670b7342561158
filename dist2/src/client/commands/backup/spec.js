"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backupSchedule = backupSchedule;
exports.drillSchedule = drillSchedule;
const client_1 = require("@temporalio/client");
const backup_1 = require("../../../shared/backup");
const run_text_1 = require("../../../shared/run-text");
const workflows_1 = require("../../../workflows");
/**
 * Never two at once (a run still going when the next is due makes the next one skip), and a run missed while
 * the server was down is made up if it is at most 10 minutes late: later than that, the next one is as good.
 * A failed run does not pause the schedule: the next one may well succeed (the storage mount is back).
 */
const POLICIES = {
    overlap: client_1.ScheduleOverlapPolicy.SKIP,
    catchupWindow: '10 minutes',
    pauseOnFailure: false,
};
/**
 * Every `VAULT_BACKUP_INTERVAL`, start `BackupVault` of the stack under the id `vault-backup:<stack>` (the
 * server appends the time).
 */
function backupSchedule(config, stack) {
    return {
        spec: { intervals: [{ every: config.backup.interval }] },
        action: {
            type: 'startWorkflow',
            workflowType: workflows_1.BackupVault,
            taskQueue: config.temporal.taskQueue,
            workflowId: (0, backup_1.backupWorkflowIds)(stack).backupSchedule,
            args: [{ stack }],
            staticSummary: (0, run_text_1.backupRunSummary)(stack, 'scheduled'),
        },
        policies: POLICIES,
    };
}
/**
 * Every `VAULT_DRILL_INTERVAL`, start `RestoreDrill` of the stack under the id `vault-drill:<stack>`; or
 * `undefined` when it is `off`, and the stack has no drill schedule.
 */
function drillSchedule(config, stack) {
    const every = config.backup.drillInterval;
    if (every === undefined)
        return undefined;
    return {
        spec: { intervals: [{ every }] },
        action: {
            type: 'startWorkflow',
            workflowType: workflows_1.RestoreDrill,
            taskQueue: config.temporal.taskQueue,
            workflowId: (0, backup_1.backupWorkflowIds)(stack).drillSchedule,
            args: [{ stack }],
            staticSummary: (0, run_text_1.drillRunSummary)(stack, 'scheduled'),
        },
        policies: POLICIES,
    };
}
//# sourceMappingURL=spec.js.map