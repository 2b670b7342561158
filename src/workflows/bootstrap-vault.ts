/**
 * `BootstrapVault`: the eight bootstrap steps (after a preflight), in order, one activity each (the sequence
 * of ./cluster-steps.ts, which `RestoreVault` shares), then `revokeRootToken`, which leaves the worker its
 * own token and Vault no standing root token.
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
import { describeFailure } from '../shared/errors';
import { bootstrapProgressDetails, stepSummary } from '../shared/run-text';
import { VAULT_BOOTSTRAP_STEP } from '../shared/search-attributes';
import { BOOTSTRAP_STEPS } from '../shared/steps';
import { REVOKE_ROOT_TOKEN_PATCH } from './patches';
import { apiCall } from './activity-options';
import { formCluster } from './cluster-steps';
import type { BootstrapStep, StepProgress } from '../shared/steps';
import type { BootstrapInput, BootstrapResult, StepOutcome } from '../shared/types';
import { checkStackInput } from '../shared/inputs';

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
  checkStackInput(input);
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

  const verified = await formCluster(step, input, {
    name: 'initLeader',
    options: apiCall,
    run: (a) => a.initLeader(input),
  });
  if (patched(REVOKE_ROOT_TOKEN_PATCH))
    await step('revokeRootToken', apiCall, (a) => a.revokeRootToken(input));
  upsertSearchAttributes([{ key: VAULT_BOOTSTRAP_STEP, value: 'done' }]);

  return {
    summary: verified.cluster,
    steps: progress.map((p) => ({ step: p.step, summary: p.summary ?? '' })),
  };
}
