"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.healthInput = healthInput;
exports.healthSchedule = healthSchedule;
/**
 * The periodic health check as configuration makes it: the health input and the schedule's spec, action
 * and policies. Pure, so what `schedule create` sends is testable without a server.
 */
const run_text_1 = require("../../../shared/run-text");
const client_1 = require("@temporalio/client");
const health_1 = require("../../../shared/health");
const workflows_1 = require("../../../workflows");
/** The input of every VerifyVaultHealth the client starts (`verify`, the schedule), from `VAULT_HEALTH_*`. */
function healthInput(config, stack) {
    return { stack, remediate: config.health.remediate, certExpiryWarnDays: config.health.certExpiryWarnDays };
}
/**
 * Every `VAULT_HEALTH_INTERVAL` with `VAULT_HEALTH_JITTER`, start VerifyVaultHealth with the configured input
 * under the id `vault-health:<stack>` (the server appends the time); never two checks at once.
 */
function healthSchedule(config, stack) {
    return {
        spec: { intervals: [{ every: config.health.interval }], jitter: config.health.jitter },
        action: {
            type: 'startWorkflow',
            workflowType: workflows_1.VerifyVaultHealth,
            taskQueue: config.temporal.taskQueue,
            workflowId: (0, health_1.healthWorkflowIds)(stack).scheduled,
            args: [healthInput(config, stack)],
            staticSummary: (0, run_text_1.healthRunSummary)(stack, 'scheduled'),
        },
        // Never two checks at once: a run still going when the next is due makes the next one skip.
        policies: { overlap: client_1.ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false },
    };
}
//# sourceMappingURL=spec.js.map