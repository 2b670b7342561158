/**
 * `vault-bootstrap restore --snapshot FILE [--wait]`: disaster recovery (docs/backups.md). Starts `RestoreVault`
 * for the stack, or attaches to the one already running; with `--wait`, waits for it and prints each step.
 * `FILE` is a snapshot's name in the stack's backup folder (the grammar refuses a path); the client asked for
 * confirmation before this runs (`--yes` skips it).
 */
import { restoreWorkflowId } from '../../shared/workflow-ids';
import { RestoreVault } from '../../workflows';
import type { CommandContext } from '../context';
import { runToEnd } from './run-to-end';
import { healthInput } from './schedule';

/** Runs `restore`; resolves with 0 once started (or, with `--wait`, restored), 1 when it failed. */
export async function restore(
  ctx: CommandContext,
  options: { snapshot: string; wait: boolean; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(RestoreVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId: restoreWorkflowId(stack),
    args: [{ stack, snapshot: options.snapshot, check: healthInput(config, stack) }],
    staticSummary: `Restore ${stack} from ${options.snapshot}`,
    // A second call while one runs attaches to it (whatever snapshot it was given).
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return runToEnd(ctx, handle, {
    wait: options.wait,
    timeoutMs: options.timeoutMs,
    what: 'restore',
    format: (r) =>
      [`restored ${r.stack} from ${r.snapshot}`, ...r.steps.map((s) => `  ${s.step}: ${s.summary}`)].join(
        '\n',
      ),
  });
}
