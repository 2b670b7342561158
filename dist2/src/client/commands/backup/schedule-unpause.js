"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.unpauseBackupSchedules = unpauseBackupSchedules;
const schedules_1 = require("./schedules");
/** Runs `backup schedule unpause`; resolves with 0 (a missing schedule is skipped). */
async function unpauseBackupSchedules(ctx) {
    await (0, schedules_1.forEachBackupSchedule)(ctx, async (handle) => {
        await handle.unpause('unpaused from vault-bootstrap');
        return 'active';
    });
    return 0;
}
//# sourceMappingURL=schedule-unpause.js.map