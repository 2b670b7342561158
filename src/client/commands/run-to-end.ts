/**
 * What `backup now`, `backup drill` and `restore` share once their workflow is started: without `--wait`,
 * say it runs and where to look; with it, wait for the result and print it, or print the innermost failure
 * and exit 1.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { describeFailure } from '../../shared/errors';
import type { CommandContext } from '../context';
import { uiLink } from '../format';

export interface RunToEndOptions<R> {
  /** `--wait`. */
  wait: boolean;
  /** What failed, for `vault-bootstrap: <what> failed: …` (`backup`, `restore drill`, `restore`). */
  what: string;
  /** The result as the operator reads it. */
  format: (result: R) => string;
}

/** Reports the run of `handle`; resolves with the exit code: 0, or 1 when it failed. */
export async function runToEnd<R>(
  ctx: CommandContext,
  handle: { workflowId: string; result(): Promise<R> },
  options: RunToEndOptions<R>,
): Promise<number> {
  const link = `Temporal UI: ${uiLink(ctx.config, handle.workflowId)}`;
  if (!options.wait) {
    console.log(`${handle.workflowId} running\n${link}`);
    return 0;
  }
  let result: R;
  try {
    result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    console.error(`vault-bootstrap: ${options.what} failed: ${describeFailure(err)}\n${link}`);
    return 1;
  }
  console.log(`${options.format(result)}\n${link}`);
  return 0;
}
