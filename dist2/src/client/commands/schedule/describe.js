"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.describeSchedule = describeSchedule;
/**
 * `schedule describe`: whether the periodic health check is active, how often it ran, its last and next runs.
 */
const health_1 = require("../../../shared/health");
const format_1 = require("../../format");
/** Runs `schedule describe`; resolves with 0 (a missing schedule rejects with `ScheduleNotFoundError`). */
async function describeSchedule(ctx) {
    const ids = (0, health_1.healthWorkflowIds)(ctx.stack);
    const d = await ctx.client.schedule.getHandle(ids.schedule).describe();
    console.log((0, format_1.formatScheduleDescription)(ids.schedule, d));
    return 0;
}
//# sourceMappingURL=describe.js.map