/**
 * Durations as Go writes them (`time.ParseDuration`): one or more decimal numbers each with a unit, `1h30m`,
 * `1.5h`, `90s`, `300ms`, `24h0m0s` (how Vault prints its own). The one parser of the project: the command
 * line's flags (`--ttl`, `--timeout`), the duration variables of the configuration (`VAULT_HEALTH_INTERVAL`,
 * ...) and Vault's answers all go through it. Besides Go's units it takes `d` (24 h), which the configuration
 * accepted before (`VAULT_DRILL_INTERVAL=7d`); no sign, no `µs`/`ns` (nothing here is that short).
 * Sandbox-safe: no Node builtins.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)/y;

/** The words an error about a duration uses for what is accepted. */
export const DURATION_EXAMPLES = 'a duration like 90s, 30m, 1h30m or 1.5h';

/**
 * Milliseconds of `text` (`1h30m` -> 5400000), rounded to the millisecond; `undefined` when it is not a
 * duration (empty, a bare number, a unit missing or unknown, a sign, spaces). `0s` is 0.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as Unit];
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * `ms` in the largest unit that writes it as a whole number (`5400000` -> `90m`, `86400000` -> `1d`): a form
 * both a reader and Temporal's duration strings (the `ms` package) understand, unlike `1h30m`.
 */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const)
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return ms === 0 ? '0s' : `${ms}ms`;
}
