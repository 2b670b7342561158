"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backupWorkflowIds = backupWorkflowIds;
exports.restoreWorkflowId = restoreWorkflowId;
exports.drillStackName = drillStackName;
/**
 * Names and results shared by the backup workflows and the client (issue 11; docs/backups.md). Sandbox-safe:
 * workflows import it, so no Node builtins.
 */
const names_1 = require("./names");
/** The ids of a stack's backup schedules and the runs they start (the server appends the time to a run id). */
function backupWorkflowIds(stack) {
    return {
        backupSchedule: `vault-backup${names_1.ID_SEPARATOR}${stack}`,
        drillSchedule: `vault-drill${names_1.ID_SEPARATOR}${stack}`,
        backupNow: (at) => `vault-backup-now${names_1.ID_SEPARATOR}${stack}${names_1.ID_SEPARATOR}${at}`,
        drillNow: (at) => `vault-drill-now${names_1.ID_SEPARATOR}${stack}${names_1.ID_SEPARATOR}${at}`,
    };
}
/** The id of a stack's `RestoreVault` (one at a time: a second `restore` attaches to it). */
function restoreWorkflowId(stack) {
    return `vault-restore${names_1.ID_SEPARATOR}${stack}`;
}
/** The throwaway stack a restore drill deploys for `stack`: its own name, so nothing of the real one is touched. */
function drillStackName(stack) {
    return `${stack}-drill`;
}
//# sourceMappingURL=backup.js.map