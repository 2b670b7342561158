"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.progressQuery = exports.convergence = exports.apiCall = void 0;
exports.BootstrapVault = BootstrapVault;
/**
 * `BootstrapVault`: the eight bootstrap steps (after a preflight), in order, one activity each, then
 * `revokeRootToken`, which leaves the worker its own token and Vault no standing root token.
 *
 * Deterministic code only. The durable history is the record of which steps completed; a crashed worker
 * or server resumes at the first step without a completion event. Each activity is itself idempotent
 * (observe, act if needed, verify), so a step interrupted mid-way is simply run again.
 * Inputs, results and errors carry names and ids only, never key material.
 */
const workflow_1 = require("@temporalio/workflow");
const errors_1 = require("../shared/errors");
const run_text_1 = require("../shared/run-text");
const search_attributes_1 = require("../shared/search-attributes");
const steps_1 = require("../shared/steps");
const patches_1 = require("./patches");
/** Quick API calls (secret create, init, unseal, join): seconds each, a few retries. */
exports.apiCall = {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '2 seconds',
        backoffCoefficient: 2,
        maximumInterval: '30 seconds',
        maximumAttempts: 10,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
};
/** Convergence waits (tasks running, rollouts, Raft membership): minutes, heartbeating throughout. */
exports.convergence = {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '5 seconds',
        backoffCoefficient: 2,
        maximumInterval: '1 minute',
        maximumAttempts: 8,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
};
/**
 * The activities with `options`, the step named on the run's timeline (`unsealPeers (7/8): unseal …`). The
 * summary is user metadata on the scheduling command: replay does not compare it, so older histories replay.
 */
function forStep(options, step) {
    return (0, workflow_1.proxyActivities)({ ...options, summary: (0, run_text_1.stepSummary)(step) });
}
/** Each step's status, times and one-line summary. */
exports.progressQuery = (0, workflow_1.defineQuery)('progress');
async function BootstrapVault(input) {
    const progress = steps_1.BOOTSTRAP_STEPS.map((step) => ({ step, status: 'pending' }));
    (0, workflow_1.setHandler)(exports.progressQuery, () => progress);
    const showProgress = () => (0, workflow_1.setCurrentDetails)((0, run_text_1.bootstrapProgressDetails)(input.stack, progress));
    async function step(name, options, run) {
        const row = progress.find((p) => p.step === name);
        row.status = 'running';
        row.startedAt = new Date().toISOString();
        (0, workflow_1.upsertSearchAttributes)([{ key: search_attributes_1.VAULT_BOOTSTRAP_STEP, value: name }]);
        showProgress();
        try {
            const out = await run(forStep(options, name));
            row.status = 'done';
            row.summary = out.summary;
            return out;
        }
        catch (err) {
            row.status = 'failed';
            row.error = (0, errors_1.describeFailure)(err);
            (0, workflow_1.upsertSearchAttributes)([{ key: search_attributes_1.VAULT_BOOTSTRAP_STEP, value: `failed:${name}` }]);
            throw err;
        }
        finally {
            row.endedAt = new Date().toISOString();
            showProgress();
        }
    }
    await step('preflight', exports.apiCall, (a) => a.preflight(input));
    await step('ensurePlaceholderSecret', exports.apiCall, (a) => a.ensurePlaceholderSecret(input));
    await step('deployStack', exports.convergence, (a) => a.deployStack(input));
    await step('initLeader', exports.apiCall, (a) => a.initLeader(input));
    await step('rotateUnsealKeySecret', exports.convergence, (a) => a.rotateUnsealKeySecret(input));
    await step('unsealLeader', exports.apiCall, (a) => a.unsealLeader(input));
    await step('joinPeers', exports.apiCall, (a) => a.joinPeers(input));
    await step('unsealPeers', exports.convergence, (a) => a.unsealPeers(input));
    const verified = await step('verifyCluster', exports.convergence, (a) => a.verifyCluster(input));
    if ((0, workflow_1.patched)(patches_1.REVOKE_ROOT_TOKEN_PATCH))
        await step('revokeRootToken', exports.apiCall, (a) => a.revokeRootToken(input));
    (0, workflow_1.upsertSearchAttributes)([{ key: search_attributes_1.VAULT_BOOTSTRAP_STEP, value: 'done' }]);
    return {
        summary: verified.cluster,
        steps: progress.map((p) => ({ step: p.step, summary: p.summary ?? '' })),
    };
}
//# sourceMappingURL=bootstrap-vault.js.map