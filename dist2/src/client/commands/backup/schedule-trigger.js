"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.triggerBackupSchedule = triggerBackupSchedule;
/**
 * `backup schedule trigger`: one backup now, through the schedule (skipped if one is running). Only the
 * backup: a restore drill on demand is `backup drill`.
 */
const client_1 = require("@temporalio/client");
const schedules_1 = require("./schedules");
/** Runs `backup schedule trigger`; resolves with 0, or 1 when the stack has no backup schedule to trigger. */
async function triggerBackupSchedule(ctx) {
    const [backupId] = (0, schedules_1.backupScheduleIds)(ctx.stack);
    try {
        await ctx.client.schedule.getHandle(backupId).trigger(client_1.ScheduleOverlapPolicy.SKIP);
    }
    catch (err) {
        if (!(err instanceof client_1.ScheduleNotFoundError))
            throw err;
        // Nothing ran, so a script that asked for a backup must not read success.
        console.error(`vault-bootstrap: schedule ${backupId} is not created, nothing triggered ` +
            `(backup schedule create makes it; backup now runs one without it)`);
        return 1;
    }
    console.log(`schedule ${backupId}: triggered one backup`);
    return 0;
}
//# sourceMappingURL=schedule-trigger.js.map