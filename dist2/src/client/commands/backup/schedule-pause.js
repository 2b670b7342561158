"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pauseBackupSchedules = pauseBackupSchedules;
const schedules_1 = require("./schedules");
/** Runs `backup schedule pause`; resolves with 0 (a missing schedule is skipped). */
async function pauseBackupSchedules(ctx) {
    await (0, schedules_1.forEachBackupSchedule)(ctx, async (handle) => {
        await handle.pause('paused from vault-bootstrap');
        return 'paused';
    });
    return 0;
}
//# sourceMappingURL=schedule-pause.js.map