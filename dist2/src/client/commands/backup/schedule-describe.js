"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.describeBackupSchedules = describeBackupSchedules;
/**
 * `backup schedule describe`: for each of the stack's two schedules, whether it is active, how often it ran,
 * its last and next runs; or that it is not created.
 */
const client_1 = require("@temporalio/client");
const format_1 = require("../../format");
const schedules_1 = require("./schedules");
/** Runs `backup schedule describe`; resolves with 0, also when a schedule is missing (that is an answer). */
async function describeBackupSchedules(ctx) {
    for (const id of (0, schedules_1.backupScheduleIds)(ctx.stack)) {
        try {
            console.log((0, format_1.formatScheduleDescription)(id, await ctx.client.schedule.getHandle(id).describe()));
        }
        catch (err) {
            if (!(err instanceof client_1.ScheduleNotFoundError))
                throw err;
            console.log(`schedule ${id}: not created`);
        }
    }
    return 0;
}
//# sourceMappingURL=schedule-describe.js.map