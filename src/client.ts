#!/usr/bin/env node
/**
 * `vault-bootstrap`: the operator's command line (and what `init/vault/vault-bootstrap.sh`, and so
 * `init-infra-prod.sh`, calls). Its conventions are those of the `temporal` and `vault` CLIs:
 *
 *   vault-bootstrap COMMAND [flags]            `vault-bootstrap --help` lists the commands,
 *   vault-bootstrap COMMAND --help             `help COMMAND` too: its flags and examples
 *   vault-bootstrap --version
 *
 * - Each command takes the flags and words its help lists and refuses any other, a flag given twice, an empty
 *   value; a usage error is one line and `see 'vault-bootstrap COMMAND --help'` on stderr, exit 2.
 * - Global flags, before or after the command: `-o/--output text|json` (json: one document on stdout, every
 *   other line on stderr), `--address`, `--namespace`, `--ui-url`, `--profile` (over TEMPORAL_ADDRESS,
 *   TEMPORAL_NAMESPACE, TEMPORAL_UI_URL, TEMPORAL_PROFILE; empty is refused, flag or variable).
 * - Durations are Go's: `90s`, `30m`, `1h30m`, `1.5h`. `--wait` takes `--timeout`, and says when no worker
 *   polls the task queue and what step is being retried.
 * - Exit codes (`EXIT_CODES` in client/grammar.ts, printed by `--help`, tabled in the README): 0 done,
 *   1 workflow failed or cluster not Healthy, 2 usage or configuration, 3 nothing to act on (no run, no hold, no
 *   token), 4 `--timeout` ran out, 5 Temporal unreachable.
 *
 * This file only dispatches: the grammar is in `client/grammar.ts` (parsed by `client/args.ts`, its help
 * written by `client/help.ts`), each command in `client/commands/`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { loadClientConfig } from './config/client';
import type { Env } from './config/env';
import { ConfigError, messageOf, TemporalPermissionDeniedError } from './shared/errors';
import { parseCommandLine, resolveStack, UsageError, withGlobalFlags } from './client/args';
import type { Values } from './client/args';
import { backupDrill, backupList, backupNow } from './client/commands/backup';
import { bootstrap } from './client/commands/bootstrap';
import { doctor } from './client/commands/doctor';
import { exec } from './client/commands/exec';
import { hold, release } from './client/commands/hold';
import { schedule } from './client/commands/schedule';
import type { ScheduleKindName } from './client/commands/schedule';
import { restore } from './client/commands/restore';
import { revokeRootTokens, rootToken } from './client/commands/root-token';
import { credentials } from './client/commands/credentials';
import { rekey } from './client/commands/rekey';
import { upgrade } from './client/commands/upgrade';
import { status } from './client/commands/status';
import { verify } from './client/commands/verify';
import { confirmationQuestion, confirmed } from './client/confirm';
import type { CommandContext } from './client/context';
import { COMMANDS, EXIT, SCHEDULE_ACTIONS } from './client/grammar';
import type { ExitCode } from './client/grammar';
import { commandHelp, toolHelp } from './client/help';
import { ensureSearchAttributes } from './client/search-attributes';
import { WaitTimedOutError } from './client/wait';
import { connectClient, namePermissionDenied, TemporalUnreachableError } from './temporal';

/** The client's version: package.json's, beside `dist/` (in a checkout and in the image alike). */
export function clientVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

type Run = (ctx: CommandContext, values: Values, rest: readonly string[]) => Promise<number>;

function scheduleRuns(kind: ScheduleKindName, group: string): Record<string, Run> {
  return Object.fromEntries(
    SCHEDULE_ACTIONS.map((a) => [`${group} ${a}`, (ctx: CommandContext) => schedule(ctx, kind, a)]),
  );
}

