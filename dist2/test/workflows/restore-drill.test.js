"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `RestoreDrill` on the time-skipping test server with stubbed activities: the throwaway stack is removed
 * after a drill that passed, one that failed with a named failure, and one that was cancelled mid-way; the
 * outcome is recorded for the health report and set as the search attribute `VaultRestoreDrill`.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const activity_1 = require("@temporalio/activity");
const common_1 = require("@temporalio/common");
const client_1 = require("@temporalio/client");
const search_attributes_1 = require("../../src/shared/search-attributes");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
void (0, node_test_1.describe)('RestoreDrill on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    /** The stubs, with the drill replaced by `drill` and every recorded outcome kept. */
    function stubs(drill) {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        const records = [];
        activities.recordDrill = (input) => {
            calls.push('recordDrill');
            records.push(input.record);
            return Promise.resolve();
        };
        if (drill)
            activities.runRestoreDrill = () => {
                calls.push('runRestoreDrill');
                return drill();
            };
        return { activities, calls, records };
    }
    void (0, node_test_1.it)('passes: removes the throwaway stack, records ok, sets VaultRestoreDrill=ok', async () => {
        const { activities, calls, records } = stubs();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.RestoreDrill, {
                taskQueue,
                workflowId: `wf-test-drill-${id}`,
                args: [{ stack: `st${id}` }],
            });
            const result = await handle.result();
            strict_1.default.equal(result.canary.read, result.canary.expected);
            strict_1.default.deepEqual(calls, ['runRestoreDrill', 'removeDrillStack', 'recordDrill']);
            strict_1.default.equal(records[0]?.ok, true);
            strict_1.default.equal(records[0]?.snapshot, `st${id}-20260101T000000Z.snap`);
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_RESTORE_DRILL), 'ok');
        });
    });
    void (0, node_test_1.it)('fails by name: still removes the stack, records the failure, sets failed:<type>, fails with it', async () => {
        const { activities, calls, records } = stubs(() => Promise.reject(common_1.ApplicationFailure.create({
            type: 'SnapshotCorrupt',
            message: 'the newest snapshot x.snap cannot be restored: its sha256 is not the one its manifest says',
            nonRetryable: true,
        })));
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.RestoreDrill, {
                taskQueue,
                workflowId: `wf-test-drill-${id}`,
                args: [{ stack: `st${id}` }],
            });
            const err = await handle.result().then(() => strict_1.default.fail('the drill passed'), (e) => e);
            strict_1.default.ok(err instanceof client_1.WorkflowFailedError);
            strict_1.default.deepEqual(calls, ['runRestoreDrill', 'removeDrillStack', 'recordDrill']);
            strict_1.default.equal(records[0]?.ok, false);
            strict_1.default.match(records[0]?.error ?? '', /^SnapshotCorrupt: the newest snapshot x\.snap/);
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_RESTORE_DRILL), 'failed:SnapshotCorrupt');
        });
    });
    void (0, node_test_1.it)('cancelled mid-drill: the throwaway stack is still removed', async () => {
        let entered = () => undefined;
        const inDrill = new Promise((r) => (entered = r));
        const { activities, calls } = stubs(async () => {
            entered();
            // Runs until cancelled: a heartbeat brings the cancellation, and the activity's sleep rejects with it.
            const ctx = activity_1.Context.current();
            for (;;) {
                ctx.heartbeat();
                await ctx.sleep(100);
            }
        });
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.RestoreDrill, {
                taskQueue,
                workflowId: `wf-test-drill-${id}`,
                args: [{ stack: `st${id}` }],
            });
            await inDrill;
            await handle.cancel();
            await handle.result().then(() => strict_1.default.fail('a cancelled drill passed'), () => undefined);
            strict_1.default.ok(calls.includes('removeDrillStack'), calls.join(', '));
        });
    });
});
//# sourceMappingURL=restore-drill.test.js.map