/**
 * `BootstrapVault`: the eight bootstrap steps (after a preflight), in order, one activity each, then
 * `revokeRootToken`, which leaves the worker its own token and Vault no standing root token.
 *
 * Deterministic code only. The durable history is the record of which steps completed; a crashed worker
 * or server resumes at the first step without a completion event. Each activity is itself idempotent
 * (observe, act if needed, verify), so a step interrupted mid-way is simply run again.
 * Inputs, results and errors carry names and ids only, never key material.
 */
import {
  defineQuery,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeFailure, NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';
import { bootstrapProgressDetails, stepSummary } from '../shared/run-text';
import { VAULT_BOOTSTRAP_STEP } from '../shared/search-attributes';
import { BOOTSTRAP_STEPS } from '../shared/steps';
import { REVOKE_ROOT_TOKEN_PATCH } from './patches';
import type { BootstrapStep, StepProgress } from '../shared/steps';
import type { BootstrapInput, BootstrapResult, StepOutcome } from '../shared/types';

/** Quick API calls (secret create, init, unseal, join): seconds each, a few retries. */
export const apiCall: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
};

/** Convergence waits (tasks running, rollouts, Raft membership): minutes, heartbeating throughout. */
export const convergence: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
};

/**
 * The activities with `options`, the step named on the run's timeline (`unsealPeers (7/8): unseal …`). The
 * summary is user metadata on the scheduling command: replay does not compare it, so older histories replay.
 */
function forStep(options: ActivityOptions, step: BootstrapStep) {
  return proxyActivities<Activities>({ ...options, summary: stepSummary(step) });
}

/** Each step's status, times and one-line summary. */
export const progressQuery = defineQuery<StepProgress[]>('progress');

export async function BootstrapVault(input: BootstrapInput): Promise<BootstrapResult> {
  const progress: StepProgress[] = BOOTSTRAP_STEPS.map((step) => ({ step, status: 'pending' }));
  setHandler(progressQuery, () => progress);

  const showProgress = () => setCurrentDetails(bootstrapProgressDetails(input.stack, progress));

  async function step<T extends StepOutcome>(
    name: BootstrapStep,
    options: ActivityOptions,
    run: (a: ReturnType<typeof forStep>) => Promise<T>,
  ): Promise<T> {
    const row = progress.find((p) => p.step === name)!;
    row.status = 'running';
    row.startedAt = new Date().toISOString();
    upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: name }]);
    showProgress();
    try {
      const out = await run(forStep(options, name));
      row.status = 'done';
      row.summary = out.summary;
      return out;
    } catch (err) {
      row.status = 'failed';
      row.error = describeFailure(err);
      upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: `failed:${name}` }]);
      throw err;
    } finally {
      row.endedAt = new Date().toISOString();
      showProgress();
    }
  }

  await step('preflight', apiCall, (a) => a.preflight(input));
  await step('ensurePlaceholderSecret', apiCall, (a) => a.ensurePlaceholderSecret(input));
  await step('deployStack', convergence, (a) => a.deployStack(input));
  await step('initLeader', apiCall, (a) => a.initLeader(input));
  await step('rotateUnsealKeySecret', convergence, (a) => a.rotateUnsealKeySecret(input));
  await step('unsealLeader', apiCall, (a) => a.unsealLeader(input));
  await step('joinPeers', apiCall, (a) => a.joinPeers(input));
  await step('unsealPeers', convergence, (a) => a.unsealPeers(input));
  const verified = await step('verifyCluster', convergence, (a) => a.verifyCluster(input));
  if (patched(REVOKE_ROOT_TOKEN_PATCH))
    await step('revokeRootToken', apiCall, (a) => a.revokeRootToken(input));
  upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: 'done' }]);

  return {
    summary: verified.cluster,
    steps: progress.map((p) => ({ step: p.step, summary: p.summary ?? '' })),
  };
}
