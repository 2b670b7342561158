/**
 * `vault-bootstrap hold --reason "…" [--by NAME]` and `release [--by NAME]`: an operator's hold on a stack
 * (`HoldVaultStack`). While held, health runs report and never act and the watcher starts no check; release
 * ends it and checks (and heals, as `VAULT_HEALTH_REMEDIATE` says) at once, printing that check's report.
 */
import { userInfo } from 'node:os';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TemporalStackHolds } from '../../holds/temporal-holds';
import { holdWorkflowId } from '../../shared/workflow-ids';
import type { StackHold } from '../../shared/health';
import { HOLD_MEMO_KEY } from '../../shared/hold-memo';
import { holdLine, holdRunSummary } from '../../shared/run-text';
import { HoldVaultStack, releaseSignal } from '../../workflows';
import type { CommandContext } from '../context';
import { formatReport, uiLink } from '../format';
import { EXIT } from '../grammar';
import { emit, note } from '../output';
import { awaitResult } from '../wait';
import { healthInput } from './schedule';

/** `--by`, else the name of the user running the client (a hold says who put it on); never empty. */
export function operatorName(by: string | undefined): string | undefined {
  if (by?.trim()) return by.trim();
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry (a container's arbitrary uid): the hold just does not say
  }
}

/** Puts the hold on; exit 1 (and the existing hold printed) when the stack is held already. */
export async function hold(ctx: CommandContext, options: { reason: string; by?: string }): Promise<number> {
  const { client, config, stack } = ctx;
  const by = operatorName(options.by);
  const held: StackHold = { reason: options.reason, since: new Date().toISOString(), ...(by ? { by } : {}) };
  const workflowId = holdWorkflowId(stack);
  try {
    await client.workflow.start(HoldVaultStack, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ hold: held, check: healthInput(config, stack) }],
      memo: { [HOLD_MEMO_KEY]: held },
      staticSummary: holdRunSummary(stack, held),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const current = await new TemporalStackHolds(() => client).current(stack);
    if (ctx.output === 'json') emit(ctx, { stack, held: false, current }, () => '');
    console.error(
      `vault-bootstrap: StackAlreadyHeld: stack ${stack} is already held` +
        `${current ? ` (${holdLine(current)})` : ''}; release it first\nTemporal UI: ${uiLink(config, workflowId)}`,
    );
    return EXIT.failed;
  }
  const ui = uiLink(config, workflowId);
  emit(
    ctx,
    { stack, held: true, hold: held, workflowId, ui },
    () =>
      `${holdLine(held)}\nHealth runs of ${stack} now report and never act; release with ` +
      `\`vault-bootstrap release --stack ${stack}\`.\nTemporal UI: ${ui}`,
  );
  return EXIT.ok;
}

/**
 * Releases the hold and waits for the check it runs (bounded by `--timeout`); exit 0 when that check is Healthy,
 * 1 otherwise, 3 when the stack is not held.
 */
export async function release(
  ctx: CommandContext,
  options: { by?: string; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const current = await new TemporalStackHolds(() => client).current(stack);
  if (!current) {
    console.error(`vault-bootstrap: StackNotHeld: stack ${stack} is not held; nothing to release`);
    return EXIT.notFound;
  }
  const handle = client.workflow.getHandle<typeof HoldVaultStack>(holdWorkflowId(stack));
  const by = operatorName(options.by);
  await handle.signal(releaseSignal, by ? { by } : {});
  const outcome = await awaitResult(ctx, handle, {
    timeoutMs: options.timeoutMs,
    print: (l) => note(ctx, l),
  });
  const ui = uiLink(config, handle.workflowId);
  emit(
    ctx,
    { stack, released: outcome, hold: current, ui },
    () =>
      `Released ${outcome.releasedAt}${outcome.releasedBy ? ` by ${outcome.releasedBy}` : ''} ` +
      `(${holdLine(current)})\n${formatReport(outcome.health)}\nTemporal UI: ${ui}`,
  );
  return outcome.health.verdict === 'Healthy' ? EXIT.ok : EXIT.failed;
}
