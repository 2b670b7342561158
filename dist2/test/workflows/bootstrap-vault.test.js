"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Workflow tests: the real `BootstrapVault` and `VerifyVaultHealth` code on Temporal's time-skipping test
 * server (`test/support/time-skipping.ts`; no test bed, no Docker, no Vault), with STUBBED activities. They
 * check the orchestration only: step order, retries, non-retryable failures and their failure chain,
 * progress query and search attributes (registered on the test server, which stores upserts and returns
 * them from describe like a real server). Retry back-offs are skipped, not waited for.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const client_1 = require("@temporalio/client");
const common_1 = require("@temporalio/common");
const search_attributes_1 = require("../../src/shared/search-attributes");
const errors_1 = require("../../src/shared/errors");
const run_text_1 = require("../../src/shared/run-text");
const steps_1 = require("../../src/shared/steps");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
/** The worker of swarm node `node-3`: the stubs, with every signal it is asked to send recorded in `onNode3`. */
function recordingNode3(activities) {
    const onNode3 = [];
    const node3 = {
        ...activities,
        signalVaultContainer(input) {
            onNode3.push(`${input.signal} ${input.containerId}`);
            return Promise.resolve({ nodeId: 'node-3' });
        },
    };
    return { node3, onNode3 };
}
void (0, node_test_1.describe)('BootstrapVault and VerifyVaultHealth on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    async function startBootstrap(taskQueue, id) {
        return testEnv().client.workflow.start(workflows_1.BootstrapVault, {
            taskQueue,
            workflowId: `wf-test-bootstrap-${id}`,
            args: [{ stack: `st${id}` }],
        });
    }
    void (0, node_test_1.it)('runs the steps once each in the designed order and reports them', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await startBootstrap(taskQueue, id);
            const result = await handle.result();
            strict_1.default.deepEqual(calls, [...steps_1.BOOTSTRAP_STEPS]);
            strict_1.default.deepEqual(result.summary, (0, stub_activities_1.clusterOf)(`st${id}`));
            strict_1.default.deepEqual(result.steps.map((s) => s.step), [...steps_1.BOOTSTRAP_STEPS]);
            for (const s of result.steps)
                strict_1.default.notEqual(s.summary, '', `summary of ${s.step}`);
            strict_1.default.equal(result.steps.find((s) => s.step === 'joinPeers')?.summary, 'joined vault-2, vault-3');
            const progress = await handle.query(workflows_1.progressQuery);
            strict_1.default.deepEqual(progress.map((p) => p.step), [...steps_1.BOOTSTRAP_STEPS]);
            for (const p of progress) {
                strict_1.default.equal(p.status, 'done', `${p.step} is done`);
                strict_1.default.ok(p.startedAt && !Number.isNaN(Date.parse(p.startedAt)), `${p.step} has startedAt`);
                strict_1.default.ok(p.endedAt && !Number.isNaN(Date.parse(p.endedAt)), `${p.step} has endedAt`);
                strict_1.default.ok(Date.parse(p.endedAt) >= Date.parse(p.startedAt), `${p.step} ends after it starts`);
                strict_1.default.equal(p.error, undefined);
            }
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_BOOTSTRAP_STEP), 'done');
        });
    });
    void (0, node_test_1.it)('says on the timeline which step each activity is, and in its current details what happened', async () => {
        const { activities } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await startBootstrap(taskQueue, id);
            await handle.result();
            const { events } = await handle.fetchHistory();
            const summaries = (events ?? [])
                .filter((e) => e.activityTaskScheduledEventAttributes)
                .map((e) => {
                const payload = e.userMetadata?.summary;
                return payload ? common_1.defaultPayloadConverter.fromPayload(payload) : undefined;
            });
            strict_1.default.deepEqual(summaries, steps_1.BOOTSTRAP_STEPS.map(run_text_1.stepSummary));
            const meta = await handle.query('__temporal_workflow_metadata');
            const details = meta.currentDetails ?? '';
            strict_1.default.equal(details.split('\n')[0], `**Bootstrap Vault stack st${id}**: done`);
            strict_1.default.match(details, /^- `joinPeers` done: joined vault-2, vault-3$/m);
        });
    });
    void (0, node_test_1.it)('fails fast on a non-retryable UnsealKeyUnavailable and runs no later step', async () => {
        const message = 'vault-1 is initialized but key custody holds no key for it: restore the custody record';
        const { activities, calls } = (0, stub_activities_1.stubActivities)({
            initLeader: () => Promise.reject(client_1.ApplicationFailure.nonRetryable(message, 'UnsealKeyUnavailable')),
        });
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await startBootstrap(taskQueue, id);
            const err = await handle.result().then(() => strict_1.default.fail('the workflow should have failed'), (e) => e);
            strict_1.default.ok(err instanceof client_1.WorkflowFailedError, `WorkflowFailedError, got ${String(err)}`);
            strict_1.default.ok(err.cause instanceof client_1.ActivityFailure, 'caused by an ActivityFailure');
            strict_1.default.equal(err.cause.activityType, 'initLeader');
            const app = err.cause.cause;
            strict_1.default.ok(app instanceof client_1.ApplicationFailure, 'caused by an ApplicationFailure');
            strict_1.default.equal(app.type, 'UnsealKeyUnavailable');
            strict_1.default.equal(app.nonRetryable, true);
            strict_1.default.equal(app.message, message);
            // One attempt, and nothing after initLeader ran.
            strict_1.default.deepEqual(calls, ['preflight', 'ensurePlaceholderSecret', 'deployStack', 'initLeader']);
            const progress = await handle.query(workflows_1.progressQuery);
            const row = (step) => progress.find((p) => p.step === step);
            strict_1.default.equal(row('deployStack')?.status, 'done');
            strict_1.default.equal(row('initLeader')?.status, 'failed');
            strict_1.default.equal(row('initLeader')?.error, `UnsealKeyUnavailable: ${message}`);
            strict_1.default.ok(row('initLeader')?.endedAt, 'the failed step has endedAt');
            for (const later of steps_1.BOOTSTRAP_STEPS.slice(steps_1.BOOTSTRAP_STEPS.indexOf('initLeader') + 1)) {
                strict_1.default.equal(row(later)?.status, 'pending', `${later} never ran`);
            }
            const described = await handle.describe();
            strict_1.default.equal(described.status.name, 'FAILED');
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_BOOTSTRAP_STEP), 'failed:initLeader');
        });
    });
    void (0, node_test_1.it)('retries a step that fails with a plain Error, then completes', async () => {
        let attempts = 0;
        const { activities, calls } = (0, stub_activities_1.stubActivities)({
            deployStack: () => {
                attempts += 1;
                return attempts <= 2
                    ? Promise.reject(new Error(`service not converged yet (attempt ${attempts})`))
                    : Promise.resolve();
            },
        });
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await startBootstrap(taskQueue, id);
            const result = await handle.result();
            strict_1.default.equal(attempts, 3, 'deployStack ran three times');
            strict_1.default.deepEqual(calls.filter((c) => c !== 'deployStack'), steps_1.BOOTSTRAP_STEPS.filter((s) => s !== 'deployStack'));
            strict_1.default.equal(result.summary.leader, 'vault-1');
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_BOOTSTRAP_STEP), 'done');
        });
    });
    void (0, node_test_1.it)('VerifyVaultHealth reports a healthy cluster without remediating', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-${id}`,
                args: [{ stack: `st${id}` }],
            });
            const report = await handle.result();
            strict_1.default.equal(report.verdict, 'Healthy');
            strict_1.default.deepEqual(report.actions, []);
            strict_1.default.deepEqual(calls, ['checkVaultHealth']);
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_HEALTH_VERDICT), 'Healthy');
            strict_1.default.deepEqual(described.typedSearchAttributes.get(search_attributes_1.VAULT_HEALTH_FINDINGS) ?? [], [], 'an empty list is stored as absent');
        });
    });
    void (0, node_test_1.it)('VerifyVaultHealth remediates a sealed node, checks again and reports both', async () => {
        const sealed = { code: 'NodeSealed', node: 'vault-2', detail: 'vault-2 is sealed' };
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', [sealed]), (0, stub_activities_1.reportOf)('s')]);
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-${id}`,
                args: [{ stack: 's' }],
            });
            const report = await handle.result();
            strict_1.default.deepEqual(calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
            strict_1.default.equal(report.verdict, 'Healthy');
            strict_1.default.deepEqual(report.actions, ['unsealed vault-2']);
            strict_1.default.deepEqual(report.findingsBefore, [sealed]);
            strict_1.default.equal(report.actionFailures, undefined);
            const meta = await handle.query('__temporal_workflow_metadata');
            strict_1.default.equal(meta.currentDetails, '**Health s: Healthy**\n\nActions:\n- unsealed vault-2');
        });
    });
    void (0, node_test_1.it)('VerifyVaultHealth: SIGHUP goes to the queue of the node that runs the task', async () => {
        const stale = { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' };
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', [stale]), (0, stub_activities_1.reportOf)('s')]);
        const { node3, onNode3 } = recordingNode3(activities);
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const report = await testEnv().client.workflow.execute(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-sighup-${id}`,
                args: [{ stack: 's' }],
            });
            strict_1.default.deepEqual(onNode3, ['SIGHUP c0ffee3'], 'signalled on node-3, the node of vault-3');
            strict_1.default.deepEqual(calls, ['checkVaultHealth', 'waitForServedCertificate', 'checkVaultHealth']);
            strict_1.default.match(report.actions[0] ?? '', /^reloaded the certificate of vault-3 \(SIGHUP on swarm node node-3\)/);
        }, { 'node-3': node3 });
    });
    void (0, node_test_1.it)('VerifyVaultHealth: a NodeNotMember node is left alone (no remediateNode, no signal)', async () => {
        const findings = [
            { code: 'NodeSealed', node: 'vault-2', detail: 'sealed' },
            { code: 'NodeSealed', node: 'vault-3', detail: 'sealed' },
            { code: 'NodeNotMember', node: 'vault-3', detail: 'not in the Raft configuration' },
            { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' },
        ];
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', findings), (0, stub_activities_1.reportOf)('s')]);
        const { node3, onNode3 } = recordingNode3(activities);
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const report = await testEnv().client.workflow.execute(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-not-member-${id}`,
                args: [{ stack: 's' }],
            });
            strict_1.default.deepEqual(calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
            strict_1.default.deepEqual(onNode3, [], 'vault-3 was not signalled');
            strict_1.default.deepEqual(report.actions, ['unsealed vault-2']);
        }, { 'node-3': node3 });
    });
    void (0, node_test_1.it)('VerifyVaultHealth: a node whose remediation fails is listed, and the other nodes are still handled', async () => {
        const findings = [
            { code: 'NodeSealed', node: 'vault-1', detail: 'sealed' },
            { code: 'NodeSealed', node: 'vault-2', detail: 'sealed' },
            { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' },
        ];
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', findings), (0, stub_activities_1.reportOf)('s')]);
        const main = {
            ...activities,
            remediateNode(input, report, name) {
                if (name === 'vault-1') {
                    calls.push(`remediateNode:${name}`);
                    return Promise.reject(client_1.ApplicationFailure.nonRetryable('vault-1 rejected the key', errors_1.ErrorType.UnsealKeyRejected));
                }
                return activities.remediateNode(input, report, name);
            },
        };
        // No worker polls node-3's queue (its node agent is down): the signal times out before it starts.
        await testEnv().withWorker(main, async (taskQueue, id) => {
            const report = await testEnv().client.workflow.execute(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-fail-${id}`,
                args: [{ stack: 's' }],
            });
            strict_1.default.deepEqual(calls, [
                'checkVaultHealth',
                'remediateNode:vault-1',
                'remediateNode:vault-2',
                'checkVaultHealth',
            ]);
            strict_1.default.deepEqual(report.actions, ['unsealed vault-2']);
            strict_1.default.equal(report.actionFailures?.length, 2, JSON.stringify(report.actionFailures));
            strict_1.default.match(report.actionFailures?.[0] ?? '', /^vault-1: UnsealKeyRejected: vault-1 rejected the key/);
            strict_1.default.match(report.actionFailures?.[1] ?? '', /^vault-3: certificate reload on swarm node node-3: .*(timeout|timed out)/i);
        }, {});
    });
    void (0, node_test_1.it)('VerifyVaultHealth only reports when remediation is off', async () => {
        const stale = { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' };
        const { activities, calls } = (0, stub_activities_1.stubActivities)({}, [(0, stub_activities_1.reportOf)('s', [stale])]);
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.VerifyVaultHealth, {
                taskQueue,
                workflowId: `wf-test-verify-${id}`,
                args: [{ stack: 's', remediate: false }],
            });
            const report = await handle.result();
            strict_1.default.deepEqual(calls, ['checkVaultHealth']);
            strict_1.default.equal(report.verdict, 'Degraded');
            const described = await handle.describe();
            strict_1.default.equal(described.typedSearchAttributes.get(search_attributes_1.VAULT_HEALTH_VERDICT), 'Degraded');
            strict_1.default.deepEqual(described.typedSearchAttributes.get(search_attributes_1.VAULT_HEALTH_FINDINGS), ['CertificateStale']);
        });
    });
});
//# sourceMappingURL=bootstrap-vault.test.js.map