/**
 * Key generations (docs/rekey.md): custody's record names which rotation of the unseal key its key is
 * (`keyGeneration`, 0 for the key `sys/init` answered) and keeps the keys of earlier generations, which snapshots
 * taken under them still need. Pure: imported by custody (manifest MACs) and by activities (drills, restores).
 */
import type { CustodySecrets } from '../ports/custody';
import type { SnapshotManifest } from '../ports/snapshots';

/** The generation of the record's current key. */
export function keyGenerationOf(held: Pick<CustodySecrets, 'keyGeneration'>): number {
  return held.keyGeneration ?? 0;
}

/** The unseal key of `generation` the record holds (current or former), or undefined when it holds none. */
export function unsealKeyOfGeneration(
  held: Pick<CustodySecrets, 'keyGeneration' | 'unsealKey' | 'formerUnsealKeys'>,
  generation: number,
): string | undefined {
  if (generation === keyGenerationOf(held)) return held.unsealKey;
  return held.formerUnsealKeys?.[String(generation)];
}

/** The key generation a snapshot was taken under (its manifest names it from the first rotation on; else 0). */
export function manifestKeyGeneration(manifest: Pick<SnapshotManifest, 'unsealKey'>): number {
  return manifest.unsealKey.keyGeneration ?? 0;
}
