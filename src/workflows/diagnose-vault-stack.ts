/**
 * `DiagnoseVaultStack` (the worker's half of `vault-bootstrap doctor`): one read-only activity on the worker
 * that takes it (src/activities/diagnose.ts). Its result is checks an operator reads; no secret is in it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StackDiagnosis } from '../shared/doctor';
import { checkHealthInput } from '../shared/inputs';
import { operatorCommand } from './activity-options';

const { diagnoseStack } = proxyActivities<Activities>(operatorCommand);

export async function DiagnoseVaultStack(input: {
  stack: string;
  certExpiryWarnDays: number;
}): Promise<StackDiagnosis> {
  checkHealthInput(input);
  return diagnoseStack(input);
}
