"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `RestoreVault` on the time-skipping test server with stubbed activities: the snapshot is checked before
 * anything else (a refusal leaves no hold), the bootstrap's steps run with `restoreLeader` in place of the
 * init, the stack is held for the restore and released at its end (the release runs its health check), an
 * operator's own hold is left alone, and a failed restore keeps its hold.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const client_1 = require("@temporalio/client");
const health_1 = require("../../src/shared/health");
const hold_memo_1 = require("../../src/shared/hold-memo");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
const RESTORE_STEPS = [
    'checkSnapshot',
    'preflight',
    'ensurePlaceholderSecret',
    'deployStack',
    'restoreLeader',
    'rotateUnsealKeySecret',
    'unsealLeader',
    'joinPeers',
    'unsealPeers',
    'verifyCluster',
    'checkRestored',
];
void (0, node_test_1.describe)('RestoreVault on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    const input = (stack) => ({ stack, snapshot: `${stack}-20261130T120000Z.snap`, check: { stack } });
    void (0, node_test_1.it)('runs the steps in order, held throughout, and releases the hold at the end', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const stack = `st${id}`;
            const result = await testEnv().client.workflow.execute(workflows_1.RestoreVault, {
                taskQueue,
                workflowId: `wf-test-restore-${id}`,
                args: [input(stack)],
            });
            strict_1.default.deepEqual(calls.filter((c) => RESTORE_STEPS.includes(c)), RESTORE_STEPS);
            strict_1.default.deepEqual(result.steps.map((s) => s.step), [...RESTORE_STEPS, 'release']);
            const hold = testEnv().client.workflow.getHandle((0, health_1.holdWorkflowId)(stack));
            const outcome = await hold.result();
            strict_1.default.equal(outcome.releasedBy, 'RestoreVault');
            const described = await hold.describe();
            // The hold said why in its summary; its memo (what health runs read) was cleared on release.
            strict_1.default.equal(await described.staticSummary(), `Hold ${stack}: restore from ${stack}-20261130T120000Z.snap`);
            strict_1.default.equal(described.memo?.[hold_memo_1.HOLD_MEMO_KEY], undefined);
            strict_1.default.ok(calls.includes('checkVaultHealth'), 'the release ran its health check');
        });
    });
    void (0, node_test_1.it)('a refused snapshot fails first, by name, with nothing else run and no hold', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        activities.checkSnapshot = () => {
            calls.push('checkSnapshot');
            return Promise.reject(common_1.ApplicationFailure.create({
                type: 'SnapshotKeyNotInCustody',
                message: 'snapshot x opens with the key of custody record k1; custody holds record k2',
                nonRetryable: true,
            }));
        };
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const stack = `st${id}`;
            const err = await testEnv()
                .client.workflow.execute(workflows_1.RestoreVault, {
                taskQueue,
                workflowId: `wf-test-restore-${id}`,
                args: [input(stack)],
            })
                .then(() => strict_1.default.fail('the restore passed'), (e) => e);
            strict_1.default.ok(err instanceof client_1.WorkflowFailedError);
            strict_1.default.deepEqual(calls, ['checkSnapshot']);
            await strict_1.default.rejects(testEnv().client.workflow.getHandle((0, health_1.holdWorkflowId)(stack)).describe(), 'no hold was put on');
        });
    });
    void (0, node_test_1.it)('a failed step keeps the hold on; an operator hold present before is left running', async () => {
        const { activities } = (0, stub_activities_1.stubActivities)({
            joinPeers: () => Promise.reject(common_1.ApplicationFailure.create({ type: 'ForeignClusterDetected', message: 'x', nonRetryable: true })),
        });
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const stack = `st${id}`;
            await testEnv()
                .client.workflow.execute(workflows_1.RestoreVault, {
                taskQueue,
                workflowId: `wf-test-restore-${id}`,
                args: [input(stack)],
            })
                .then(() => strict_1.default.fail('the restore passed'), () => undefined);
            const hold = testEnv().client.workflow.getHandle((0, health_1.holdWorkflowId)(stack));
            strict_1.default.equal((await hold.describe()).status.name, 'RUNNING', 'the restore kept its hold');
            await hold.terminate('test over');
        });
        const op = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(op.activities, async (taskQueue, id) => {
            const stack = `st${id}`;
            const opHold = await testEnv().client.workflow.start(workflows_1.HoldVaultStack, {
                taskQueue,
                workflowId: (0, health_1.holdWorkflowId)(stack),
                args: [{ hold: { reason: 'operator', since: '2026-11-30T12:00:00.000Z' }, check: { stack } }],
            });
            const result = await testEnv().client.workflow.execute(workflows_1.RestoreVault, {
                taskQueue,
                workflowId: `wf-test-restore-${id}`,
                args: [input(stack)],
            });
            strict_1.default.ok(!result.steps.some((s) => s.step === 'release'), 'the operator hold is theirs to release');
            strict_1.default.equal((await opHold.describe()).status.name, 'RUNNING');
            await opHold.terminate('test over');
        });
    });
});
//# sourceMappingURL=restore-vault.test.js.map