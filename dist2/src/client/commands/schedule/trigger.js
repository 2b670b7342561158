"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.triggerSchedule = triggerSchedule;
/** `schedule trigger`: one health check now, through the schedule (skipped if one is running). */
const client_1 = require("@temporalio/client");
const health_1 = require("../../../shared/health");
/** Runs `schedule trigger`; resolves with 0. */
async function triggerSchedule(ctx) {
    const { schedule } = (0, health_1.healthWorkflowIds)(ctx.stack);
    await ctx.client.schedule.getHandle(schedule).trigger(client_1.ScheduleOverlapPolicy.SKIP);
    console.log(`schedule ${schedule}: triggered one run`);
    return 0;
}
//# sourceMappingURL=trigger.js.map