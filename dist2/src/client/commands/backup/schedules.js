"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.backupScheduleIds = backupScheduleIds;
exports.forEachBackupSchedule = forEachBackupSchedule;
exports.upsertSchedule = upsertSchedule;
/**
 * What the `backup schedule` actions share: the stack's two schedules, acting on each when it exists, and
 * creating or updating one to what configuration says.
 */
const client_1 = require("@temporalio/client");
const backup_1 = require("../../../shared/backup");
/**
 * The ids of the stack's backup schedule and restore-drill schedule, in the order every action goes through
 * them. Both, whatever `VAULT_DRILL_INTERVAL` says now: a drill schedule made before it was `off` is still
 * paused, described and deleted.
 */
function backupScheduleIds(stack) {
    const ids = (0, backup_1.backupWorkflowIds)(stack);
    return [ids.backupSchedule, ids.drillSchedule];
}
/**
 * Runs `act` on each of the stack's two schedules and prints `schedule <id>: <what act says>`; one that does
 * not exist is skipped, and says so. Resolves with how many existed.
 */
async function forEachBackupSchedule(ctx, act) {
    let existed = 0;
    for (const id of backupScheduleIds(ctx.stack)) {
        try {
            console.log(`schedule ${id}: ${await act(ctx.client.schedule.getHandle(id))}`);
            existed++;
        }
        catch (err) {
            if (!(err instanceof client_1.ScheduleNotFoundError))
                throw err;
            console.log(`schedule ${id}: not created, skipped`);
        }
    }
    return existed;
}
/**
 * Makes the schedule `scheduleId` what `wanted` says: updates it when it exists (keeping its state, so a
 * paused one stays paused), creates it with `note` otherwise. Resolves with which it did.
 */
async function upsertSchedule(client, scheduleId, wanted, note) {
    const update = () => client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, ...wanted }));
    try {
        await update();
        return 'updated';
    }
    catch (err) {
        if (!(err instanceof client_1.ScheduleNotFoundError))
            throw err;
    }
    try {
        await client.schedule.create({ scheduleId, ...wanted, state: { note } });
        return 'created';
    }
    catch (raced) {
        // Another `backup schedule create` (a second init-infra-prod.sh) made it between our update and create.
        if (!(raced instanceof client_1.ScheduleAlreadyRunning))
            throw raced;
        await update();
        return 'updated';
    }
}
//# sourceMappingURL=schedules.js.map