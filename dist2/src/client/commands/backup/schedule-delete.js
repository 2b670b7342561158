"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.deleteBackupSchedules = deleteBackupSchedules;
const schedules_1 = require("./schedules");
/** Runs `backup schedule delete`; resolves with 0 (a missing schedule is skipped). */
async function deleteBackupSchedules(ctx) {
    await (0, schedules_1.forEachBackupSchedule)(ctx, async (handle) => {
        await handle.delete();
        return 'deleted';
    });
    return 0;
}
//# sourceMappingURL=schedule-delete.js.map