"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createSchedule = createSchedule;
/**
 * `schedule create`: create the periodic health check, or update it to the current configuration, and
 * start the Docker-events watcher (idempotent: a watcher already running is kept).
 */
const run_text_1 = require("../../../shared/run-text");
const client_1 = require("@temporalio/client");
const health_1 = require("../../../shared/health");
const workflows_1 = require("../../../workflows");
const spec_1 = require("./spec");
/** Runs `schedule create`; resolves with 0. */
async function createSchedule(ctx) {
    const { client, config, stack } = ctx;
    const ids = (0, health_1.healthWorkflowIds)(stack);
    const wanted = (0, spec_1.healthSchedule)(config, stack);
    const every = `every ${config.health.interval}, jitter ${config.health.jitter}`;
    const update = () => client.schedule.getHandle(ids.schedule).update((prev) => ({ ...prev, ...wanted }));
    try {
        await update();
        console.log(`schedule ${ids.schedule}: updated (${every})`);
    }
    catch (err) {
        if (!(err instanceof client_1.ScheduleNotFoundError))
            throw err;
        try {
            await client.schedule.create({
                scheduleId: ids.schedule,
                ...wanted,
                state: { note: `Vault health of ${stack}` },
            });
            console.log(`schedule ${ids.schedule}: created (${every})`);
        }
        catch (raced) {
            // Another `schedule create` (a second init-infra-prod.sh) made it between our update and create.
            if (!(raced instanceof client_1.ScheduleAlreadyRunning))
                throw raced;
            await update();
            console.log(`schedule ${ids.schedule}: updated (${every})`);
        }
    }
    await client.workflow.start(workflows_1.WatchVaultTasks, {
        taskQueue: config.temporal.taskQueue,
        workflowId: ids.watcher,
        args: [{ stack }],
        staticSummary: (0, run_text_1.watcherRunSummary)(stack),
        workflowIdConflictPolicy: 'USE_EXISTING',
    });
    console.log(`watcher ${ids.watcher}: running (checks right after a Vault task starts)`);
    return 0;
}
//# sourceMappingURL=create.js.map