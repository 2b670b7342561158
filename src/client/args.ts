/**
 * The command line's parser, driven by the tables of `grammar.ts`: which words name a command, which flags it
 * takes, what their values must be. Bad usage is a `UsageError` naming what was wrong and the command whose
 * `--help` says more (exit code 2); it is found before any configuration is read or anything connects.
 */
import type { ClientConfig } from '../config/client';
import type { Env } from '../config/env';
import { isSnapshotFileName } from '../backup/snapshot-names';
import { DURATION_EXAMPLES, parseDuration } from '../shared/duration';
import { isAccessor, ROOT_TOKEN_TTL, UPGRADE_NODE_TIMEOUT } from '../shared/inputs';
import { stackNamesFit, validateStackName } from '../shared/names';
import { childrenOf, commandName, FLAGS, GLOBAL_FLAGS, OUTPUT_FORMATS } from './grammar';
import type { CommandSpec, FlagName, OutputFormat } from './grammar';

export { SCHEDULE_ACTIONS } from './grammar';
export type { OutputFormat, ScheduleAction } from './grammar';

/** The command line is malformed. `command` is the one whose `--help` the error points to, when known. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }

  /** `see 'vault-bootstrap <command> --help'`: the line printed after the message. */
  get hint(): string {
    return `see 'vault-bootstrap ${this.command ? `${this.command} ` : ''}--help'`;
  }
}

/** The longest `--reason` of `hold`: a line for the UI's list, not a report. */
export const HOLD_REASON_MAX = 200;

/** What the command's flags say, each checked (`--ttl` in seconds, `--timeout` in milliseconds). */
export interface Values {
  /** `--stack`, unchecked: validated once the configuration (and so the default stack) is known. */
  stack?: string;
  wait: boolean;
  /** `--timeout`, in milliseconds. */
  timeoutMs?: number;
  /** `--ttl` in seconds; the default when not given. */
  ttlSeconds: number;
  accessor?: string;
  reason?: string;
  by?: string;
  snapshot?: string;
  /** `--image` of `upgrade`. */
  image?: string;
  /** `--rollback` of `upgrade`. */
  rollback: boolean;
  /** `--node-timeout` of `upgrade`, in milliseconds. */
  nodeTimeoutMs?: number;
  yes: boolean;
}

/** The flags every command takes: how to print, and where Temporal is (over the environment). */
export interface GlobalOptions {
  output: OutputFormat;
  address?: string;
  namespace?: string;
  uiUrl?: string;
  profile?: string;
}

/** What the command line asks for. */
export type Invocation =
  | { kind: 'run'; command: string; values: Values; rest: readonly string[]; globals: GlobalOptions }
  /** `--help`, `-h` or `help [COMMAND]`: the help of `words` (none: the whole tool) on stdout, exit 0. */
  | { kind: 'help'; words: readonly string[] }
  | { kind: 'version' }
  /** No command at all: the usage on stderr, exit 2. */
  | { kind: 'usage' };

/** `--reason` of `hold`: one line of at most `HOLD_REASON_MAX` characters. */
export function parseHoldReason(text: string): string {
  const reason = text.replace(/\s+/g, ' ').trim();
  if (!reason || reason.length > HOLD_REASON_MAX)
    throw new UsageError(`--reason: what the operator is doing, 1 to ${HOLD_REASON_MAX} characters`, 'hold');
  return reason;
}

/** `--ttl`: a duration in whole seconds within `ROOT_TOKEN_TTL`, in seconds. */
export function parseTtl(text: string): number {
  const ms = parseDuration(text);
  const seconds = ms === undefined || ms % 1000 !== 0 ? NaN : ms / 1000;
  if (!(seconds >= ROOT_TOKEN_TTL.minSeconds && seconds <= ROOT_TOKEN_TTL.maxSeconds))
    throw new UsageError(
      `--ttl ${JSON.stringify(text)}: expected whole seconds from 10s to 24h, e.g. 90s, 30m, 1h30m or 1.5h`,
      'root-token',
    );
  return seconds;
}

