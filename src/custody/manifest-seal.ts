/**
 * The `ManifestSeal` port on custody (issue 27; docs/backups.md "Manifests you can trust"): a snapshot
 * manifest's MAC is HMAC-SHA256 over its canonical JSON (every field but `mac`), under a key derived by HKDF
 * (SHA-256) from the unseal key of the custody record the manifest names, with the stack and the record id in
 * the label. Why that key: it is exactly the key the snapshot opens with, so a manifest can be checked exactly
 * when its snapshot can be restored (after a total loss too: a restore needs that record anyway), and it is
 * neither stored beside the snapshots nor changed by anything but a new initialization (a new record, a new
 * cluster). The custody file key is not used: it is shared by every stack, and re-encrypting the records under
 * a new one must not make every snapshot untrusted.
 *
 * The key bytes stay in this module: the snapshot folders are given the port, activities never see it.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../backup/manifest-trust';
import type {
  HeldKeys,
  KeyCustody,
  ManifestSeal,
  ManifestVerdict,
  SnapshotManifest,
  UnsealedManifest,
} from '../ports';
import { CustodyError } from '../shared/errors';
import { keyGenerationOf, manifestKeyGeneration, unsealKeyOfGeneration } from '../shared/key-generation';

/** The HKDF label (info) prefix: a key for nothing else than manifests of this format. */
const LABEL = 'vault-bootstrap manifest mac v1';
/** HKDF salt: fixed, public (the unseal key is uniformly random already). */
const SALT = 'vault-bootstrap-snapshot/v1';

/**
 * The manifest key of record `keyId` of `stack`, from the unseal key a snapshot opens with: the key of the
 * generation it was taken under (a rotation of the unseal key, docs/rekey.md, leaves older manifests checked with
 * the older key custody keeps for them).
 */
function manifestKey(held: Pick<HeldKeys, 'keyId' | 'stack'>, unsealKey: string): Buffer {
  const ikm = Buffer.from(unsealKey, 'utf8');
  return Buffer.from(hkdfSync('sha256', ikm, SALT, `${LABEL}|${held.stack}|${held.keyId}`, 32));
}

function macOf(key: Buffer, manifest: UnsealedManifest | SnapshotManifest): Buffer {
  const unsealed: Record<string, unknown> = { ...manifest };
  delete unsealed.mac;
  return createHmac('sha256', key).update(canonicalJson(unsealed)).digest();
}

export class CustodyManifestSeal implements ManifestSeal {
  constructor(private readonly custody: Pick<KeyCustody, 'read'>) {}

  async seal(manifest: UnsealedManifest): Promise<string> {
    const held = await this.custody.read(manifest.stack);
    if (held.keyId !== manifest.unsealKey.custodyKeyId)
      throw new Error(
        `custody holds record ${held.keyId} for ${manifest.stack}, not ${manifest.unsealKey.custodyKeyId} ` +
          `that ${manifest.file} names: custody changed during the backup; the manifest was not written`,
      );
    const generation = manifestKeyGeneration(manifest);
    if (generation !== keyGenerationOf(held))
      throw new Error(
        `custody's key of ${manifest.stack} is generation ${keyGenerationOf(held)}, not ${generation} that ` +
          `${manifest.file} names: the key was rotated during the backup; the manifest was not written`,
      );
    return macOf(manifestKey(held, held.unsealKey), manifest).toString('hex');
  }

  async check(stack: string, manifests: readonly SnapshotManifest[]): Promise<ManifestVerdict[]> {
    let held: HeldKeys | undefined;
    try {
      held = await this.custody.read(stack);
    } catch (err) {
      if (!(err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable')) throw err;
    }
    return manifests.map((m): ManifestVerdict => {
      if (m.stack !== stack) return { otherCluster: `its manifest names stack ${m.stack}, not ${stack}` };
      if (!held)
        return {
          otherCluster: `it needs custody record ${m.unsealKey.custodyKeyId}; custody holds no record for ${stack}`,
        };
      if (m.unsealKey.custodyKeyId !== held.keyId)
        return {
          otherCluster: `it needs custody record ${m.unsealKey.custodyKeyId}; custody holds ${held.keyId} for ${stack}`,
        };
      const generation = manifestKeyGeneration(m);
      const unsealKey = unsealKeyOfGeneration(held, generation);
      if (unsealKey === undefined)
        return {
          otherCluster: `it needs key generation ${generation} of custody record ${held.keyId}, which custody does not hold`,
        };
      if (m.mac === undefined) return 'unsigned';
      const key = manifestKey(held, unsealKey);
      const given = Buffer.from(m.mac, 'hex');
      const want = macOf(key, m);
      return given.length === want.length && timingSafeEqual(given, want) ? 'ok' : 'forged';
    });
  }
}
