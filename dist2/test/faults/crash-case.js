"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.runCrashCase = runCrashCase;
/**
 * One crash case end to end: a fresh stack, a worker started with one fault point (crash), the bootstrap
 * started with the client, the worker dead by SIGKILL at that point, a new worker without fault points,
 * and the same workflow completing; then the end state is checked (`assertBootstrapped`) and the stack
 * removed (`cleanupWithoutLeaks`). A fault point the run does not reach fails the case.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const constants_1 = require("../../src/shared/constants");
const steps_1 = require("../../src/shared/steps");
const history_1 = require("../support/history");
const end_state_1 = require("./end-state");
const fault_control_1 = require("./fault-control");
const summary_1 = require("./summary");
/** Runs one crash case end to end; see the file comment. */
async function runCrashCase(c, client) {
    await (0, end_state_1.withTestRun)(async (run) => {
        const worker = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: c.point });
        const start = await run.client(['bootstrap']);
        strict_1.default.equal(start.code, 0, start.out);
        const handle = client.workflow.getHandle((0, constants_1.bootstrapWorkflowId)(run.stack));
        await (0, fault_control_1.expectCrashAt)(run, worker, handle, c.point);
        run.startWorker();
        const result = await handle.result();
        (0, summary_1.count)('runsCompleted');
        const events = await (0, history_1.historyOf)(client, handle.workflowId);
        const attempts = (0, history_1.attemptsByActivity)(events);
        const at = steps_1.BOOTSTRAP_STEPS.indexOf(c.step);
        strict_1.default.ok((attempts.get(c.step) ?? 0) >= 2, `${c.step} was retried after the crash`);
        for (const step of steps_1.BOOTSTRAP_STEPS.slice(0, at))
            strict_1.default.equal(attempts.get(step), 1, `${step} completed before the crash and never ran again`);
        for (const [type, n] of (0, history_1.activityCounts)(events))
            strict_1.default.deepEqual(n, { scheduled: 1, completed: 1 }, `${type} was scheduled and completed once`);
        await (0, end_state_1.assertBootstrapped)(run, client, result);
    });
}
//# sourceMappingURL=crash-case.js.map