/** What runs each command of the grammar, by its name (`backup schedule delete`); `doctor` runs before a connection. */
export const RUNS: Record<string, Run> = {
  bootstrap: (ctx, v) => bootstrap(ctx, { wait: v.wait, timeoutMs: v.timeoutMs }),
  status: (ctx) => status(ctx),
  verify: (ctx) => verify(ctx),
  ...scheduleRuns('health', 'schedule'),
  'root-token': (ctx, v) => rootToken(ctx, { ttlSeconds: v.ttlSeconds, timeoutMs: v.timeoutMs }),
  'root-token revoke': (ctx, v) => revokeRootTokens(ctx, { accessor: v.accessor, timeoutMs: v.timeoutMs }),
  hold: (ctx, v) => hold(ctx, { reason: v.reason ?? '', by: v.by }),
  release: (ctx, v) => release(ctx, { by: v.by, timeoutMs: v.timeoutMs }),
  'backup now': (ctx, v) => backupNow(ctx, { wait: v.wait, timeoutMs: v.timeoutMs }),
  'backup list': (ctx) => backupList(ctx),
  'backup drill': (ctx, v) => backupDrill(ctx, { wait: v.wait, timeoutMs: v.timeoutMs }),
  ...scheduleRuns('backup', 'backup schedule'),
  restore: (ctx, v) => restore(ctx, { snapshot: v.snapshot ?? '', wait: v.wait, timeoutMs: v.timeoutMs }),
  'credentials repair': (ctx, v) => credentials(ctx, { wait: v.wait, timeoutMs: v.timeoutMs }),
  rekey: (ctx, v) => rekey(ctx, { wait: v.wait, timeoutMs: v.timeoutMs }),
  upgrade: (ctx, v) =>
    upgrade(ctx, {
      image: v.image,
      rollback: v.rollback,
      nodeTimeoutMs: v.nodeTimeoutMs,
      wait: v.wait,
      timeoutMs: v.timeoutMs,
    }),
  exec: (ctx, _v, rest) => exec(ctx, { command: rest }),
};

/** The commands that only read: no search attribute needs registering for them. */
const READ_ONLY = new Set(['status', 'root-token revoke']);

/**
 * Runs the command line `argv` with the environment `env`: parses it, applies the global flags, validates the
 * configuration once, asks for confirmation where the command does, connects, registers missing search
 * attributes (for the commands that start workflows) and runs the command. Resolves with the exit code; rejects
 * with an error `exitCodeOf` maps.
 */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const invocation = parseCommandLine(argv);
  switch (invocation.kind) {
    case 'help':
      console.log(commandHelp(invocation.words, clientVersion()));
      return EXIT.ok;
    case 'version':
      console.log(`vault-bootstrap ${clientVersion()}`);
      return EXIT.ok;
    case 'usage':
      console.error(toolHelp(clientVersion()));
      return EXIT.usage;
    case 'run':
      break;
  }
  const { command, values, rest, globals } = invocation;
  const effective = withGlobalFlags(env, globals);
  // doctor reports a bad configuration or an unreachable Temporal rather than failing on it.
  if (command === 'doctor') return doctor(effective, { stack: values.stack, output: globals.output });
  const config = loadClientConfig(effective);
  const stack = resolveStack(values.stack, config);
  const question = COMMANDS.find((c) => c.words.join(' ') === command)?.confirm;
  if (question && !(await confirmed(command, confirmationQuestion(question, stack, values), values.yes))) {
    console.error('vault-bootstrap: not confirmed; nothing was done');
    return EXIT.usage;
  }
  const run = RUNS[command];
  if (!run) throw new Error(`vault-bootstrap: ${command} has no runner`); // the unit tests keep RUNS complete
  const connection = await connectClient(config.temporal);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    if (!READ_ONLY.has(command)) await ensureSearchAttributes(connection, config.temporal.namespace);
    return await run({ client, config, stack, output: globals.output }, values, rest);
  } catch (err) {
    throw namePermissionDenied(config.temporal, err);
  } finally {
    await connection.close();
  }
}

/** The exit code for an error `main` rejected with (the table: `EXIT_CODES`). */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof TemporalPermissionDeniedError)
    return EXIT.usage;
  if (err instanceof TemporalUnreachableError) return EXIT.unreachable;
  if (err instanceof WaitTimedOutError) return EXIT.timedOut;
  return EXIT.failed;
}

/** What `main`'s rejection prints on stderr: one line, and for bad usage where to read more. */
export function errorText(err: unknown): string {
  const message = `vault-bootstrap: ${messageOf(err)}`;
  return err instanceof UsageError ? `${message}\n${err.hint}` : message;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(errorText(err));
      process.exit(exitCodeOf(err));
    },
  );
}
