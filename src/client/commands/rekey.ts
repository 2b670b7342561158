/**
 * `vault-bootstrap rekey [--wait]`: starts `RekeyVault`, which rotates the unseal key of a running cluster
 * (docs/rekey.md): the new key into custody before Vault takes it, a new secret version rolled out one node at a
 * time, a fresh snapshot drilled with the new key, then the old secret retired. One rotation per stack: a
 * second `rekey` while one runs follows it.
 */
import { rekeyWorkflowIds } from '../../shared/workflow-ids';
import { RekeyVault } from '../../workflows';
import type { CommandContext } from '../context';
import { runToEnd } from './run-to-end';

/** Runs `rekey`; resolves with 0 once started (with `--wait`: once done), 1 when it failed. */
export async function rekey(
  ctx: CommandContext,
  options: { wait: boolean; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(RekeyVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId: rekeyWorkflowIds(stack).rekey,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ stack }],
    staticSummary: `Rotate the unseal key of ${stack}`,
  });
  return runToEnd(ctx, handle, {
    ...options,
    what: 'rekey',
    format: (r) =>
      [`unseal key of ${r.stack} rotated: key generation ${r.generation}`]
        .concat(r.steps.map((s) => `  ${s.step}: ${s.summary}`))
        .join('\n'),
  });
}
