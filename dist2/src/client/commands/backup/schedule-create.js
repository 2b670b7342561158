"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createBackupSchedules = createBackupSchedules;
/**
 * `backup schedule create`: create the stack's backup schedule and restore-drill schedule, or update them to
 * the current configuration (idempotent). With `VAULT_DRILL_INTERVAL=off` the drill schedule is deleted
 * instead, so the configuration says what runs.
 */
const client_1 = require("@temporalio/client");
const schedules_1 = require("./schedules");
const spec_1 = require("./spec");
/** Runs `backup schedule create`; resolves with 0. */
async function createBackupSchedules(ctx) {
    const { client, config, stack } = ctx;
    const [backupId, drillId] = (0, schedules_1.backupScheduleIds)(stack);
    const backup = await (0, schedules_1.upsertSchedule)(client, backupId, (0, spec_1.backupSchedule)(config, stack), `Backups of ${stack}`);
    console.log(`schedule ${backupId}: ${backup} (a backup every ${config.backup.interval})`);
    const drill = (0, spec_1.drillSchedule)(config, stack);
    if (drill) {
        const done = await (0, schedules_1.upsertSchedule)(client, drillId, drill, `Restore drills of ${stack}`);
        console.log(`schedule ${drillId}: ${done} (a restore drill every ${config.backup.drillInterval})`);
        return 0;
    }
    const deleted = await client.schedule
        .getHandle(drillId)
        .delete()
        .then(() => true, (err) => {
        if (!(err instanceof client_1.ScheduleNotFoundError))
            throw err;
        return false;
    });
    console.log(`schedule ${drillId}: ${deleted ? 'deleted' : 'none'} (VAULT_DRILL_INTERVAL=off)`);
    return 0;
}
//# sourceMappingURL=schedule-create.js.map