/**
 * `vault-bootstrap upgrade --image IMAGE | --rollback [--wait]`: starts `UpgradeVault`, a rolling upgrade of the
 * Vault image (docs/upgrade.md). One per stack: a second `upgrade` while one runs follows it.
 */
import { upgradeWorkflowIds } from '../../shared/workflow-ids';
import { UpgradeVault } from '../../workflows';
import type { CommandContext } from '../context';
import { UsageError } from '../args';
import { runToEnd } from './run-to-end';

/** Runs `upgrade`; resolves with 0 once started (with `--wait`: once done), 1 when it failed. */
export async function upgrade(
  ctx: CommandContext,
  options: { image?: string; rollback: boolean; nodeTimeoutMs?: number; wait: boolean; timeoutMs?: number },
): Promise<number> {
  if ((options.image === undefined) === !options.rollback)
    throw new UsageError('upgrade needs one of --image IMAGE and --rollback', 'upgrade');
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(UpgradeVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId: upgradeWorkflowIds(stack).upgrade,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        stack,
        ...(options.rollback ? { rollback: true } : { image: options.image! }),
        ...(options.nodeTimeoutMs !== undefined && { nodeTimeoutMs: options.nodeTimeoutMs }),
      },
    ],
    staticSummary: options.rollback
      ? `Roll back the Vault image of ${stack}`
      : `Upgrade ${stack} to ${options.image}`,
  });
  return runToEnd(ctx, handle, {
    ...options,
    what: 'upgrade',
    format: (r) =>
      [`${r.stack}: ${r.from} → ${r.to}`].concat(r.steps.map((s) => `  ${s.step}: ${s.summary}`)).join('\n'),
  });
}
