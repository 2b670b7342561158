/**
 * The steps that make a running cluster of a stack, shared by `BootstrapVault` (the leader is initialized)
 * and `RestoreVault` (the leader is restored from a snapshot):
 *
 *   preflight → ensurePlaceholderSecret → deployStack → <the leader's step> → rotateUnsealKeySecret →
 *   unsealLeader → joinPeers → unsealPeers → verifyCluster
 *
 * Each workflow runs them through its own `StepRunner` (how it shows progress and names the step on the
 * timeline); the order, the activities and their options are written once, here. Changing them changes the
 * commands both workflows issue: the replay test (test/replay) holds histories of both.
 */
import type { ActivityInterfaceFor, ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BootstrapInput, ClusterSummary, StepOutcome } from '../shared/types';
import { apiCall, convergence } from './activity-options';

/** The steps of the sequence, the leader's included (`initLeader` or `restoreLeader`). */
export type ClusterStep =
  | 'preflight'
  | 'ensurePlaceholderSecret'
  | 'deployStack'
  | 'initLeader'
  | 'restoreLeader'
  | 'rotateUnsealKeySecret'
  | 'unsealLeader'
  | 'joinPeers'
  | 'unsealPeers'
  | 'verifyCluster';

/** Runs one step: calls `run` with activities under `options`, records and shows the outcome. */
export type StepRunner<N extends string> = <T extends StepOutcome>(
  name: N,
  options: ActivityOptions,
  run: (activities: ActivityInterfaceFor<Activities>) => Promise<T>,
) => Promise<T>;

/** The leader's step: the only one in which the two workflows differ. */
export interface LeaderStep<N extends ClusterStep> {
  name: N;
  options: ActivityOptions;
  run: (activities: ActivityInterfaceFor<Activities>) => Promise<StepOutcome>;
}

/**
 * Runs the sequence for `input.stack` (each step is given `input` whole) and returns what `verifyCluster`
 * saw.
 */
export async function formCluster<N extends ClusterStep>(
  step: StepRunner<N | Exclude<ClusterStep, 'initLeader' | 'restoreLeader'>>,
  input: BootstrapInput,
  leader: LeaderStep<N>,
): Promise<StepOutcome & { cluster: ClusterSummary }> {
  await step('preflight', apiCall, (a) => a.preflight(input));
  await step('ensurePlaceholderSecret', apiCall, (a) => a.ensurePlaceholderSecret(input));
  await step('deployStack', convergence, (a) => a.deployStack(input));
  await step(leader.name, leader.options, leader.run);
  await step('rotateUnsealKeySecret', convergence, (a) => a.rotateUnsealKeySecret(input));
  await step('unsealLeader', apiCall, (a) => a.unsealLeader(input));
  await step('joinPeers', apiCall, (a) => a.joinPeers(input));
  await step('unsealPeers', convergence, (a) => a.unsealPeers(input));
  return step('verifyCluster', convergence, (a) => a.verifyCluster(input));
}
