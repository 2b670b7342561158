/**
 * Break glass (the `BreakGlassRootToken` workflow): a root token for an operator, made from the unseal key in
 * custody through the server's root generation endpoints, handed over encrypted to a public key the operator's
 * client holds the private half of, and revoked when its time is up.
 *
 * Secrets (tokens, the OTP, the key) stay in this process: inputs and results carry accessors, nonces and
 * ciphertext only.
 */
import { constants as cryptoConstants, publicEncrypt } from 'node:crypto';
import { fingerprintOfPem, RECIPIENTS_VAR } from '../config/break-glass';
import type { BreakGlassRecipients } from '../config/break-glass';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { BreakGlassInput, BreakGlassIssued, BreakGlassRevocation } from '../shared/types';
import type { HeldKeys, VaultNode } from '../ports';
import { checkBreakGlassInput, checkRevocationInput } from '../shared/inputs';
import { readCustodyForTokens } from './cluster/custody';
import { activeNode } from './cluster/nodes';
import { ATTEMPT_META, MADE_BY, rootGeneration } from './cluster/root-generation';
import type { ActivityDeps } from './deps';

/**
 * Break glass serves only a recipient the worker pins (src/config/break-glass.ts), checked before custody is
 * read or a root token generated: whoever starts the workflow, a token encrypted to a key the operators did not
 * pin is never made. Not retried: the request itself is refused.
 */
function refuseUnpinnedRecipient(pins: BreakGlassRecipients, recipientPem: string, stack: string): void {
  if (pins.kind === 'any') return;
  if (pins.kind === 'none')
    throw new NonRetryableError(
      ErrorType.BreakGlassRecipientNotPinned,
      `break glass for ${stack} refused: this worker pins no recipient keys (${RECIPIENTS_VAR}); ` +
        'nothing was generated',
    );
  const fingerprint = fingerprintOfPem(recipientPem);
  if (fingerprint === undefined || !pins.fingerprints.has(fingerprint))
    throw new NonRetryableError(
      ErrorType.BreakGlassRecipientNotPinned,
      `break glass for ${stack} refused: the recipient key ${fingerprint?.slice(0, 16) ?? '(not a public key)'}… ` +
        `is not among the ${pins.fingerprints.size} pinned in ${pins.file}; nothing was generated`,
    );
}

/** Vault's own expiry of a break-glass token comes this long after the workflow's revocation: a backstop. */
export const BREAK_GLASS_GRACE_SECONDS = 300;

export function createBreakGlassActivities(deps: ActivityDeps) {
  const { withGeneratedRoot } = rootGeneration(deps);
  const keys = (stack: string) => readCustodyForTokens(deps, stack);

  /**
   * Makes a root-policy token for an operator that Vault itself expires `ttlSeconds` + a grace period after
   * now (the workflow revokes it at `ttlSeconds`), encrypted to the operator's RSA public key. The generated
   * root token it is made with is revoked before this returns.
   */
  async function issueBreakGlassToken(input: BreakGlassInput): Promise<BreakGlassIssued> {
    const { stack } = checkBreakGlassInput(input);
    refuseUnpinnedRecipient(deps.config.breakGlass, input.recipientPublicKeyPem, stack);
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    return withGeneratedRoot(
      node,
      held,
      stack,
      async (root, use) => {
        const lifetime = `${input.ttlSeconds + BREAK_GLASS_GRACE_SECONDS}s`;
        const made = await node.createOrphanToken(root, {
          policies: ['root'],
          displayName: `break-glass-${stack}`,
          ttl: lifetime,
          explicitMaxTtl: lifetime,
          renewable: false,
          meta: { [MADE_BY]: 'break-glass', stack, requester: input.requester, [ATTEMPT_META]: use.nonce },
        });
        await deps.failpoints.hit('issueBreakGlassToken:after-create-token');
        await use.made(made.accessor); // until it is handed over: a retry revokes it
        const sealed = publicEncrypt(
          {
            key: input.recipientPublicKeyPem,
            padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: 'sha256',
          },
          Buffer.from(made.token, 'utf8'),
        ).toString('base64');
        // Kept for its revocation: the workflow revokes it with the token itself, so no credential of the tool
        // may revoke tokens by accessor. (A retry that revokes it instead leaves an inert entry.)
        await deps.custody.setBreakGlassToken(stack, held.keyId, made.accessor, made.token);
        return { accessor: made.accessor, sealedToken: sealed };
      },
      'issueBreakGlassToken:after-generate-root',
    );
  }

  /**
   * Revokes a break-glass token and confirms Vault no longer knows it: with the token itself, which custody
   * kept when it was issued. A token custody does not hold (issued by an older version) is revoked by its
   * accessor with a root token generated for that, and only when its metadata says this tool made it for this
   * stack's break glass: the workflow's input names an accessor, and no other token is touched.
   */
  async function revokeBreakGlassToken(input: {
    stack: string;
    accessor: string;
  }): Promise<BreakGlassRevocation> {
    const { stack, accessor } = checkRevocationInput(input);
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const token = held.breakGlassTokens?.[accessor];
    if (token === undefined) return revokeByAccessor(node, held, stack, accessor);
    const before = await node.lookupSelf(token);
    if (before) await node.revokeSelf(token);
    if (await node.lookupSelf(token))
      throw new Error(`break-glass token ${accessor} is still known to Vault after its revocation`);
    await deps.custody.setBreakGlassToken(stack, held.keyId, accessor, undefined);
    return { accessor, revoked: before !== undefined, alreadyGone: before === undefined };
  }

  async function revokeByAccessor(
    node: VaultNode,
    held: HeldKeys,
    stack: string,
    accessor: string,
  ): Promise<BreakGlassRevocation> {
    return withGeneratedRoot(node, held, stack, async (root) => {
      const before = await node.lookupAccessor(root, accessor);
      if (before && !(before.meta[MADE_BY] === 'break-glass' && before.meta.stack === stack))
        throw new NonRetryableError(
          ErrorType.InvalidInput,
          `token ${accessor} is not a break-glass token of ${stack} (its metadata does not say so): left alone`,
        );
      if (before) await node.revokeAccessor(root, accessor);
      if (await node.lookupAccessor(root, accessor))
        throw new Error(`break-glass token ${accessor} is still known to Vault after its revocation`);
      return { accessor, revoked: before !== undefined, alreadyGone: before === undefined };
    });
  }

  return { issueBreakGlassToken, revokeBreakGlassToken };
}
