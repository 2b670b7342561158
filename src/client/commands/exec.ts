/**
 * `vault-bootstrap exec [--stack S] -- vault operator raft list-peers`: the seed's checks verbatim, without a
 * token to hold. Starts `RunVaultCommand`, which runs the command in a Vault task on the worker's node with a
 * token made for it (it can only read the Raft configuration and status) and revoked after; prints what the
 * command printed, on stdout and stderr as it did, and exits with its exit code, as `docker exec` does. Only
 * read-only `vault` commands run (src/shared/vault-commands.ts); anything else is refused here, before
 * anything starts.
 */
import { describeFailure, messageOf } from '../../shared/errors';
import { checkVaultCommand, EXEC_OUTPUT_MAX_BYTES } from '../../shared/vault-commands';
import { vaultCommandWorkflowId } from '../../shared/workflow-ids';
import { RunVaultCommand } from '../../workflows';
import { UsageError } from '../args';
import type { CommandContext } from '../context';

/** The exit code when the command did not run (the workflow failed): as for any failed workflow. */
const NOT_RUN = 1;

/** Runs `exec`; resolves with the command's exit code, or 1 when it could not run. */
export async function exec(ctx: CommandContext, options: { command: readonly string[] }): Promise<number> {
  const { client, config, stack } = ctx;
  try {
    checkVaultCommand([...options.command], 'the command');
  } catch (err) {
    throw new UsageError(messageOf(err), 'exec');
  }
  const workflowId = vaultCommandWorkflowId(stack, new Date());
  let result;
  try {
    result = await client.workflow.execute(RunVaultCommand, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ stack, command: [...options.command] }],
      staticSummary: `\`${options.command.join(' ')}\` in a task of ${stack}`,
    });
  } catch (err) {
    console.error(`vault-bootstrap: ${workflowId}: the command did not run: ${describeFailure(err)}`);
    return NOT_RUN;
  }
  if (ctx.output === 'json') {
    console.log(JSON.stringify({ workflowId, ...result }, null, 2));
  } else {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.truncated)
      console.error(`vault-bootstrap: the output was cut at ${EXEC_OUTPUT_MAX_BYTES / 1024} KiB`);
  }
  return result.exitCode;
}
