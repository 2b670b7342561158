"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `BreakGlassRootToken` on the time-skipping test server with stubbed activities: the token is issued, the
 * query hands the sealed token out, and the revocation runs when the TTL's durable timer fires (skipped, not
 * waited for) or at once on `revokeNow`; a failing revocation is retried until it succeeds.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
void (0, node_test_1.describe)('BreakGlassRootToken on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    const input = (id, ttlSeconds) => ({
        stack: `st${id}`,
        ttlSeconds,
        recipientPublicKeyPem: 'PEM',
        requester: 'op@host',
    });
    void (0, node_test_1.it)('issues, then revokes when the TTL is over (a durable timer: one hour, skipped)', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.BreakGlassRootToken, {
                taskQueue,
                workflowId: `wf-test-bg-${id}`,
                args: [input(id, 3600)],
            });
            const started = await testEnv().env.currentTimeMs();
            const out = await handle.result();
            strict_1.default.deepEqual(calls, ['issueBreakGlassToken', 'revokeBreakGlassToken']);
            strict_1.default.deepEqual(out, { accessor: `bg-st${id}`, revoked: true, alreadyGone: false });
            const elapsed = (await testEnv().env.currentTimeMs()) - started;
            strict_1.default.ok(elapsed >= 3600_000, `revoked after the TTL (${elapsed} ms of workflow time)`);
            const state = await handle.query(workflows_1.breakGlassQuery);
            strict_1.default.equal(state.status, 'revoked');
            strict_1.default.equal(state.issued?.sealedToken, 'c2VhbGVk');
        });
    });
    void (0, node_test_1.it)('revokeNow revokes before the TTL; a failing revocation is retried', async () => {
        let failures = 2;
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        const revokeOnce = activities.revokeBreakGlassToken;
        activities.revokeBreakGlassToken = async (i) => {
            if (failures-- > 0)
                throw new Error('Vault unreachable');
            return revokeOnce(i);
        };
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.BreakGlassRootToken, {
                taskQueue,
                workflowId: `wf-test-bg-now-${id}`,
                args: [input(id, 24 * 3600)],
            });
            // Without skipping: the query is answered while the workflow waits on its timer.
            await testEnv().env.sleep(1);
            let state = await handle.query(workflows_1.breakGlassQuery);
            for (let i = 0; state.status !== 'issued' && i < 50; i++)
                state = await handle.query(workflows_1.breakGlassQuery);
            strict_1.default.equal(state.status, 'issued');
            strict_1.default.ok(state.revokeAt);
            await handle.signal(workflows_1.revokeNowSignal);
            const out = await handle.result();
            strict_1.default.equal(out.revoked, true);
            strict_1.default.deepEqual(calls, ['issueBreakGlassToken', 'revokeBreakGlassToken']);
            strict_1.default.equal(failures, -1, 'the revocation was attempted three times');
        });
    });
});
//# sourceMappingURL=break-glass.test.js.map