/**
 * `vault-bootstrap verify [--json]`: run one VerifyVaultHealth now and print its report (and, as text, the
 * run's Temporal UI link).
 */
import { healthRunSummary } from '../../shared/run-text';
import { VerifyVaultHealth } from '../../workflows';
import type { CommandContext } from '../context';
import { formatReport, uiLink } from '../format';
import { healthInput } from './schedule';

/** Runs `verify`; resolves with 0 when the verdict is `Healthy`, 1 otherwise. */
export async function verify(ctx: CommandContext, options: { json: boolean }): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = `vault-verify:${stack}:${Date.now()}`;
  const report = await client.workflow.execute(VerifyVaultHealth, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [healthInput(config, stack)],
    staticSummary: healthRunSummary(stack, 'on demand'),
  });
  // `--json` prints the report alone (scripts parse it); the text adds the run's page.
  console.log(
    options.json
      ? JSON.stringify(report, null, 2)
      : `${formatReport(report)}\nTemporal UI: ${uiLink(config, workflowId)}`,
  );
  return report.verdict === 'Healthy' ? 0 : 1;
}
