"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.unpauseSchedule = unpauseSchedule;
/** `schedule unpause`: resume the periodic health check. */
const health_1 = require("../../../shared/health");
/** Runs `schedule unpause`; resolves with 0. */
async function unpauseSchedule(ctx) {
    const { schedule } = (0, health_1.healthWorkflowIds)(ctx.stack);
    await ctx.client.schedule.getHandle(schedule).unpause('unpaused from vault-bootstrap');
    console.log(`schedule ${schedule}: active`);
    return 0;
}
//# sourceMappingURL=unpause.js.map