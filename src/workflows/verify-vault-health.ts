/**
 * `VerifyVaultHealth`: one health check of a bootstrapped cluster, run by the Temporal Schedule, by the
 * Docker-events watcher and by `vault-bootstrap verify`. It reads, then (unless told not to) fixes what
 * is safe to fix — unseal, certificate reload, re-join — and reads again. The report, verdict and
 * finding codes are the result; verdict and codes also go into search attributes for the UI list.
 * A handful of events per run: its history does not grow with the age of the schedule.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../shared/errors';
import { REMEDIABLE } from '../shared/health';
import type { HealthInput, HealthReport } from '../shared/health';
import { VAULT_HEALTH_FINDINGS, VAULT_HEALTH_VERDICT } from '../shared/search-attributes';

/** Reading state: quick, a few retries (a failing read is itself a finding the next run will repeat). */
const read = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

/** Remediation: waits for unseals and reloads to take effect. */
const fix = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

export async function VerifyVaultHealth(input: HealthInput): Promise<HealthReport> {
  const first = await read.checkVaultHealth(input);
  let report = first;
  const remediable = first.findings.some((f) => REMEDIABLE.includes(f.code));
  if (input.remediate !== false && remediable) {
    const actions = await fix.remediateVaultHealth(input, first);
    report = {
      ...(await read.checkVaultHealth({ ...input, settleSeconds: 5 })),
      actions,
      findingsBefore: first.findings,
    };
  }
  upsertSearchAttributes([
    { key: VAULT_HEALTH_VERDICT, value: report.verdict },
    { key: VAULT_HEALTH_FINDINGS, value: [...new Set(report.findings.map((f) => f.code))] },
  ]);
  return report;
}
