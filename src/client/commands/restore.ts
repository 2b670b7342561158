/**
 * `vault-bootstrap restore --snapshot FILE [--wait]`: disaster recovery (docs/backups.md). Starts `RestoreVault`
 * for the stack, or attaches to the one already running; with `--wait`, waits for it and prints each step.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { restoreWorkflowId } from '../../shared/backup';
import { describeFailure } from '../../shared/errors';
import { RestoreVault } from '../../workflows';
import type { CommandContext } from '../context';
import { uiLink } from '../format';
import { healthInput } from './schedule/spec';

/** Runs `restore`; resolves with 0 once started (or, with `--wait`, restored), 1 when it failed. */
export async function restore(
  ctx: CommandContext,
  options: { snapshot: string; wait: boolean },
): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = restoreWorkflowId(stack);
  const handle = await client.workflow.start(RestoreVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ stack, snapshot: options.snapshot, check: healthInput(config, stack) }],
    staticSummary: `Restore ${stack} from ${options.snapshot}`,
    // A second call while one runs attaches to it (whatever snapshot it was given).
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const link = `Temporal UI: ${uiLink(config, workflowId)}`;
  console.log(`RestoreVault ${workflowId} running\n${link}`);
  if (!options.wait) return 0;
  try {
    const result = await handle.result();
    console.log(
      [
        `restored ${result.stack} from ${result.snapshot}`,
        ...result.steps.map((s) => `  ${s.step}: ${s.summary}`),
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    console.error(`vault-bootstrap: restore failed: ${describeFailure(err)}\n${link}`);
    return 1;
  }
}
