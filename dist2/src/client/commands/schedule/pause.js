"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pauseSchedule = pauseSchedule;
/** `schedule pause`: stop the periodic health check until `unpause` (the events watcher keeps running). */
const health_1 = require("../../../shared/health");
/** Runs `schedule pause`; resolves with 0. */
async function pauseSchedule(ctx) {
    const { schedule } = (0, health_1.healthWorkflowIds)(ctx.stack);
    await ctx.client.schedule.getHandle(schedule).pause('paused from vault-bootstrap');
    console.log(`schedule ${schedule}: paused`);
    return 0;
}
//# sourceMappingURL=pause.js.map