"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.deleteSchedule = deleteSchedule;
/**
 * `schedule delete`: remove the periodic health check and stop its events watcher; either may be gone already.
 * Also removes the ones an earlier version created under the ids without the `:` separator
 * (`vault-health-<stack>`, `vault-health-watch-<stack>`), so `delete` + `create` migrates a stack.
 */
const client_1 = require("@temporalio/client");
const health_1 = require("../../../shared/health");
/** Runs `schedule delete`; resolves with 0. */
async function deleteSchedule(ctx) {
    for (const ids of [(0, health_1.healthWorkflowIds)(ctx.stack), (0, health_1.legacyHealthWorkflowIds)(ctx.stack)]) {
        await ctx.client.schedule
            .getHandle(ids.schedule)
            .delete()
            .catch((err) => {
            if (!(err instanceof client_1.ScheduleNotFoundError))
                throw err;
        });
        await ctx.client.workflow
            .getHandle(ids.watcher)
            .terminate('schedule deleted')
            .catch(() => undefined);
    }
    const ids = (0, health_1.healthWorkflowIds)(ctx.stack);
    console.log(`schedule ${ids.schedule} and watcher ${ids.watcher}: deleted`);
    return 0;
}
//# sourceMappingURL=delete.js.map