/** What each flag's value must be, checked where it is parsed. */
const VALUE_CHECKS: Partial<Record<FlagName, (text: string, command: string) => unknown>> = {
  timeout: (text, command) => {
    const ms = parseDuration(text);
    if (!ms)
      throw new UsageError(
        `--timeout ${JSON.stringify(text)}: expected ${DURATION_EXAMPLES}, not 0`,
        command,
      );
    return ms;
  },
  ttl: (text) => parseTtl(text),
  'node-timeout': (text, command) => {
    const ms = parseDuration(text);
    if (
      ms === undefined ||
      ms < UPGRADE_NODE_TIMEOUT.minMs ||
      ms > UPGRADE_NODE_TIMEOUT.maxMs ||
      ms % 1000 !== 0
    )
      throw new UsageError(
        `--node-timeout ${JSON.stringify(text)}: expected whole seconds from 30s to 1h, e.g. 90s or 10m`,
        command,
      );
    return ms;
  },
  reason: (text) => parseHoldReason(text),
  snapshot: (text, command) => {
    if (!isSnapshotFileName(text))
      throw new UsageError(
        `--snapshot ${JSON.stringify(text)}: expected a snapshot's file name as \`backup list\` shows it ` +
          "(<stack>-<YYYYMMDD>T<HHMMSS>Z.snap), no path: it is read from the stack's backup folder",
        command,
      );
    return text;
  },
  accessor: (text, command) => {
    if (!isAccessor(text))
      throw new UsageError(`--accessor ${JSON.stringify(text)}: expected a token accessor`, command);
    return text;
  },
  output: (text, command) => {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(text))
      throw new UsageError(
        `--output ${JSON.stringify(text)}: expected ${OUTPUT_FORMATS.join(' or ')}`,
        command,
      );
    return text;
  },
};

const BY_SHORT = new Map<string, FlagName>(
  Object.entries(FLAGS).flatMap(([name, spec]) => ('short' in spec ? [[spec.short, name as FlagName]] : [])),
);

function isFlagName(name: string): name is FlagName {
  return Object.hasOwn(FLAGS, name);
}

function takesValue(name: FlagName): boolean {
  return 'value' in FLAGS[name];
}

interface RawFlag {
  name: FlagName;
  /** As typed (`-o`, `--stack`), for the errors. */
  token: string;
  value?: string;
}

/** The words, flags and `--` part of `argv`, with the first token that is no flag of this tool. */
function tokenize(argv: readonly string[]): {
  words: string[];
  flags: RawFlag[];
  unknown?: string;
  missingValue?: string;
  rest?: string[];
} {
  const split = argv.indexOf('--');
  const head = split < 0 ? argv : argv.slice(0, split);
  const words: string[] = [];
  const flags: RawFlag[] = [];
  let unknown: string | undefined;
  let missingValue: string | undefined;
  for (let i = 0; i < head.length; i++) {
    const tok = head[i]!;
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(tok);
    const short = /^-([A-Za-z])(?:=?(.+))?$/s.exec(tok);
    const name = long ? long[1]! : short ? BY_SHORT.get(short[1]!) : undefined;
    if (!long && !short) {
      words.push(tok);
      continue;
    }
    if (name === undefined || !isFlagName(name)) {
      unknown ??= tok.replace(/=.*$/s, '');
      continue;
    }
    const inline = long ? long[2] : short?.[2];
    const typed = tok.replace(/=.*$/s, '');
    if (!takesValue(name)) {
      if (inline !== undefined) unknown ??= `${typed}=${inline}`;
      flags.push({ name, token: typed });
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = head[i + 1];
      if (next === undefined || /^--?[A-Za-z]/.test(next)) missingValue ??= typed;
      else value = head[++i];
    }
    flags.push({ name, token: typed, ...(value !== undefined ? { value } : {}) });
  }
  return { words, flags, unknown, missingValue, ...(split >= 0 ? { rest: argv.slice(split + 1) } : {}) };
}

/** The command `words` name, walking down the tree as far as the words go: the spec and the words left over. */
function resolve(words: readonly string[]): { spec?: CommandSpec; left: string[] } {
  let spec: CommandSpec | undefined;
  let i = 0;
  for (; i < words.length; i++) {
    const next = childrenOf(spec?.words ?? []).find((c) => c.words[c.words.length - 1] === words[i]);
    if (!next) break;
    spec = next;
  }
  return { spec, left: words.slice(i) };
}

function oneOf(words: readonly string[]): string {
  return childrenOf(words)
    .map((c) => c.words[c.words.length - 1])
    .join(', ');
}

