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
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeFailure, NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';
import { VAULT_BOOTSTRAP_STEP } from '../shared/search-attributes';
import { BOOTSTRAP_STEPS } from '../shared/steps';
import { REVOKE_ROOT_TOKEN_PATCH } from './patches';
import type { BootstrapStep, StepProgress } from '../shared/steps';
import type { BootstrapInput, BootstrapResult, StepOutcome } from '../shared/types';

/** Quick API calls (secret create, init, unseal, join): seconds each, a few retries. */
const apiCall: ActivityOptions = {
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
const convergence: ActivityOptions = {
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

const api = proxyActivities<Activities>(apiCall);
const converge = proxyActivities<Activities>(convergence);

/** Each step's status, times and one-line summary. */
export const progressQuery = defineQuery<StepProgress[]>('progress');

export async function BootstrapVault(input: BootstrapInput): Promise<BootstrapResult> {
  const progress: StepProgress[] = BOOTSTRAP_STEPS.map((step) => ({ step, status: 'pending' }));
  setHandler(progressQuery, () => progress);

  async function step<T extends StepOutcome>(name: BootstrapStep, run: () => Promise<T>): Promise<T> {
    const row = progress.find((p) => p.step === name)!;
    row.status = 'running';
    row.startedAt = new Date().toISOString();
    upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: name }]);
    try {
      const out = await run();
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
    }
  }

  await step('preflight', () => api.preflight(input));
  await step('ensurePlaceholderSecret', () => api.ensurePlaceholderSecret(input));
  await step('deployStack', () => converge.deployStack(input));
  await step('initLeader', () => api.initLeader(input));
  await step('rotateUnsealKeySecret', () => converge.rotateUnsealKeySecret(input));
  await step('unsealLeader', () => api.unsealLeader(input));
  await step('joinPeers', () => api.joinPeers(input));
  await step('unsealPeers', () => converge.unsealPeers(input));
  const verified = await step('verifyCluster', () => converge.verifyCluster(input));
  if (patched(REVOKE_ROOT_TOKEN_PATCH)) await step('revokeRootToken', () => api.revokeRootToken(input));
  upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: 'done' }]);

  return {
    summary: verified.cluster,
    steps: progress.map((p) => ({ step: p.step, summary: p.summary ?? '' })),
  };
}
