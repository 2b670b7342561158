/**
 * `DiagnoseVaultStack` (the worker's half of `vault-bootstrap doctor`): the bootstrap's own `preflight` (it
 * changes nothing: stack files, TLS files, swarm, `iklimco-net`, custody writable, autolock), then
 * `diagnoseStack` (the certificate's names and expiry, custody's record, the backup folder, the Vault tasks:
 * src/activities/diagnose.ts). Each is a row of the result, a failed one too; no secret is in it.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DoctorCheck, StackDiagnosis } from '../shared/doctor';
import { checkHealthInput } from '../shared/inputs';
import { operatorCommand } from './activity-options';
import { messageOf } from '../shared/errors';

const { preflight, diagnoseStack } = proxyActivities<Activities>(operatorCommand);

/** The failure's innermost message, with its type when it has one. */
function reason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return messageOf(cause);
}

export async function DiagnoseVaultStack(input: {
  stack: string;
  certExpiryWarnDays: number;
}): Promise<StackDiagnosis> {
  checkHealthInput(input);
  const pre: DoctorCheck = await preflight({ stack: input.stack }).then(
    (o) => ({
      name: 'preflight',
      status: /SwarmAutolockOff/.test(o.summary) ? 'warn' : 'ok',
      detail: o.summary,
    }),
    (err: unknown) => ({ name: 'preflight', status: 'fail', detail: reason(err) }),
  );
  const rest = await diagnoseStack(input);
  return { ...rest, checks: [pre, ...rest.checks] };
}
