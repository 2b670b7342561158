/**
 * `vault-bootstrap root-token [--stack S] [--ttl 15m]`: break glass. Starts `BreakGlassRootToken`, which makes
 * a root token from the unseal key in custody and revokes it when the TTL is over (durably: a worker restart
 * in between changes nothing). The token comes back encrypted to the operator's break-glass key
 * (`VAULT_BOOTSTRAP_BREAK_GLASS_KEY`, whose public half the worker pins), or, unset, to a key pair made here
 * for this one call (only a worker that pins `any` serves it). The private key never leaves this process, so
 * the token is decrypted only here and printed once, on stdout.
 * The accessor (to revoke it early: `vault-bootstrap root-token revoke --accessor A`) and the revocation time
 * go to stderr (with `-o json`: a document on stdout holding the token, its accessor and when it is revoked).
 *
 * `root-token revoke [--accessor A]` signals the running `BreakGlassRootToken` runs of the stack (the one that
 * issued `A`, or every live one) and waits until each says its token is revoked.
 */
import { constants as cryptoConstants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describeFailure } from '../../shared/errors';
import type { BreakGlassRevocation } from '../../shared/types';
import { breakGlassWorkflowId, breakGlassWorkflowIdPrefix } from '../../shared/workflow-ids';
import { BreakGlassRootToken, breakGlassQuery, revokeNowSignal } from '../../workflows';
import type { BreakGlassState } from '../../workflows/break-glass-root-token';
import type { CommandContext } from '../context';
import { EXIT } from '../grammar';
import { emit, note } from '../output';
import { awaitResult, WaitTimedOutError } from '../wait';

/** A key pair for this call only: served by a worker that pins `any` (VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS). */
function oneCallKey(): { publicKeyPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Runs `root-token`; resolves with 0 once the token is printed, 1 when the workflow failed to issue one. */
export async function rootToken(
  ctx: CommandContext,
  options: { ttlSeconds: number; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const { publicKeyPem, privateKey } = config.breakGlassKey ?? oneCallKey();
  const workflowId = breakGlassWorkflowId(stack, new Date());
  const handle = await client.workflow.start(BreakGlassRootToken, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [
      {
        stack,
        ttlSeconds: options.ttlSeconds,
        recipientPublicKeyPem: publicKeyPem,
        requester: `${userInfo().username}@${hostname()}`,
      },
    ],
  });
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let state: BreakGlassState | undefined;
  for (;;) {
    if (Date.now() > deadline) throw new WaitTimedOutError(config, workflowId, options.timeoutMs!);
    const desc = await handle.describe();
    if (desc.status.name !== 'RUNNING') {
      console.error(
        `vault-bootstrap: ${workflowId} ended (${desc.status.name}) before it issued a token; see it in the Temporal UI`,
      );
      await handle.result().catch((err: unknown) => console.error(`  ${describeFailure(err)}`));
      return 1;
    }
    // A query fails while no worker answers it (a worker restarting): the run goes on, so does the wait.
    state = await handle.query(breakGlassQuery).catch(() => undefined);
    if (state?.issued) break;
    await sleep(500);
  }
  const token = privateDecrypt(
    { key: privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(state.issued.sealedToken, 'base64'),
  ).toString('utf8');
  const { accessor } = state.issued;
  if (ctx.output === 'json') {
    emit(ctx, { stack, token, accessor, revokeAt: state.revokeAt, workflowId }, () => '');
    return EXIT.ok;
  }
  process.stdout.write(`${token}\n`);
  console.error(
    `root token for stack ${stack}: accessor ${accessor}, revoked at ${state.revokeAt} by workflow ${workflowId}` +
      ` (revoke earlier: vault-bootstrap root-token revoke --stack ${stack} --accessor ${accessor})`,
  );
  return EXIT.ok;
}

/** A running break-glass run of the stack and what it says of its token. */
interface LiveToken {
  workflowId: string;
  state: BreakGlassState | undefined;
}

/** The running `BreakGlassRootToken` runs of `stack`, each with its state (undefined while no worker answers). */
async function liveTokens(ctx: CommandContext): Promise<LiveToken[]> {
  const { client, stack } = ctx;
  const prefix = breakGlassWorkflowIdPrefix(stack);
  const out: LiveToken[] = [];
  for await (const w of client.workflow.list({
    query: `WorkflowType = '${BreakGlassRootToken.name}' AND ExecutionStatus = 'Running'`,
  })) {
    if (!w.workflowId.startsWith(prefix)) continue;
    const handle = client.workflow.getHandle<typeof BreakGlassRootToken>(w.workflowId);
    out.push({ workflowId: w.workflowId, state: await handle.query(breakGlassQuery).catch(() => undefined) });
  }
  return out;
}

/**
 * `root-token revoke [--accessor A]`: signals `revokeNow` to the stack's live break-glass runs (the one that
 * issued `A`, or all) and waits until each has revoked its token; 3 when there is none to revoke.
 */
export async function revokeRootTokens(
  ctx: CommandContext,
  options: { accessor?: string; timeoutMs?: number },
): Promise<number> {
  const { client, stack } = ctx;
  // A run that has revoked its token may still be listed as running for a moment: not live.
  const live = (await liveTokens(ctx)).filter((t) => t.state?.status !== 'revoked');
  const chosen = live.filter(
    (t) => options.accessor === undefined || t.state?.issued?.accessor === options.accessor,
  );
  if (chosen.length === 0) {
    console.error(
      `vault-bootstrap: stack ${stack} has no live break-glass token` +
        (options.accessor === undefined ? '' : ` with accessor ${options.accessor}`) +
        (live.length > 0 ? ` (${live.length} other${live.length > 1 ? 's' : ''} live)` : ''),
    );
    return EXIT.notFound;
  }
  const revoked: (BreakGlassRevocation & { workflowId: string })[] = [];
  for (const t of chosen) {
    const handle = client.workflow.getHandle<typeof BreakGlassRootToken>(t.workflowId);
    try {
      await handle.signal(revokeNowSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      continue; // it ended (its TTL ran out) since it was listed: nothing left to revoke
    }
    const out = await awaitResult(ctx, handle, { timeoutMs: options.timeoutMs, print: (l) => note(ctx, l) });
    revoked.push({ workflowId: t.workflowId, ...out });
    note(
      ctx,
      `revoked accessor ${out.accessor}${out.alreadyGone ? ' (Vault no longer knew it)' : ''} (workflow ${t.workflowId})`,
    );
  }
  if (ctx.output === 'json') emit(ctx, { stack, revoked }, () => '');
  return EXIT.ok;
}
