/**
 * Named fault points for the crash and fault-injection tests (docs/faults.md): the catalog and the port
 * the activities call. The names are a literal union, so a misspelt point in an activity does not compile.
 * Implemented by `Failpoints` (src/faults/failpoints.ts, driven by `VAULT_BOOTSTRAP_FAILPOINTS`);
 * in unit tests by a recorder that does nothing.
 */
import { nodeName, PEER_SLOTS } from '../shared/constants';
import type { NodeName, PeerSlot } from '../shared/constants';

/** The peers a bootstrap joins and unseals; node-specific points carry their name. */
const PEERS = PEER_SLOTS.map(nodeName);

function perPeer<A extends string, W extends string>(
  activity: A,
  what: readonly W[],
): `${A}:${W}:${NodeName<PeerSlot>}`[] {
  return PEERS.flatMap((peer) => what.map((w) => `${activity}:${w}:${peer}` as const));
}

const POINTS = [
  // Step 1: the placeholder secret (Docker secret create).
  'ensurePlaceholderSecret:before-create',
  'ensurePlaceholderSecret:after-create',
  // Step 2: `docker stack deploy`.
  'deployStack:before-deploy',
  'deployStack:after-deploy',
  // Step 3: `sys/init` sent by the init job (Vault initializing while nobody but the job waits), the encrypted
  // answer read back and not yet decrypted into custody, then the key persisted and the job not yet removed.
  'initLeader:before-init',
  'initLeader:after-init-sent',
  'initLeader:after-init-before-persist',
  'initLeader:after-persist',
  // Step 4: prove the key on the sealed leader (`sys/unseal`), create `_vN`, swap it in, remove old members.
  'rotateUnsealKeySecret:before-prove-unseal',
  'rotateUnsealKeySecret:after-prove-unseal',
  'rotateUnsealKeySecret:before-create',
  'rotateUnsealKeySecret:after-create',
  'rotateUnsealKeySecret:before-service-update',
  'rotateUnsealKeySecret:after-service-update',
  'rotateUnsealKeySecret:before-remove-old',
  'rotateUnsealKeySecret:after-remove-old',
  // Step 5: `sys/unseal` on the leader; on a formed cluster that restarted, also on the member peers (quorum).
  'unsealLeader:before-unseal',
  'unsealLeader:after-unseal',
  ...perPeer('unsealLeader', ['before-unseal', 'after-unseal']),
  // Step 6: `sys/storage/raft/join` on each peer.
  ...perPeer('joinPeers', ['before-join', 'after-join']),
  // Step 7: a peer whose task was replaced since its join is joined again, then each peer is unsealed.
  ...perPeer('unsealPeers', ['before-join', 'after-join']),
  ...perPeer('unsealPeers', ['before-unseal', 'after-unseal']),
  // Step 9: the worker's token made (not yet in custody); the root token revoked (still in custody).
  'revokeRootToken:after-create-token',
  'revokeRootToken:after-revoke',
] as const;

/**
 * The fault points of the backup activities (issue 11): not steps of the bootstrap, so not in its crash matrix
 * (`FAILPOINTS`); the backup fault tests (test/e2e/16-backup-faults.test.ts) use them.
 */
const BACKUP_POINTS = [
  // The canary written and the active node chosen; the snapshot not yet requested.
  'takeSnapshot:before-read',
  // The snapshot's first bytes in the partial file; the rest not yet read.
  'takeSnapshot:after-first-chunk',
] as const;

/** The backup activities' fault points (typed as strings, as `FAILPOINTS`). */
export const BACKUP_FAILPOINTS: readonly string[] = Object.freeze([...BACKUP_POINTS]);

/**
 * The fault points of break glass (issue 25): not steps of the bootstrap either, so not in its crash matrix;
 * test/faults/root-generation.test.ts uses them.
 */
const BREAK_GLASS_POINTS = [
  // A root token generated from the unseal key; its accessor known to the worker's memory only.
  'issueBreakGlassToken:after-generate-root',
  // The operator's root-policy token made; its accessor not yet in custody, the token not handed over.
  'issueBreakGlassToken:after-create-token',
] as const;

/**
 * The fault points of the rotation of the unseal key (`RekeyVault`, issue 29): not steps of the bootstrap, so
 * not in its crash matrix; test/faults/rekey.test.ts and the soak's rekey runs use them.
 */
const REKEY_POINTS = [
  // A rotation started on the active node (encrypted to custody's rotation key); no key given yet.
  'rekeyUnsealKey:after-start',
  // The current key given: Vault answered the new key, encrypted; custody does not hold it yet.
  'rekeyUnsealKey:after-update',
  // The new key in custody as the next key; the rotation's verification not yet done (the old key is the key).
  'rekeyUnsealKey:after-store-next',
  // The verification done: Vault takes only the new key; custody still names the old one as current.
  'rekeyUnsealKey:after-verify',
  // The new generation's secret created; not yet mounted.
  'rollUnsealKeySecret:before-create',
  'rollUnsealKeySecret:after-create',
  // The service mounts the new secret: Swarm has replaced (or is replacing) the first task.
  'rollUnsealKeySecret:after-swap',
  // One more task asked for (`advanceRollout`): Swarm is replacing it.
  'rollUnsealKeySecret:after-advance',
  // The old generation's secret removed; the rotation key not yet discarded.
  'retireFormerUnsealKey:after-remove-secret',
] as const;

/** The fault points of the rolling upgrade (`UpgradeVault`, issue 29). */
const UPGRADE_POINTS = [
  // The service names the new image: Swarm has replaced (or is replacing) its first pick.
  'rollImage:after-swap',
  // One more task asked for: Swarm is replacing it.
  'rollImage:after-advance',
] as const;

/** The rotation's and the upgrade's fault points (typed as strings, as `FAILPOINTS`). */
export const REKEY_FAILPOINTS: readonly string[] = Object.freeze([...REKEY_POINTS, ...UPGRADE_POINTS]);

/** Break glass's fault points (typed as strings, as `FAILPOINTS`). */
export const BREAK_GLASS_FAILPOINTS: readonly string[] = Object.freeze([...BREAK_GLASS_POINTS]);

/** The name of a fault point: `<activity>:<before|after>-<what>[:<node>]`. */
export type FailpointName =
  | (typeof POINTS)[number]
  | (typeof BACKUP_POINTS)[number]
  | (typeof BREAK_GLASS_POINTS)[number]
  | (typeof REKEY_POINTS)[number]
  | (typeof UPGRADE_POINTS)[number];

/**
 * Every fault point in the activities, in bootstrap order: before and after each external call that
 * changes state. (Typed as strings for the parsers and test catalogs that check names given at run time.)
 */
export const FAILPOINTS: readonly string[] = Object.freeze([...POINTS]);

/** The fault points as the activities see them: `hit` runs the action of an enabled point, else nothing. */
export interface FaultPoints {
  hit(name: FailpointName): Promise<void>;
}
