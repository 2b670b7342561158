/**
 * How a custody record's secrets change, for every store of them (the file custody, the tests' fake): its token
 * fields, and its keyed fields (break-glass tokens by accessor, root generation progress by owner).
 */
import { CUSTODY_TOKEN_FIELDS } from '../ports';
import type { CustodySecrets, CustodyTokens, NextUnsealKey } from '../ports';
import { CustodyError } from '../shared/errors';
import { keyGenerationOf } from '../shared/key-generation';

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
type KeyedField = 'breakGlassTokens' | 'rootGenerations' | 'formerUnsealKeys';

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

/** A copy of `secrets` with `next` as the rotation's key (`undefined` removes it). */
export function withNextKey<S extends CustodySecrets>(secrets: S, next: NextUnsealKey | undefined): S {
  const out: S = { ...secrets };
  if (next === undefined) delete out.nextUnsealKey;
  else out.nextUnsealKey = { ...next };
  return out;
}

/**
 * A copy of `secrets` whose next key of `generation` is its unseal key, the old key kept under its generation in
 * `formerUnsealKeys`; `secrets` itself when it is at `generation` already. `where` names the record for the error
 * when there is no such next key (`CustodyCorrupt`: nothing may become the key that the record did not hold).
 */
export function promoted<S extends CustodySecrets>(secrets: S, generation: number, where: string): S {
  const current = keyGenerationOf(secrets);
  if (current === generation) return secrets;
  const next = secrets.nextUnsealKey;
  if (next?.generation !== generation || generation !== current + 1)
    throw new CustodyError(
      'CustodyCorrupt',
      `${where} is at key generation ${current} and holds ${next ? `a next key of generation ${next.generation}` : 'no next key'}: ` +
        `generation ${generation} cannot become its key. Nothing was changed.`,
    );
  const out = withEntry(secrets, 'formerUnsealKeys', String(current), secrets.unsealKey);
  out.unsealKey = next.unsealKey;
  out.keyGeneration = generation;
  delete out.nextUnsealKey;
  return out;
}