/**
 * Parses `argv` (without `node` and the script) against the grammar. Throws `UsageError` for an unknown
 * command, flag or word, a flag the command does not take or repeated, a value missing, empty or malformed, a
 * required flag missing; reads no configuration and touches nothing.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const { words, flags, unknown, missingValue, rest } = tokenize(argv);
  const asksHelp = flags.some((f) => f.name === 'help');
  if (words[0] === 'help') {
    const { spec, left } = resolve(words.slice(1));
    if (left.length > 0)
      throw new UsageError(`help: unknown command ${JSON.stringify(words.slice(1).join(' '))}`);
    return { kind: 'help', words: spec?.words ?? [] };
  }
  const { spec, left } = resolve(words);
  if (asksHelp && (left.length === 0 || !spec)) return { kind: 'help', words: spec?.words ?? [] };
  if (!spec) {
    if (words.length > 0) throw new UsageError(`unknown command ${JSON.stringify(words[0])}`);
    if (flags.some((f) => f.name === 'version') && flags.length === 1 && !unknown) return { kind: 'version' };
    if (unknown) throw new UsageError(`unknown flag ${unknown}`);
    return { kind: 'usage' };
  }
  const name = commandName(spec);
  if (asksHelp) return { kind: 'help', words: spec.words };
  if (unknown) throw new UsageError(`unknown flag ${unknown}`, name);
  if (spec.group) {
    if (left.length === 0) throw new UsageError(`${name} needs one of ${oneOf(spec.words)}`, name);
    throw new UsageError(
      `unknown ${name} command ${JSON.stringify(left[0])}: one of ${oneOf(spec.words)}`,
      name,
    );
  }
  if (left.length > 0)
    throw new UsageError(
      childrenOf(spec.words).length > 0
        ? `unknown ${name} command ${JSON.stringify(left[0])}: one of ${oneOf(spec.words)}`
        : `${name} takes no word ${JSON.stringify(left[0])}`,
      name,
    );
  if (missingValue) throw new UsageError(`${missingValue} needs a value`, name);
  const allowed = new Set<FlagName>([...spec.flags, ...GLOBAL_FLAGS]);
  const seen = new Map<FlagName, unknown>();
  for (const f of flags) {
    if (!allowed.has(f.name)) throw new UsageError(`${name} does not take ${f.token}`, name);
    if (seen.has(f.name)) throw new UsageError(`${f.token} given twice`, name);
    if (f.value === undefined) {
      seen.set(f.name, true);
      continue;
    }
    if (f.value.trim() === '') throw new UsageError(`${f.token} needs a value, not an empty one`, name);
    seen.set(f.name, VALUE_CHECKS[f.name]?.(f.value, name) ?? f.value);
  }
  for (const r of spec.required ?? [])
    if (!seen.has(r))
      throw new UsageError(
        `${name} needs --${r} ${(FLAGS[r] as { value?: string }).value ?? ''}`.trim(),
        name,
      );
  if (seen.has('timeout') && spec.flags.includes('wait') && !seen.has('wait'))
    throw new UsageError('--timeout needs --wait: it bounds the wait', name);
  if (seen.has('json') && seen.has('output'))
    throw new UsageError('--json is -o json: give one of them', name);
  if (spec.rest !== undefined && (rest === undefined || rest.length === 0))
    throw new UsageError(`${name} needs the command to run after --: ${name} [flags] -- ${spec.rest}`, name);
  if (spec.rest === undefined && rest !== undefined)
    throw new UsageError(`${name} takes nothing after --, got ${JSON.stringify(rest.join(' '))}`, name);
  const str = (f: FlagName) => seen.get(f) as string | undefined;
  const values: Values = {
    wait: seen.has('wait'),
    yes: seen.has('yes'),
    rollback: seen.has('rollback'),
    ttlSeconds: (seen.get('ttl') as number | undefined) ?? ROOT_TOKEN_TTL.defaultSeconds,
  };
  for (const [key, flag] of [
    ['stack', 'stack'],
    ['accessor', 'accessor'],
    ['reason', 'reason'],
    ['by', 'by'],
    ['snapshot', 'snapshot'],
    ['image', 'image'],
  ] as const)
    if (seen.has(flag)) values[key] = str(flag);
  if (seen.has('timeout')) values.timeoutMs = seen.get('timeout') as number;
  if (seen.has('node-timeout')) values.nodeTimeoutMs = seen.get('node-timeout') as number;
  const globals: GlobalOptions = {
    output: seen.has('json') ? 'json' : ((str('output') as OutputFormat | undefined) ?? 'text'),
  };
  for (const [key, flag] of [
    ['address', 'address'],
    ['namespace', 'namespace'],
    ['uiUrl', 'ui-url'],
    ['profile', 'profile'],
  ] as const)
    if (seen.has(flag)) globals[key] = str(flag);
  return { kind: 'run', command: name, values, rest: rest ?? [], globals };
}

/**
 * The stack a command acts on: `--stack`, else `VAULT_BOOTSTRAP_STACK`; a bad name, or one whose secret names
 * would exceed Swarm's limit, is a `ConfigError` for `--stack`.
 */
export function resolveStack(stack: string | undefined, config: ClientConfig): string {
  return stackNamesFit(
    config.stack,
    validateStackName(stack ?? config.stack.defaultName, '--stack'),
    '--stack',
  );
}

/**
 * `env` with the global flags over it: `--address`, `--namespace`, `--ui-url` and `--profile` set
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_UI_URL` and `TEMPORAL_PROFILE`. Pure: what the
 * configuration (and `doctor`) then reads.
 */
export function withGlobalFlags(env: Env, globals: Omit<GlobalOptions, 'output'>): Env {
  const out: Env = { ...env };
  if (globals.address !== undefined) out.TEMPORAL_ADDRESS = globals.address;
  if (globals.namespace !== undefined) out.TEMPORAL_NAMESPACE = globals.namespace;
  if (globals.uiUrl !== undefined) out.TEMPORAL_UI_URL = globals.uiUrl;
  if (globals.profile !== undefined) out.TEMPORAL_PROFILE = globals.profile;
  return out;
}
