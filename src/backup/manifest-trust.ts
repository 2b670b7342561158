/**
 * Which snapshot manifests a folder may use (issue 27; docs/backups.md "Manifests you can trust"). Shared by
 * the folder on disk (src/backup/snapshot-store.ts) and the one in memory the tests use, so both judge alike.
 *
 * - A manifest is read whole or not at all: bad JSON, a field missing or of the wrong type, or a `takenAt` that
 *   is no ISO 8601 time makes it `unreadable`. It is skipped and reported, never fatal to the others.
 * - A readable one is then judged by the folder's `ManifestSeal`: sealed for this stack and its custody
 *   record (used), `forged` (its MAC does not verify), `other-cluster` (another stack or custody record), or
 *   `unsigned` (written before issue 27). An unsigned one is used only when the operator vouches for the
 *   folder up to a time (`VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`), it was taken before that time, and its
 *   `takenAt` is the time in its file name (so it cannot be moved to look newer).
 */
import type { ManifestSeal, SkippedSnapshot, SnapshotManifest } from '../ports/snapshots';
import { compactTime } from './snapshot-names';

export const MANIFEST_FORMAT = 'vault-bootstrap-snapshot/v1';

/** `2026-11-30T12:00:00.000Z` (the milliseconds optional, `Z` required): what `takenAt` holds. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * `value` as JSON with the keys of every object sorted and no white space: the bytes a manifest's MAC is
 * computed over, the same however the manifest was written or re-read.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether `t` is a time as `takenAt` holds it. */
export function isTakenAt(t: unknown): t is string {
  return typeof t === 'string' && ISO_UTC.test(t) && Number.isFinite(Date.parse(t));
}

/**
 * The manifest of snapshot `file` in `text`, or why it cannot be read. It must name `file`; `mac`, when
 * present, is a hex string.
 */
export function parseManifest(text: string, file: string): SnapshotManifest | { unreadable: string } {
  let m: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return { unreadable: 'it is not a JSON object' };
    m = parsed as Record<string, unknown>;
  } catch {
    return { unreadable: 'it is not valid JSON' };
  }
  return checkManifest(m, file);
}

/** The same checks on a manifest already parsed (the folder in memory keeps objects). */
export function checkManifest(
  m: Record<string, unknown>,
  file: string,
): SnapshotManifest | { unreadable: string } {
  const str = (k: string) => typeof m[k] === 'string';
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const key = m.unsealKey as Record<string, unknown> | null | undefined;
  const canary = m.canary as Record<string, unknown> | null | undefined;
  if (m.format !== MANIFEST_FORMAT) return { unreadable: `its format is not ${MANIFEST_FORMAT}` };
  if (m.file !== file) return { unreadable: 'it names another file' };
  if (!isTakenAt(m.takenAt))
    return { unreadable: `its takenAt (${JSON.stringify(m.takenAt)}) is not a time` };
  if (!str('stack') || !str('sha256') || !str('vaultVersion') || !num(m.size))
    return { unreadable: 'its stack, sha256, vaultVersion or size is missing or malformed' };
  if (
    !key ||
    typeof key !== 'object' ||
    typeof key.custodyKeyId !== 'string' ||
    typeof key.secretName !== 'string' ||
    !num(key.secretVersion) ||
    (key.keyGeneration !== undefined &&
      !(Number.isInteger(key.keyGeneration) && Number(key.keyGeneration) > 0))
  )
    return { unreadable: 'its unsealKey is missing or malformed' };
  if (
    canary !== undefined &&
    (canary === null || typeof canary.path !== 'string' || typeof canary.value !== 'string')
  )
    return { unreadable: 'its canary is malformed' };
  if ((m.raftIndex !== undefined && !num(m.raftIndex)) || (m.raftTerm !== undefined && !num(m.raftTerm)))
    return { unreadable: 'its raftIndex or raftTerm is malformed' };
  if (m.mac !== undefined && (typeof m.mac !== 'string' || !/^[0-9a-f]{64}$/.test(m.mac)))
    return { unreadable: 'its mac is malformed' };
  return m as unknown as SnapshotManifest;
}

/** What the folder was given about manifests written before issue 27. */
export interface UnsignedPolicy {
  /** Unsigned manifests taken before this time are used (`VAULT_BACKUP_TRUST_UNSIGNED_BEFORE`); none if unset. */
  trustUnsignedBefore?: Date;
}

/** Why an unsigned manifest is not used, or `undefined` when the operator's policy accepts it. */
function unsignedRefusal(m: SnapshotManifest, policy: UnsignedPolicy): string | undefined {
  const before = policy.trustUnsignedBefore;
  const base = 'its manifest has no MAC (written before issue 27)';
  if (!before) return `${base}; set VAULT_BACKUP_TRUST_UNSIGNED_BEFORE to accept such manifests`;
  if (Date.parse(m.takenAt) >= before.getTime())
    return `${base} and it claims to be taken at ${m.takenAt}, not before VAULT_BACKUP_TRUST_UNSIGNED_BEFORE (${before.toISOString()})`;
  if (!m.file.endsWith(`-${compactTime(new Date(m.takenAt))}.snap`))
    return `${base} and its takenAt ${m.takenAt} is not the time in its name`;
  return undefined;
}

/** The verdict on one readable manifest: used, or skipped with why. */
export type Judged = { ok: SnapshotManifest } | { skipped: SkippedSnapshot };

/**
 * Judges the readable manifests of a folder of `stack` with `seal` (one custody read for all of them) and the
 * operator's `policy` for unsigned ones.
 */
export async function judgeManifests(
  stack: string,
  manifests: readonly SnapshotManifest[],
  seal: ManifestSeal,
  policy: UnsignedPolicy,
): Promise<Judged[]> {
  if (manifests.length === 0) return [];
  const verdicts = await seal.check(stack, manifests);
  return manifests.map((m, i): Judged => {
    const v = verdicts[i]!;
    const skip = (reason: SkippedSnapshot['reason'], detail: string): Judged => ({
      skipped: { file: m.file, reason, detail },
    });
    if (v === 'ok') return { ok: m };
    if (v === 'forged')
      return skip(
        'forged',
        'its manifest MAC does not verify: the manifest was changed, or written without custody’s key',
      );
    if (v === 'unsigned') {
      const why = unsignedRefusal(m, policy);
      return why ? skip('unsigned', why) : { ok: m };
    }
    return skip('other-cluster', `it is of another cluster: ${v.otherCluster}`);
  });
}
