/**
 * `VerifyVaultHealth`: one health check of a bootstrapped cluster, as run by `vault-bootstrap verify`
 * and by the Temporal Schedule. Reads only; it changes nothing.
 */
import { isCancellation, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';
import { VAULT_HEALTH_VERDICT } from '../shared/search-attributes';
import type { BootstrapInput, ClusterSummary } from '../shared/types';

const check = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export interface HealthReport {
  verdict: 'Healthy' | 'Failed';
  cluster?: ClusterSummary;
  finding?: string;
}

export async function VerifyVaultHealth(input: BootstrapInput): Promise<HealthReport> {
  try {
    const { cluster } = await check.verifyCluster(input);
    upsertSearchAttributes([{ key: VAULT_HEALTH_VERDICT, value: 'Healthy' }]);
    return { verdict: 'Healthy', cluster };
  } catch (err) {
    if (isCancellation(err)) throw err;
    let e: unknown = err;
    while (e instanceof Error && e.cause instanceof Error) e = e.cause;
    upsertSearchAttributes([{ key: VAULT_HEALTH_VERDICT, value: 'Failed' }]);
    return { verdict: 'Failed', finding: e instanceof Error ? e.message : String(e) };
  }
}
