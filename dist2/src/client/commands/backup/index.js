"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BACKUP_SCHEDULE_COMMANDS = void 0;
exports.backup = backup;
const drill_1 = require("./drill");
const now_1 = require("./now");
const schedule_create_1 = require("./schedule-create");
const schedule_delete_1 = require("./schedule-delete");
const schedule_describe_1 = require("./schedule-describe");
const schedule_pause_1 = require("./schedule-pause");
const schedule_trigger_1 = require("./schedule-trigger");
const schedule_unpause_1 = require("./schedule-unpause");
/** Each `backup schedule` action's implementation; every schedule action the parser accepts has one. */
exports.BACKUP_SCHEDULE_COMMANDS = {
    create: schedule_create_1.createBackupSchedules,
    describe: schedule_describe_1.describeBackupSchedules,
    pause: schedule_pause_1.pauseBackupSchedules,
    unpause: schedule_unpause_1.unpauseBackupSchedules,
    trigger: schedule_trigger_1.triggerBackupSchedule,
    delete: schedule_delete_1.deleteBackupSchedules,
};
/** Runs `backup <action>`; resolves with its exit code. */
function backup(ctx, command) {
    switch (command.action) {
        case 'now':
            return (0, now_1.backupNow)(ctx, { wait: command.wait });
        case 'drill':
            return (0, drill_1.backupDrill)(ctx, { wait: command.wait });
        case 'schedule':
            return exports.BACKUP_SCHEDULE_COMMANDS[command.scheduleAction](ctx);
    }
}
//# sourceMappingURL=index.js.map