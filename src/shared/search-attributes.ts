import { defineSearchAttributeKey } from '@temporalio/common';

/** Current bootstrap step (or `done` / `failed:<step>`), shown as a column in the Temporal UI. */
export const VAULT_BOOTSTRAP_STEP = defineSearchAttributeKey('VaultBootstrapStep', 'KEYWORD');
/** Verdict of the last health check: Healthy, Degraded or Failed. */
export const VAULT_HEALTH_VERDICT = defineSearchAttributeKey('VaultHealthVerdict', 'KEYWORD');
/** Short finding codes of the last health check. */
export const VAULT_HEALTH_FINDINGS = defineSearchAttributeKey('VaultHealthFindings', 'KEYWORD_LIST');
/** Outcome of a restore drill: `ok`, or `failed:<error type>` (the run's close time says when). */
export const VAULT_RESTORE_DRILL = defineSearchAttributeKey('VaultRestoreDrill', 'KEYWORD');
