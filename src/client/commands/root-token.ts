/**
 * `vault-bootstrap root-token [--stack S] [--ttl 15m]`: break glass. Starts `BreakGlassRootToken`, which makes
 * a root token from the unseal key in custody and revokes it when the TTL is over (durably: a worker restart
 * in between changes nothing). The token comes back encrypted to the operator's break-glass key
 * (`VAULT_BOOTSTRAP_BREAK_GLASS_KEY`, whose public half the worker pins), or, unset, to a key pair made here
 * for this one call (only a worker that pins `any` serves it). The private key never leaves this process, so
 * the token is decrypted only here and printed once, on stdout.
 * The accessor (to revoke it early: `temporal workflow signal --name revokeNow --workflow-id ...`) and the
 * revocation time go to stderr.
 */
import { constants as cryptoConstants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeFailure } from '../../shared/errors';
import { breakGlassWorkflowId } from '../../shared/workflow-ids';
import { BreakGlassRootToken, breakGlassQuery } from '../../workflows';
import type { BreakGlassState } from '../../workflows/break-glass-root-token';
import type { CommandContext } from '../context';

/** A key pair for this call only: served by a worker that pins `any` (VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS). */
function oneCallKey(): { publicKeyPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Runs `root-token`; resolves with 0 once the token is printed, 1 when the workflow failed to issue one. */
export async function rootToken(ctx: CommandContext, options: { ttlSeconds: number }): Promise<number> {
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
  let state: BreakGlassState | undefined;
  for (;;) {
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
  process.stdout.write(`${token}\n`);
  console.error(
    `root token for stack ${stack}: accessor ${state.issued.accessor}, revoked at ${state.revokeAt} by workflow ${workflowId}` +
      ` (revoke earlier: temporal workflow signal --workflow-id '${workflowId}' --name revokeNow)`,
  );
  return 0;
}
