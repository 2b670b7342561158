/**
 * `vault-bootstrap verify [-o json]`: run one VerifyVaultHealth now and print its report (as text, with the
 * run's Temporal UI link; as JSON, the report alone).
 */
import { healthRunSummary } from '../../shared/run-text';
import { VerifyVaultHealth } from '../../workflows';
import type { CommandContext } from '../context';
import { formatReport, uiLink } from '../format';
import { emit, note } from '../output';
import { awaitResult } from '../wait';
import { healthInput } from './schedule';

/** Runs `verify`; resolves with 0 when the verdict is `Healthy`, 1 otherwise. */
export async function verify(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = `vault-verify:${stack}:${Date.now()}`;
  const handle = await client.workflow.start(VerifyVaultHealth, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [healthInput(config, stack)],
    staticSummary: healthRunSummary(stack, 'on demand'),
  });
  // Watched while it runs: a check with no worker to run it says so instead of hanging in silence.
  const report = await awaitResult(ctx, handle, { print: (line) => note(ctx, line) });
  // JSON is the report alone (scripts parse it, as they did `--json`'s); the text adds the run's page.
  emit(ctx, report, () => `${formatReport(report)}\nTemporal UI: ${uiLink(config, workflowId)}`);
  return report.verdict === 'Healthy' ? 0 : 1;
}
