/**
 * How every reader of the configuration (src/config/*) turns one environment variable into a value: the
 * fallback for an unset or empty variable, and the `ConfigError` naming the variable, what was expected and
 * what was found. Only the files of this folder read `process.env`'s values; everything else receives the
 * typed objects they return.
 */
import { DURATION_EXAMPLES, formatDuration, parseDuration } from '../shared/duration';
import { ConfigError } from '../shared/errors';

export type Env = Record<string, string | undefined>;

/** The value, or `fallback` when unset or empty. */
export function str(env: Env, key: string, fallback: string): string {
  const v = env[key];
  return v === undefined || v === '' ? fallback : v;
}

/** One of two words, or `fallback` when unset or empty; anything else names both. */
export function oneOf<A extends string, B extends string>(
  env: Env,
  key: string,
  words: readonly [A, B],
  fallback: A | B,
): A | B {
  const v = str(env, key, fallback);
  const isWord = (x: string): x is A | B => x === words[0] || x === words[1];
  if (!isWord(v)) throw new ConfigError(key, `\`${words[0]}\` or \`${words[1]}\``, v);
  return v;
}

export function positiveInt(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) <= 0) throw new ConfigError(key, 'a positive integer', raw);
  return Number(raw);
}

/** A whole number of 0 or more (retention counts: 0 turns one kind off). */
export function count(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(key, 'a whole number of 0 or more', raw);
  return Number(raw);
}

/** `host:port`, an IPv6 host in brackets (returned without them). */
export function hostPort(key: string, raw: string, expected = 'host:port'): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):([0-9]{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ConfigError(key, expected, raw);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * A duration (`src/shared/duration.ts`: `90s`, `30m`, `1h30m`, `1.5h`, `7d`), as a string Temporal's duration
 * fields read: as written when it is one whole number and a unit, else in the largest unit that keeps it whole
 * (`1h30m` -> `90m`).
 */
export function duration(env: Env, key: string, fallback: string, expected = DURATION_EXAMPLES): string {
  const v = str(env, key, fallback);
  const ms = parseDuration(v);
  if (ms === undefined) throw new ConfigError(key, expected, v);
  return /^[0-9]+(ms|s|m|h|d)$/.test(v) ? v : formatDuration(ms);
}

/** A duration as `duration` checks it, but not zero: how often something repeats (a zero interval never ends). */
export function interval(
  env: Env,
  key: string,
  fallback: string,
  expected = 'a duration like 30m, 1h, 1h30m or 24h, not 0',
): string {
  const v = duration(env, key, fallback, expected);
  if (parseDuration(v) === 0) throw new ConfigError(key, expected, v);
  return v;
}

/** An interval, or `off` (then `undefined`): for what an operator may turn off. */
export function intervalOrOff(env: Env, key: string, fallback: string): string | undefined {
  if (str(env, key, fallback) === 'off') return undefined;
  return interval(env, key, fallback, 'a duration like 30m, 24h or 7d (not 0), or off');
}
