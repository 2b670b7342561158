/**
 * What `vault-bootstrap exec` may run in a Vault task: the seed's checks and the few read-only `vault` commands
 * beside them, word for word, with an output format at most. Anything else is refused before it reaches Docker.
 *
 * Why a list and not any command: a process in a Vault task can read the unseal key (`/run/secrets/
 * vault_unseal_key`) and its data volume, and what the command prints goes to the workflow's history. The
 * listed commands print neither, and the token they run with can only read the Raft configuration and
 * status (`EXEC_POLICY` in src/activities/cluster/exec-access.ts).
 *
 * Sandbox-safe (the workflow checks its input with it): no Node builtins.
 */
import { ErrorType, nonRetryableFailure } from './errors';

/** The commands, each the words after `vault`; `needsToken`: it calls an authenticated endpoint. */
export const VAULT_COMMANDS: readonly { words: readonly string[]; needsToken: boolean }[] = [
  { words: ['status'], needsToken: false },
  { words: ['version'], needsToken: false },
  { words: ['operator', 'raft', 'list-peers'], needsToken: true },
  { words: ['operator', 'raft', 'autopilot', 'state'], needsToken: true },
  { words: ['operator', 'raft', 'autopilot', 'get-config'], needsToken: true },
  { words: ['operator', 'members'], needsToken: true },
];

/** The output formats the `vault` CLI takes (`-format=json`, `-format json`). */
const FORMATS = ['table', 'json', 'yaml'];

/** The longest command line accepted (words): `vault` + 4 words + a format. */
const MAX_WORDS = 8;

/** The most output kept of each stream (list-peers of a 3-node cluster is a few hundred bytes). */
export const EXEC_OUTPUT_MAX_BYTES = 64 * 1024;

/** The commands as an operator types them, for messages and help. */
export const VAULT_COMMANDS_TEXT = VAULT_COMMANDS.map((c) => `vault ${c.words.join(' ')}`).join(', ');

export interface CheckedVaultCommand {
  /** The command line to run, exactly as given. */
  argv: string[];
  needsToken: boolean;
}

/**
 * `argv` if it is one of `VAULT_COMMANDS` (`vault` first, optionally `-format=F` or `-format F` after the
 * words); else the non-retryable `InvalidInput`, naming what is allowed.
 */
export function checkVaultCommand(argv: unknown, field = 'command'): CheckedVaultCommand {
  const refuse = (): never => {
    throw nonRetryableFailure(
      ErrorType.InvalidInput,
      `${field}: only these read-only commands run in a Vault task: ${VAULT_COMMANDS_TEXT}` +
        ` (optionally with -format=${FORMATS.join('|')}); nothing was run`,
    );
  };
  if (!Array.isArray(argv) || argv.length > MAX_WORDS || !argv.every((w) => typeof w === 'string')) refuse();
  const words = argv as string[];
  if (words[0] !== 'vault') refuse();
  const rest = words.slice(1);
  // The format flag may come anywhere after `vault` (the CLI accepts flags before or after the words).
  const plain: string[] = [];
  let formats = 0;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const m = /^--?format(?:=(.*))?$/.exec(w);
    if (!m) {
      plain.push(w);
      continue;
    }
    const value = m[1] ?? rest[++i];
    if (value === undefined || !FORMATS.includes(value) || ++formats > 1) refuse();
  }
  const match = VAULT_COMMANDS.find(
    (c) => c.words.length === plain.length && c.words.every((w, i) => w === plain[i]),
  );
  if (!match) return refuse();
  return { argv: [...words], needsToken: match.needsToken };
}
