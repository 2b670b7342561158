"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WatchVaultTasks = WatchVaultTasks;
/**
 * `WatchVaultTasks`: faster than the schedule. Docker's container events are node-local, so on every swarm
 * node a long-running activity (on that node's queue, run by its worker or node agent) waits for a Vault
 * task of the stack to start there (a restart by Swarm comes back sealed); the moment one does, the other
 * waits are cancelled and a `VerifyVaultHealth` child runs with remediation, so the node is unsealed within
 * seconds instead of at the next scheduled check. A node with no agent just leaves its wait queued. While an
 * operator holds the stack (`vault-bootstrap hold`) a start is noted in the log and nothing is started.
 *
 * A failed check does not stop the watcher (the next event or scheduled run tries again), nor does an
 * event stream that ends (the wait fails and is retried). The loop continues-as-new regularly, so its
 * history stays small forever. Events missed while no worker runs are covered by the schedule.
 */
const workflow_1 = require("@temporalio/workflow");
const run_text_1 = require("../shared/run-text");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const health_1 = require("../shared/health");
const patches_1 = require("./patches");
const verify_vault_health_1 = require("./verify-vault-health");
const WAIT_OPTIONS = {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
};
/** The per-node waits retry quickly: a node's Engine coming back must be watched again within seconds. */
const NODE_WAIT_OPTIONS = {
    ...WAIT_OPTIONS,
    retry: { initialInterval: '2 seconds', maximumInterval: '10 seconds' },
};
const watch = (0, workflow_1.proxyActivities)(WAIT_OPTIONS);
const read = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds' },
});
/** Iterations before continue-as-new: each is ~10 events per node, far below any history limit. */
const ITERATIONS_PER_RUN = 50;
const MAX_WAIT_SECONDS = 3600;
/** Waits for a Vault task to start on any node of the swarm; the waits on the other nodes are cancelled. */
async function nextStartOnAnyNode(stack, sinceMs) {
    const nodes = await read.listSwarmNodes();
    const base = (0, workflow_1.workflowInfo)().taskQueue;
    const scope = new workflow_1.CancellationScope();
    const never = new Promise(() => undefined);
    try {
        return await scope.run(() => Promise.race([
            ...nodes.map((n) => (0, workflow_1.proxyActivities)({ ...NODE_WAIT_OPTIONS, taskQueue: (0, constants_1.nodeTaskQueue)(base, n.id) })
                .waitForVaultTaskStart({ stack, maxWaitSeconds: MAX_WAIT_SECONDS, sinceMs })
                // A node whose wait fails for good is not watched this round; the others still are.
                .catch((err) => {
                if (!(0, workflow_1.isCancellation)(err))
                    workflow_1.log.warn('watch on a node failed', { node: n.hostname, error: (0, errors_1.describeFailure)(err) });
                return never;
            })),
            (0, workflow_1.sleep)(`${MAX_WAIT_SECONDS + 60} seconds`).then(() => ({ started: false })),
        ]));
    }
    finally {
        scope.cancel();
    }
}
async function WatchVaultTasks(input) {
    const routed = (0, workflow_1.patched)(patches_1.NODE_ROUTING_PATCH);
    let handledUntilMs = 0;
    for (let i = 0; i < ITERATIONS_PER_RUN; i++) {
        // Starts since this iteration began count (1 s of margin for clock skew), except the one already
        // handled: one while a node's events stream was down, or while the previous check ran, is replayed by
        // the Engine, not missed.
        const sinceMs = Math.max(Date.now() - 1000, handledUntilMs + 1);
        const event = routed
            ? await nextStartOnAnyNode(input.stack, sinceMs)
            : await watch.waitForVaultTaskStart({ stack: input.stack, maxWaitSeconds: MAX_WAIT_SECONDS });
        if (!event.started)
            continue;
        if (event.atMs !== undefined)
            handledUntilMs = Math.max(handledUntilMs, event.atMs);
        if ((0, workflow_1.patched)(patches_1.HOLD_PATCH)) {
            const hold = await read.readStackHold({ stack: input.stack });
            if (hold) {
                workflow_1.log.info('a Vault task started while the stack is held: no check', { reason: hold.reason });
                continue;
            }
        }
        try {
            await (0, workflow_1.executeChild)(verify_vault_health_1.VerifyVaultHealth, {
                workflowId: `${(0, health_1.healthWorkflowIds)(input.stack).event}-${(0, workflow_1.workflowInfo)().runId.slice(0, 8)}-${i}`,
                staticSummary: (0, run_text_1.healthRunSummary)(input.stack, 'task start'),
                args: [{ stack: input.stack, remediate: true, settleSeconds: 60 }],
            });
        }
        catch (err) {
            if (!routed)
                throw err;
            // The check failed (e.g. Docker or Vault unreachable for its retries): the watcher goes on.
            workflow_1.log.warn('event-triggered health check failed', { error: (0, errors_1.describeFailure)(err) });
        }
    }
    await (0, workflow_1.continueAsNew)(input);
}
//# sourceMappingURL=watch-vault-tasks.js.map