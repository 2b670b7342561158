/**
 * `vault-bootstrap verify [--json]`: run one VerifyVaultHealth now and print its report.
 */
import { healthRunSummary } from '../../shared/run-text';
import { VerifyVaultHealth } from '../../workflows';
import type { CommandContext } from '../context';
import { formatReport } from '../format';
import { healthInput } from './schedule/spec';

/** Runs `verify`; resolves with 0 when the verdict is `Healthy`, 1 otherwise. */
export async function verify(ctx: CommandContext, options: { json: boolean }): Promise<number> {
  const { client, config, stack } = ctx;
  const report = await client.workflow.execute(VerifyVaultHealth, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `vault-verify:${stack}:${Date.now()}`,
    args: [healthInput(config, stack)],
    staticSummary: healthRunSummary(stack, 'on demand'),
  });
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.verdict === 'Healthy' ? 0 : 1;
}
