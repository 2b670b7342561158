/**
 * `BreakGlassRootToken`: a root token for an operator, for a while, revoked when the while is over.
 *
 * The token is made by `issueBreakGlassToken` from the unseal key in custody and leaves the activity only
 * encrypted to the RSA public key in the input, whose private half stays in the operator's client: the
 * history holds ciphertext and the token's accessor, never the token. The workflow then waits out the TTL
 * on a durable timer (a worker or server restart in between changes nothing) or until the `revokeNow` signal,
 * and revokes the token by its accessor, retrying until Vault confirms it is gone. Vault expires the token by
 * itself a grace period later (`BREAK_GLASS_GRACE_SECONDS`): a backstop if Temporal is down for that long.
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BreakGlassInput, BreakGlassIssued, BreakGlassRevocation } from '../shared/types';
import { breakGlassIssue, breakGlassRevoke } from './activity-options';
import { checkBreakGlassInput } from '../shared/inputs';

/** What the client polls for: the sealed token once issued, and when it will be revoked. */
export interface BreakGlassState {
  status: 'issuing' | 'issued' | 'revoked';
  issued?: BreakGlassIssued;
  /** ISO-8601 (workflow time): when the workflow revokes the token. */
  revokeAt?: string;
}

export const breakGlassQuery = defineQuery<BreakGlassState>('breakGlass');
/** Revoke the token now instead of at the end of its TTL. */
export const revokeNowSignal = defineSignal('revokeNow');

const issue = proxyActivities<Activities>(breakGlassIssue);

const revoke = proxyActivities<Activities>(breakGlassRevoke);

export async function BreakGlassRootToken(input: BreakGlassInput): Promise<BreakGlassRevocation> {
  checkBreakGlassInput(input); // before anything is issued: a direct start may hold anything
  const state: BreakGlassState = { status: 'issuing' };
  let revokeNow = false;
  setHandler(breakGlassQuery, () => state);
  setHandler(revokeNowSignal, () => {
    revokeNow = true;
  });
  state.issued = await issue.issueBreakGlassToken(input);
  state.revokeAt = new Date(Date.now() + input.ttlSeconds * 1000).toISOString();
  state.status = 'issued';
  await condition(() => revokeNow, input.ttlSeconds * 1000);
  const out = await revoke.revokeBreakGlassToken({ stack: input.stack, accessor: state.issued.accessor });
  state.status = 'revoked';
  return out;
}
