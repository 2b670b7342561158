/**
 * What `backup now`, `backup drill`, `restore` and `credentials repair` share once their workflow is started:
 * without `--wait`, say it runs and where to look; with it, wait for the result (`../wait.ts`: bounded by
 * `--timeout`, saying when no worker polls and what is retried) and print it, or print the innermost failure
 * and exit 1.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { describeFailure } from '../../shared/errors';
import type { CommandContext } from '../context';
import { uiLink } from '../format';
import { emit, note } from '../output';
import type { PendingActivity } from '../wait';
import { awaitResult } from '../wait';

export interface RunToEndOptions<R> {
  /** `--wait`. */
  wait: boolean;
  /** `--timeout`, in milliseconds. */
  timeoutMs?: number;
  /** What failed, for `vault-bootstrap: <what> failed: …` (`backup`, `restore drill`, `restore`). */
  what: string;
  /** The result as the operator reads it. */
  format: (result: R) => string;
}

/** Reports the run of `handle`; resolves with the exit code: 0, or 1 when it failed. */
export async function runToEnd<R>(
  ctx: CommandContext,
  handle: {
    workflowId: string;
    result(): Promise<R>;
    describe(): Promise<{ raw: { pendingActivities?: PendingActivity[] | null } }>;
  },
  options: RunToEndOptions<R>,
): Promise<number> {
  const ui = uiLink(ctx.config, handle.workflowId);
  const link = `Temporal UI: ${ui}`;
  const started = { stack: ctx.stack, workflowId: handle.workflowId, ui };
  if (!options.wait) {
    emit(ctx, started, () => `${handle.workflowId} running\n${link}`);
    return 0;
  }
  let result: R;
  try {
    result = await awaitResult(ctx, handle, { timeoutMs: options.timeoutMs, print: (l) => note(ctx, l) });
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (ctx.output === 'json') emit(ctx, { ...started, failed: describeFailure(err) }, () => '');
    console.error(`vault-bootstrap: ${options.what} failed: ${describeFailure(err)}\n${link}`);
    return 1;
  }
  emit(ctx, { ...started, result }, () => `${options.format(result)}\n${link}`);
  return 0;
}
