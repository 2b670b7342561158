/** The keyed fields of a custody record (break-glass tokens by accessor, root generation progress by owner). */
import type { CustodySecrets } from '../ports';

/** The fields of a record that map a key to an entry. */
type KeyedField = 'breakGlassTokens' | 'rootGenerations';

/**
 * A copy of `secrets` whose `field` has `key` set to `value` (`undefined` removes it); a field left without
 * entries is dropped from the record, so an empty map is never stored.
 */
export function withEntry<S extends CustodySecrets, F extends KeyedField>(
  secrets: S,
  field: F,
  key: string,
  value: NonNullable<CustodySecrets[F]>[string] | undefined,
): S {
  const entries: Record<string, unknown> = { ...secrets[field] };
  if (value === undefined) delete entries[key];
  else entries[key] = value;
  const next: S = { ...secrets };
  if (Object.keys(entries).length) next[field] = entries as S[F];
  else delete next[field];
  return next;
}
