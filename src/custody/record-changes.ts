/**
 * How a custody record's secrets change, for every store of them (the file custody, the tests' fake): its token
 * fields, and its keyed fields (break-glass tokens by accessor, root generation progress by owner).
 */
import { CUSTODY_TOKEN_FIELDS } from '../ports';
import type { CustodySecrets, CustodyTokens } from '../ports';

/** A copy of `secrets` with the token fields `tokens` names changed (`undefined` removes one); the rest kept. */
export function withTokens<S extends CustodySecrets>(secrets: S, tokens: CustodyTokens): S {
  const next: S = { ...secrets };
  for (const field of CUSTODY_TOKEN_FIELDS) {
    if (!(field in tokens)) continue;
    const token = tokens[field];
    if (token === undefined) delete next[field];
    else next[field] = token;
  }
  return next;
}

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
