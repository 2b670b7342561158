/**
 * Every set of activity options the workflows use, named after the kind of work it suits: timeouts and
 * retries are read and changed here, not in each workflow. Non-retryable errors are the project's named
 * refusals (`NON_RETRYABLE_ERROR_TYPES`): a retry would meet the same state.
 *
 * Deterministic data only (imported by workflow code). Changing a value changes new schedules only; a
 * history replays whatever its recorded options were.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';

const nonRetryableErrorTypes = NON_RETRYABLE_ERROR_TYPES;

/** Quick API calls (secret create, init, unseal, join): seconds each, a few retries. */
export const apiCall: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
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
    nonRetryableErrorTypes,
  },
};

/**
 * A snapshot hashed whole (`checkSnapshot`) or streamed into the leader (`restoreLeader`): as long as the
 * snapshot is big; the activity boundary heartbeats throughout, so a dead worker still shows within a minute.
 */
export const restoring: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: {
    backoffCoefficient: 2,
    initialInterval: '10 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** A snapshot streamed out of the active node: as long as it is big; a dead worker shows in its heartbeats. */
export const snapshotting: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** A backup's small steps around the snapshot (policy, retention). */
export const backupHousekeeping: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** One restore drill: deploys, restores and reads back; a retry starts over on a fresh throwaway stack. */
export const drilling: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};

/** A drill's clean-up and record: retried longer, a throwaway stack must not be left behind. */
export const drillHousekeeping: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
};

/** Issuing a break-glass token: an operator waits for it, so a few quick retries. */
export const breakGlassIssue: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '20 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** The revocation is retried for as long as it takes: a token meant to be short-lived must not outlive it. */
export const breakGlassRevoke: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes,
  },
};

/**
 * Rotating the unseal key (`RekeyVault`): a root generation, an RSA decryption and a few calls; retried for a
 * while, since each retry carries on from what Vault and custody show.
 */
export const rekeying: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
};

/**
 * A rollout one task at a time (`rollUnsealKeySecret`): up to three restarts, each waited for (five minutes at
 * most per task, src/activities/cluster/rollout.ts), heartbeating on every look.
 */
export const rollingOut: ActivityOptions = {
  ...convergence,
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
};

/** A health check's reads: quick, a few retries (a failing read is itself a finding the next run repeats). */
export const healthRead: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};

/** A health check's remediation: waits for unseals and reloads to take effect. */
export const healthFix: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};

/**
 * A signal to a container, on `taskQueue`, the queue of the node that runs it. No agent on that node (or the
 * node down) must not hold the run: it fails after `scheduleToStartTimeout` and is reported with the node.
 */
export function onNodeQueue(taskQueue: string): ActivityOptions {
  return {
    taskQueue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      maximumAttempts: 3,
      nonRetryableErrorTypes,
    },
  };
}

/** The watcher's long wait for a Vault task to start (heartbeating; retried without end). */
export const watchWait: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
};

/** The per-node waits retry quickly: a node's Engine coming back must be watched again within seconds. */
export const watchNodeWait: ActivityOptions = {
  ...watchWait,
  retry: { initialInterval: '2 seconds', maximumInterval: '10 seconds' },
};

/** The watcher's reads (the swarm's nodes, the hold). */
export const watchRead: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds' },
};

/**
 * An operator's command (`exec`, `doctor`): one answer they wait for at a prompt; a few quick retries, then the
 * failure, rather than a prompt that hangs.
 */
export const operatorCommand: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes,
  },
};
