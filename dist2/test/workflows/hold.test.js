"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Workflow tests of an operator's hold on the time-skipping test server, stubbed activities: a held health
 * run reports and never acts; the watcher starts no check while held; `HoldVaultStack` keeps the hold in its
 * memo until `release`, clears it before the check it then runs, and ends with that check's report.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const activity_1 = require("@temporalio/activity");
const hold_memo_1 = require("../../src/shared/hold-memo");
const temporal_holds_1 = require("../../src/holds/temporal-holds");
const health_1 = require("../../src/shared/health");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
const wait_1 = require("../support/wait");
const HOLD = { reason: 'disk swap on node 2', since: '2026-11-30T12:00:00.000Z', by: 'ana' };
void (0, node_test_1.describe)('an operator hold, on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    void (0, node_test_1.it)('VerifyVaultHealth of a held stack reports and never acts (one check, no remediation)', async () => {
        const held = {
            code: 'SealedWhileHeld',
            node: 'vault-2',
            detail: 'vault-2 is sealed while held',
        };
        const certificate = { code: 'CertificateStale', node: 'vault-3', detail: 'older certificate' };
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [{ ...(0, stub_activities_1.reportOf)('s', [held, certificate]), hold: HOLD }]);
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-held-${id}`,
                args: [{ stack: 's', remediate: true }],
            });
            const report = await handle.result();
            strict_1.default.deepEqual(calls, ['checkVaultHealth'], 'no remediateNode, no SIGHUP, no second check');
            strict_1.default.deepEqual(report.hold, HOLD);
            strict_1.default.deepEqual(report.actions, []);
            const meta = await handle.query('__temporal_workflow_metadata');
            strict_1.default.match(meta.currentDetails ?? '', /^\*\*Health s: Degraded — SealedWhileHeld vault-2, CertificateStale vault-3\*\*\n\nHeld since 2026-11-30T12:00:00.000Z by ana: disk swap on node 2: reported only, nothing done\n/);
        });
    });
    void (0, node_test_1.it)('the watcher sees a task start while held: reads the hold, starts no check, watches on', async () => {
        const stub = (0, stub_activities_1.stubActivities)();
        let waits = 0;
        let onSecondWait = () => undefined;
        const secondWait = new Promise((r) => (onSecondWait = r));
        const activities = {
            ...stub.activities,
            async waitForVaultTaskStart(input) {
                await stub.activities.waitForVaultTaskStart(input);
                if (waits++ === 0)
                    return { started: true, container: 'c0ffee1', atMs: 1 };
                onSecondWait();
                const ctx = activity_1.Context.current();
                const beat = setInterval(() => ctx.heartbeat(), 1_000);
                try {
                    return await ctx.cancelled;
                }
                finally {
                    clearInterval(beat);
                }
            },
        };
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            stub.holds.set(`st${id}`, HOLD);
            const handle = await testEnv().client.workflow.start(workflows_1.WatchVaultTasks, {
                taskQueue,
                workflowId: `wf-test-watch-held-${id}`,
                args: [{ stack: `st${id}` }],
            });
            try {
                await secondWait;
                strict_1.default.deepEqual(stub.calls, [
                    'listSwarmNodes',
                    'waitForVaultTaskStart',
                    'readStackHold',
                    'listSwarmNodes',
                    'waitForVaultTaskStart',
                ]);
                const { events } = await handle.fetchHistory();
                strict_1.default.equal((events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 0, 'no check started');
                await strict_1.default.rejects(testEnv()
                    .client.workflow.getHandle(`${(0, health_1.healthWorkflowIds)(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}-0`)
                    .describe());
            }
            finally {
                await handle.terminate('test over');
            }
        });
    });
    void (0, node_test_1.it)('HoldVaultStack: held (memo, details) until release; the memo is cleared before the check it runs', async () => {
        const sealedBefore = { code: 'NodeSealed', node: 'vault-2', detail: 'vault-2 is sealed' };
        const stub = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', [sealedBefore]), (0, stub_activities_1.reportOf)('s')]);
        /** What the release check saw of the hold, through the same reader the real activities use. */
        const seenByCheck = [];
        const activities = {
            ...stub.activities,
            async checkVaultHealth(input) {
                seenByCheck.push(await new temporal_holds_1.TemporalStackHolds(() => activity_1.Context.current().client).current(input.stack));
                return stub.activities.checkVaultHealth(input);
            },
        };
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const stack = `st${id}`;
            const client = testEnv().client;
            const holds = new temporal_holds_1.TemporalStackHolds(() => client);
            strict_1.default.equal(await holds.current(stack), undefined, 'no hold workflow: not held');
            const handle = await client.workflow.start(workflows_1.HoldVaultStack, {
                taskQueue,
                workflowId: (0, health_1.holdWorkflowId)(stack),
                args: [{ hold: HOLD, check: { stack, remediate: true } }],
                memo: { [hold_memo_1.HOLD_MEMO_KEY]: HOLD },
            });
            strict_1.default.deepEqual(await holds.current(stack), HOLD);
            await (0, wait_1.eventually)('the hold shows its details', 10_000, async () => {
                const meta = await handle.query('__temporal_workflow_metadata');
                return meta.currentDetails?.startsWith('**Held since 2026-11-30T12:00:00.000Z by ana: disk swap on node 2**')
                    ? true
                    : undefined;
            });
            await handle.signal(workflows_1.releaseSignal, { by: 'bo' });
            const outcome = await handle.result();
            strict_1.default.equal(outcome.releasedBy, 'bo');
            strict_1.default.deepEqual(outcome.health.actions, ['unsealed vault-2']);
            strict_1.default.deepEqual(seenByCheck, [undefined, undefined], 'the check ran with the stack no longer held');
            strict_1.default.deepEqual(stub.calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
            const check = await client.workflow
                .getHandle((0, health_1.releaseCheckWorkflowId)(stack, handle.firstExecutionRunId))
                .describe();
            strict_1.default.equal(check.type, 'VerifyVaultHealth');
            strict_1.default.equal(await holds.current(stack), undefined, 'completed: not held');
        });
    });
});
//# sourceMappingURL=hold.test.js.map