"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RestoreVault = RestoreVault;
/**
 * `RestoreVault`: disaster recovery (issue 11; docs/backups.md). Brings a stack back from nothing (all nodes
 * and volumes gone) from one snapshot: the bootstrap's steps, with the leader's init replaced by the restore.
 *
 *   checkSnapshot (named refusals, nothing touched) → preflight → ensurePlaceholderSecret → deployStack →
 *   restoreLeader → rotateUnsealKeySecret → unsealLeader → joinPeers → unsealPeers → verifyCluster →
 *   checkRestored (the canary) → release the hold
 *
 * The stack is held (`HoldVaultStack`) for the whole restore, so no health run acts on a half-restored
 * cluster; a hold an operator already has is left to them. A restore that fails keeps its hold: an operator
 * looks, then releases. Each step is an idempotent activity, so a crash anywhere resumes at the step it hit.
 */
const workflow_1 = require("@temporalio/workflow");
const common_1 = require("@temporalio/common");
const errors_1 = require("../shared/errors");
const health_1 = require("../shared/health");
const hold_memo_1 = require("../shared/hold-memo");
const run_text_1 = require("../shared/run-text");
const bootstrap_vault_1 = require("./bootstrap-vault");
const hold_vault_stack_1 = require("./hold-vault-stack");
/** The restore streams the snapshot into the leader: as long as the snapshot is big. (The other steps take the bootstrap's options.) */
const restoring = {
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '1 minute',
    retry: {
        backoffCoefficient: 2,
        initialInterval: '10 seconds',
        maximumInterval: '1 minute',
        maximumAttempts: 5,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
};
async function RestoreVault(input) {
    const { stack, snapshot } = input;
    const restore = { stack, snapshot, restoreId: (0, workflow_1.workflowInfo)().runId.slice(0, 8) };
    const steps = [];
    const show = (now) => (0, workflow_1.setCurrentDetails)([
        `**Restore ${stack} from ${snapshot}**${now ? `: ${now}` : ''}`,
        '',
        ...steps.map((s) => `- ${s.step}: ${s.summary}`),
    ].join('\n'));
    async function step(name, options, run) {
        show(name);
        try {
            const out = await run((0, workflow_1.proxyActivities)({ ...options, summary: `restore: ${name}` }));
            steps.push({ step: name, summary: out.summary });
        }
        catch (err) {
            show(`${name} FAILED: ${(0, errors_1.describeFailure)(err)}`);
            throw err;
        }
    }
    await step('checkSnapshot', bootstrap_vault_1.apiCall, (a) => a.checkSnapshot(restore));
    const held = await holdForRestore(input);
    await step('preflight', bootstrap_vault_1.apiCall, (a) => a.preflight({ stack }));
    await step('ensurePlaceholderSecret', bootstrap_vault_1.apiCall, (a) => a.ensurePlaceholderSecret({ stack }));
    await step('deployStack', bootstrap_vault_1.convergence, (a) => a.deployStack({ stack }));
    await step('restoreLeader', restoring, (a) => a.restoreLeader(restore));
    await step('rotateUnsealKeySecret', bootstrap_vault_1.convergence, (a) => a.rotateUnsealKeySecret({ stack }));
    await step('unsealLeader', bootstrap_vault_1.apiCall, (a) => a.unsealLeader({ stack }));
    await step('joinPeers', bootstrap_vault_1.apiCall, (a) => a.joinPeers({ stack }));
    await step('unsealPeers', bootstrap_vault_1.convergence, (a) => a.unsealPeers({ stack }));
    await step('verifyCluster', bootstrap_vault_1.convergence, (a) => a.verifyCluster({ stack }));
    await step('checkRestored', bootstrap_vault_1.apiCall, (a) => a.checkRestored(restore));
    if (held) {
        await (0, workflow_1.getExternalWorkflowHandle)((0, health_1.holdWorkflowId)(stack)).signal(hold_vault_stack_1.releaseSignal, { by: 'RestoreVault' });
        steps.push({
            step: 'release',
            summary: "the restore's hold released: one health check with remediation runs",
        });
    }
    show('done');
    return { stack, snapshot, steps };
}
/**
 * Holds the stack for the restore (a `HoldVaultStack` that outlives this run); false when an operator holds
 * it already (their hold, theirs to release).
 */
async function holdForRestore(input) {
    const hold = {
        reason: `restore from ${input.snapshot}`,
        since: new Date().toISOString(),
        by: 'RestoreVault',
    };
    try {
        await (0, workflow_1.startChild)(hold_vault_stack_1.HoldVaultStack, {
            workflowId: (0, health_1.holdWorkflowId)(input.stack),
            args: [{ hold, check: input.check }],
            memo: { [hold_memo_1.HOLD_MEMO_KEY]: hold },
            staticSummary: (0, run_text_1.holdRunSummary)(input.stack, hold),
            parentClosePolicy: workflow_1.ParentClosePolicy.ABANDON,
        });
        return true;
    }
    catch (err) {
        if (err instanceof common_1.WorkflowExecutionAlreadyStartedError)
            return false;
        throw err;
    }
}
//# sourceMappingURL=restore-vault.js.map