/**
 * `vault-bootstrap credentials repair [--wait]`: starts `RepairVaultCredentials`, which writes again the tool's
 * policies that are missing or changed and replaces its tokens that are missing or rejected (README, "What each
 * credential can do"). The health run reports such a credential; nothing repairs it unless an operator asks.
 */
import { credentialsRepairWorkflowId } from '../../shared/workflow-ids';
import { RepairVaultCredentials } from '../../workflows';
import type { CommandContext } from '../context';
import { runToEnd } from './run-to-end';

/** Runs `credentials repair`; resolves with 0 once started (with `--wait`: once done), 1 when it failed. */
export async function credentials(
  ctx: CommandContext,
  options: { wait: boolean; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(RepairVaultCredentials, {
    taskQueue: config.temporal.taskQueue,
    workflowId: credentialsRepairWorkflowId(stack),
    args: [{ stack }],
    staticSummary: `Repair the credentials of ${stack}`,
  });
  return runToEnd(ctx, handle, { ...options, what: 'credentials repair', format: (o) => o.summary });
}
