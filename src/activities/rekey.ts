/**
 * The rotation of the unseal key (`RekeyVault`, issue 29; docs/rekey.md): a new key made through the API of the
 * server that runs (`sys/rekey` or `sys/rotate/root`, src/shared/vault-server.ts), stored in custody before
 * Vault makes it the key, rolled into a new secret version one node at a time, and the old secret retired.
 *
 * The rotation always asks for verification: Vault answers the new key (encrypted to custody's rotation key,
 * and kept encrypted in its backup where the server keeps one) but goes on taking the old key until the new one
 * is submitted to `verify`. So the new key is in custody (`nextUnsealKey`, fsynced, replicated) before it is
 * ever the key, and a crash at any moment leaves one of three states a retry tells apart from Vault's answers:
 * the rotation waits for its verification (verified with the key custody holds, or with the backup's when the
 * crash came before custody had it); the rotation is gone (a seal, a restart, a new leader: the old key is still
 * the key, so it starts again); or the verification completed (the old key is refused, the next one taken:
 * custody makes it the key). Which key Vault takes is learnt from the root generation every call here starts
 * with: it is given the key, and a refused key changes nothing.
 *
 * Keys and tokens stay in this process: results carry generations, nonces and secret names only.
 */
import type { HeldKeys, NextUnsealKey, RekeyApi, RekeyAttempt, VaultNode } from '../ports';
import { serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import { keyGenerationOf } from '../shared/key-generation';
import type { SecretRef, StepOutcome } from '../shared/types';
import { capabilitiesOf, describeServer } from '../shared/vault-server';
import type { RekeyCapability } from '../shared/vault-server';
import { apiToken, readCustody } from './cluster/custody';
import { isKeyRefusal, unsealAtHome } from './cluster/node-actions';
import { activeNode } from './cluster/nodes';
import { rootGeneration } from './cluster/root-generation';
import { followStepwiseRollout } from './cluster/rollout';
import { createKeySecret, holdsKey, removeUnmountedSecrets, stackSecrets } from './cluster/secrets';
import type { ActivityDeps } from './deps';

/** What `rekeyUnsealKey` left: the key generation custody names the key now. */
export interface RekeyOutcome extends StepOutcome {
  generation: number;
}

export function createRekeyActivities(deps: ActivityDeps) {
  const { custody, initKeys, failpoints } = deps;
  const { withGeneratedRoot } = rootGeneration(deps);
  const keys = (stack: string) => readCustody(deps, stack, 'the unseal key was not rotated');

  /**
   * Rotates the unseal key once: at the end custody's key is a new generation and Vault takes only it. A retry
   * carries on from whatever a crash left (the module's header).
   */
  async function rekeyUnsealKey(input: { stack: string }): Promise<RekeyOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const done = await rotatedAlready(held);
    if (done) return done;
    const node = await activeNode(deps, stack);
    const { server } = await node.sealStatus();
    const capability = capabilitiesOf(server).rekey;
    const next = held.nextUnsealKey;
    try {
      return await withGeneratedRoot(node, held, stack, (root) =>
        rotate(node, root, held, capability, describeServer(server)),
      );
    } catch (err) {
      if (!next || !isKeyRefusal(err)) throw err;
    }
    // Custody's key refused, its next key held: the verification completed and the crash came before custody
    // named the next key the key. It is (root generation takes it, below, or fails by name): custody says so.
    const again = await keys(stack);
    return withGeneratedRoot(node, { ...again, unsealKey: next.unsealKey }, stack, async (root) => {
      await custody.promoteNextUnsealKey(stack, held.keyId, next.generation);
      if (capability.backup) await node.deleteRekeyBackup(capability.api, root);
      return {
        changed: true,
        generation: next.generation,
        summary: `key generation ${next.generation} was verified before a crash; custody now names it the key`,
      };
    });
  }

  /**
   * Custody names a newer key generation than the secret the service mounts, and holds no next key: a rotation
   * completed (this activity before a crash, or a run that failed later on) and its rollout is what is left.
   * No second rotation: the outcome of that one.
   */
  async function rotatedAlready(held: HeldKeys): Promise<RekeyOutcome | undefined> {
    if (held.nextUnsealKey) return undefined;
    const svc = await deps.swarm.inspectService(serviceName(held.stack));
    const mounted = (await stackSecrets(deps, held.stack)).own.find((s) => s.id === svc?.unsealSecret?.id);
    const generation = keyGenerationOf(held);
    if (mounted?.kind !== 'unseal-key' || mounted.keyId !== held.keyId || mounted.keyGeneration >= generation)
      return undefined;
    return {
      changed: false,
      generation,
      summary: `key generation ${generation} is the key already (${mounted.name} holds generation ${mounted.keyGeneration}: its rollout is next)`,
    };
  }

  /** The rotation itself, with a root token made from the key Vault takes now (`held.unsealKey`). */
  async function rotate(
    node: VaultNode,
    root: string,
    held: HeldKeys,
    capability: RekeyCapability,
    server: string,
  ): Promise<RekeyOutcome> {
    const stack = held.stack;
    const { api } = capability;
    const generation = keyGenerationOf(held) + 1;
    const status = await node.rekeyStatus(api, root);
    if (!status)
      throw new NonRetryableError(
        ErrorType.UnexpectedVaultResponse,
        `the active node of ${serviceName(stack)} (${server}) does not offer ${api}/*, the rotation endpoints its ` +
          `documentation names${capability.setting ? ` (check its setting ${capability.setting})` : ''}; nothing was changed`,
      );
    const { publicKey, fingerprint } = await initKeys.prepareRekeyKey(stack);
    const ours =
      status.started &&
      status.pgpFingerprints.length === 1 &&
      status.pgpFingerprints[0]?.toLowerCase() === fingerprint.toLowerCase();
    if (status.started && !ours)
      throw new NonRetryableError(
        ErrorType.RekeyInProgress,
        `a rotation of the unseal key that this tool did not start (nonce ${status.nonce}) is in progress on ` +
          `${serviceName(stack)}; it was left alone and nothing was changed. Finish or cancel it (${api}/init DELETE), then run again.`,
      );
    const pending = held.nextUnsealKey;
    if (pending) {
      // The record's key is still the key (root generation took it): the next key's rotation waits for its
      // verification, or was lost (a seal, a restart, a new leader) and its key never became one.
      const waiting = ours ? await verificationNonce(node, api, root, status) : '';
      if (waiting && status.nonce === pending.nonce)
        return verifyAndPromote(
          node,
          root,
          held,
          pending,
          waiting,
          capability,
          'verified the rotation a crash left',
        );
      await custody.setNextUnsealKey(stack, held.keyId, undefined);
      if (ours) await node.cancelRekey(api, status.nonce, root);
    } else if (ours) {
      // This tool's rotation, its answer never stored: past `update`, the backup holds it (encrypted to custody's
      // rotation key); otherwise, or without a backup, it is cancelled and started again. The old key stays.
      const waiting = await verificationNonce(node, api, root, status);
      const backup = waiting && capability.backup ? await node.rekeyBackup(api, root) : undefined;
      const share =
        backup?.nonce === status.nonce
          ? Object.entries(backup.encryptedKeys).find(
              ([fp]) => fp.toLowerCase() === fingerprint.toLowerCase(),
            )?.[1][0]
          : undefined;
      if (waiting && share) {
        const kept = await storeNext(held, generation, status.nonce, share);
        return verifyAndPromote(
          node,
          root,
          held,
          kept,
          waiting,
          capability,
          'recovered the new key from Vault’s backup',
        );
      }
      await node.cancelRekey(api, status.nonce, root);
    }
    const started = await node.startRekey(
      api,
      { pgpPublicKey: publicKey, backup: capability.backup, requireVerification: true },
      root,
    );
    await failpoints.hit('rekeyUnsealKey:after-start');
    const update = await node.provideRekeyKey(api, held.unsealKey, started.nonce, root);
    if (!update.complete)
      throw new Error(
        `the rotation on ${serviceName(stack)} wants more than the one key share custody holds`,
      );
    await failpoints.hit('rekeyUnsealKey:after-update');
    const kept = await storeNext(held, generation, update.nonce, update.encryptedKeys[0] ?? '');
    await failpoints.hit('rekeyUnsealKey:after-store-next');
    const nonce = update.verificationNonce || (await verificationNonce(node, api, root, started));
    return verifyAndPromote(node, root, held, kept, nonce, capability, 'rotated');
  }

  /** Opens the new key with custody's rotation key and stores it as the record's next key, durably. */
  async function storeNext(
    held: HeldKeys,
    generation: number,
    nonce: string,
    share: string,
  ): Promise<NextUnsealKey> {
    const next: NextUnsealKey = {
      generation,
      unsealKey: await initKeys.openRekeyShare(held.stack, share),
      nonce,
      storedAt: new Date(deps.clock.now()).toISOString(),
    };
    await custody.setNextUnsealKey(held.stack, held.keyId, next);
    return next;
  }

  /** Submits the next key to the verification `nonce`; once Vault took it, custody names it the key. */
  async function verifyAndPromote(
    node: VaultNode,
    root: string,
    held: HeldKeys,
    next: NextUnsealKey,
    nonce: string,
    capability: RekeyCapability,
    how: string,
  ): Promise<RekeyOutcome> {
    const { api } = capability;
    if (!nonce)
      throw new Error(`the rotation on ${serviceName(held.stack)} shows no verification to submit to`);
    const verified = await node.provideRekeyVerificationKey(api, next.unsealKey, nonce, root);
    if (!verified.complete)
      throw new Error(`the verification on ${serviceName(held.stack)} wants more than the one new key share`);
    await failpoints.hit('rekeyUnsealKey:after-verify');
    await custody.promoteNextUnsealKey(held.stack, held.keyId, next.generation);
    if (capability.backup) await node.deleteRekeyBackup(api, root);
    return {
      changed: true,
      generation: next.generation,
      summary: `${how}: key generation ${next.generation} is the key (generation ${next.generation - 1} kept for older snapshots)`,
    };
  }

  /**
   * The verification nonce of a rotation past `update`: OpenBao's status says it; on `sys/rekey` it is read
   * from `verify`. '' before `update` completed.
   */
  async function verificationNonce(
    node: VaultNode,
    api: RekeyApi,
    root: string,
    status: RekeyAttempt,
  ): Promise<string> {
    if (status.verificationNonce) return status.verificationNonce;
    const verification = await node.rekeyVerificationStatus(api, root);
    return verification?.started ? verification.nonce : '';
  }

  /**
   * Rolls custody's key generation into a new secret version, one node at a time (src/activities/cluster/rollout.ts):
   * each replaced task is unsealed with the new key on its home, and the next is asked for only when it is a
   * healthy Raft voter again.
   */
  async function rollUnsealKeySecret(input: { stack: string }): Promise<StepOutcome & { secret: SecretRef }> {
    const { stack } = input;
    const name = serviceName(stack);
    const held = await keys(stack);
    if (held.nextUnsealKey)
      throw new Error(
        `custody holds an unverified next key for ${stack}: the rotation itself is not finished`,
      );
    const svc = await deps.swarm.inspectService(name);
    if (!svc) throw new Error(`service ${name} does not exist`);
    const token = apiToken(held, stack);
    let target = (await stackSecrets(deps, stack)).own.find((s) => holdsKey(s, held));
    let swapped = false;
    if (!target || svc.unsealSecret?.id !== target.id) {
      target ??= await createKeySecret(deps, stack, held, 'rollUnsealKeySecret');
      await deps.swarm.swapUnsealSecret(name, { id: target.id, name: target.name }, 'stepwise');
      await failpoints.hit('rollUnsealKeySecret:after-swap');
      swapped = true;
    }
    const targetId = target.id;
    const { replaced, advances } = await followStepwiseRollout(deps, stack, {
      updated: (t) => t.secretIds.includes(targetId),
      unseal: async (node) => {
        await unsealAtHome(deps, stack, node, held);
      },
      token,
      afterAdvance: () => failpoints.hit('rollUnsealKeySecret:after-advance'),
    });
    const restored = await deps.swarm.restoreUpdateConfig(name);
    return {
      changed: swapped || advances > 0 || restored,
      summary:
        `${target.name} (key generation ${target.keyGeneration}) on every node` +
        (replaced.length ? `, one at a time: ${replaced.join(', ')}` : ''),
      secret: { name: target.name, id: target.id, kind: target.kind, version: target.version },
    };
  }

  /**
   * Once every node and a drill of a fresh snapshot opened with the new key: removes the unseal-key secrets of
   * older generations (no service mounts them) and custody's rotation key. The old key itself stays in custody
   * under its generation (`formerUnsealKeys`): snapshots taken before the rotation open only with it.
   */
  async function retireFormerUnsealKey(input: { stack: string }): Promise<StepOutcome> {
    const { stack } = input;
    const name = serviceName(stack);
    const held = await keys(stack);
    const svc = await deps.swarm.inspectService(name);
    const own = (await stackSecrets(deps, stack)).own;
    const mounted = own.find((s) => s.id === svc?.unsealSecret?.id);
    if (!mounted || !holdsKey(mounted, held))
      throw new NonRetryableError(
        ErrorType.UnsealSecretOutdated,
        `${name} mounts ${svc?.unsealSecret?.name ?? 'no secret'}, not the secret of custody's key generation ` +
          `${keyGenerationOf(held)}: nothing was retired. Run \`vault-bootstrap rekey --stack ${stack}\` to finish the rollout.`,
      );
    const removed = await removeUnmountedSecrets(deps, stack, mounted.id, {
      after: 'retireFormerUnsealKey:after-remove-secret',
    });
    await initKeys.discardRekeyKey(stack);
    const former = Object.keys(held.formerUnsealKeys ?? {}).sort();
    return {
      changed: removed.length > 0,
      summary:
        (removed.length ? `removed ${removed.join(', ')}` : 'no older secret left') +
        (former.length ? `; custody keeps key generation(s) ${former.join(', ')} for older snapshots` : ''),
    };
  }

  return { rekeyUnsealKey, rollUnsealKeySecret, retireFormerUnsealKey };
}
