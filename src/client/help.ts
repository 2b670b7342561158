/**
 * The help texts, derived from the grammar's tables (`grammar.ts`): the whole tool's (`--help`, and on stderr
 * when no command is given), each command's (`CMD --help`, `help CMD`), and the README's tables of commands
 * and exit codes (a unit test keeps the README equal to them).
 */
import { childrenOf, commandName, COMMANDS, EXIT_CODES, FLAGS, GLOBAL_FLAGS } from './grammar';
import type { CommandSpec, FlagName } from './grammar';

/** `--stack NAME`, `-o, --output text|json`, `-y, --yes`. */
function flagSyntax(name: FlagName): string {
  const spec = FLAGS[name] as { short?: string; value?: string };
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
}

function flagLines(names: readonly FlagName[]): string[] {
  const width = Math.max(...names.map((n) => flagSyntax(n).length)) + 2;
  return names.map((n) => {
    const spec = FLAGS[n] as { help: string; deprecated?: string };
    const help = spec.deprecated ? `${spec.help} (deprecated: ${spec.deprecated})` : spec.help;
    return `  ${flagSyntax(n).padEnd(width)}${help}`;
  });
}

/** `vault-bootstrap hold --reason TEXT [--stack NAME] [--by NAME]`. */
function usageLine(spec: CommandSpec): string {
  const parts = spec.flags
    .filter((f) => FLAGS[f] !== FLAGS.json)
    .map((f) => (spec.required?.includes(f) ? flagSyntax(f) : `[${flagSyntax(f).replace(/^-\w, /, '')}]`));
  return [
    'vault-bootstrap',
    commandName(spec),
    ...parts,
    '[-o text|json]',
    ...(spec.rest ? ['--', spec.rest] : []),
  ].join(' ');
}

function commandList(specs: readonly CommandSpec[]): string[] {
  const runnable = specs.filter((c) => !c.group);
  const width = Math.max(...runnable.map((c) => commandName(c).length)) + 2;
  return runnable.map((c) => `  ${commandName(c).padEnd(width)}${c.summary}`);
}

function exitCodeLines(): string[] {
  return EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning.replace(/`/g, '')}`);
}

/** The whole tool's help: its commands, the global flags, the exit codes and where configuration comes from. */
export function toolHelp(version: string): string {
  return [
    `vault-bootstrap ${version}: bootstrap, check, heal, back up and restore a Vault Raft cluster on Docker Swarm,`,
    'through the Temporal workflows of the vault-bootstrap worker.',
    '',
    'Usage: vault-bootstrap COMMAND [flags]',
    '',
    'Commands:',
    ...commandList(COMMANDS),
    '',
    'Global flags (before or after the command):',
    ...flagLines([...GLOBAL_FLAGS, 'version']),
    '',
    'Exit codes:',
    ...exitCodeLines(),
    '',
    "Each command's flags and examples: vault-bootstrap COMMAND --help (or vault-bootstrap help COMMAND).",
    'Configuration comes from the environment (README, "Configuration"): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,',
    'TEMPORAL_UI_URL, TEMPORAL_PROFILE, TEMPORAL_TLS*, TEMPORAL_API_KEY, VAULT_BOOTSTRAP_TASK_QUEUE, VAULT_BOOTSTRAP_STACK,',
    'VAULT_HEALTH_*, VAULT_BACKUP_INTERVAL, VAULT_DRILL_INTERVAL, VAULT_BOOTSTRAP_BREAK_GLASS_KEY.',
  ].join('\n');
}

/** The help of the command (or group) `words`: usage, what it does, its flags, the global ones, examples. */
export function commandHelp(words: readonly string[], version: string): string {
  const spec = COMMANDS.find((c) => c.words.join(' ') === words.join(' '));
  if (!spec) return toolHelp(version);
  const name = commandName(spec);
  if (spec.group)
    return [
      `vault-bootstrap ${name}: ${spec.summary}`,
      '',
      `Usage: vault-bootstrap ${name} COMMAND [flags]`,
      '',
      'Commands:',
      ...commandList(
        COMMANDS.filter((c) => c.words.length > words.length && words.every((w, i) => c.words[i] === w)),
      ),
      '',
      `Each one's flags and examples: vault-bootstrap ${name} COMMAND --help`,
    ].join('\n');
  const subcommands = childrenOf(spec.words);
  return [
    `vault-bootstrap ${name}: ${spec.summary}`,
    '',
    `Usage: ${usageLine(spec)}`,
    ...(spec.description ? ['', spec.description] : []),
    ...(subcommands.length > 0 ? ['', 'Commands:', ...commandList(subcommands)] : []),
    ...(spec.flags.length > 0 ? ['', 'Flags:', ...flagLines(spec.flags)] : []),
    '',
    'Global flags:',
    ...flagLines(GLOBAL_FLAGS),
    ...(spec.examples.length > 0 ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
    '',
    'Exit codes:',
    ...exitCodeLines(),
  ].join('\n');
}

/** The README's table of commands (Markdown), derived from the grammar. */
export function commandsMarkdown(): string {
  const rows = COMMANDS.filter((c) => !c.group).map(
    (c) =>
      `| \`${usageLine(c)
        .replace(/^vault-bootstrap /, '')
        .replace(/\|/g, '\\|')}\` | ${c.summary.replace(/\|/g, '\\|')} |`,
  );
  return ['| command | what it does |', '| --- | --- |', ...rows].join('\n');
}

/** The README's table of exit codes (Markdown), the one `--help` prints. */
export function exitCodesMarkdown(): string {
  return [
    '| code | meaning |',
    '| --- | --- |',
    ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning} |`),
  ].join('\n');
}
