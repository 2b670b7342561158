#!/usr/bin/env node
/**
 * `vault-bootstrap`: the command line `init/vault/vault-bootstrap.sh` (and so `init-infra-prod.sh`) calls.
 *
 *   vault-bootstrap bootstrap [--stack S] [--wait]   start (or attach to) BootstrapVault for a stack
 *   vault-bootstrap status    [--stack S]            progress of the latest bootstrap of a stack
 *   vault-bootstrap verify    [--stack S] [--json]   run one health check now and print the report
 *   vault-bootstrap schedule  create|describe|pause|unpause|trigger|delete [--stack S]
 *   vault-bootstrap root-token [--stack S] [--ttl 15m]   break glass: a root token, revoked after the TTL
 *   vault-bootstrap hold --reason TEXT [--by NAME] [--stack S]   health reports and never acts until release
 *   vault-bootstrap release [--by NAME] [--stack S]      end the hold, check and heal at once
 *   vault-bootstrap restore --snapshot FILE [--wait] [--stack S]   disaster recovery from a snapshot
 *   vault-bootstrap backup now [--wait] [--stack S]      one Raft snapshot now, then retention
 *   vault-bootstrap backup schedule create|describe|pause|unpause|trigger|delete [--stack S]
 *                                                        a backup every VAULT_BACKUP_INTERVAL, a restore
 *                                                        drill every VAULT_DRILL_INTERVAL (off: none)
 *   vault-bootstrap backup drill [--wait] [--stack S]    restore the newest snapshot into a throwaway stack now
 *
 * Exit codes: 0 success, 1 the workflow failed or the cluster is unhealthy, 2 bad usage or configuration.
 *
 * This file only dispatches: the grammar is in `client/args.ts`, each command in `client/commands/`.
 */
import { Client } from '@temporalio/client';
import { loadClientConfig } from './config/client';
import type { Env } from './config/env';
import { ConfigError, TemporalPermissionDeniedError } from './shared/errors';
import { parseCommandLine, resolveStack, USAGE, UsageError } from './client/args';
import type { Command } from './client/args';
import { backup } from './client/commands/backup';
import { bootstrap } from './client/commands/bootstrap';
import { hold, release } from './client/commands/hold';
import { schedule } from './client/commands/schedule';
import { restore } from './client/commands/restore';
import { rootToken } from './client/commands/root-token';
import { credentials } from './client/commands/credentials';
import { status } from './client/commands/status';
import { verify } from './client/commands/verify';
import type { CommandContext } from './client/context';
import { ensureSearchAttributes } from './client/search-attributes';
import { connectClient, namePermissionDenied, TemporalUnreachableError } from './temporal';

function run(ctx: CommandContext, command: Command): Promise<number> {
  switch (command.name) {
    case 'bootstrap':
      return bootstrap(ctx, { wait: command.wait });
    case 'status':
      return status(ctx);
    case 'verify':
      return verify(ctx, { json: command.json });
    case 'schedule':
      return schedule(ctx, 'health', command.action);
    case 'root-token':
      return rootToken(ctx, { ttlSeconds: command.ttlSeconds });
    case 'hold':
      return hold(ctx, { reason: command.reason, by: command.by });
    case 'release':
      return release(ctx, { by: command.by });
    case 'backup':
      return backup(ctx, command);
    case 'restore':
      return restore(ctx, { snapshot: command.snapshot, wait: command.wait });
    case 'credentials':
      return credentials(ctx, { wait: command.wait });
  }
}

/**
 * Runs the command line `argv` with the environment `env`: parses it, validates the configuration once,
 * connects, registers missing search attributes (for the commands that start workflows) and runs the
 * command. Resolves with the exit code; rejects with `UsageError`, `ConfigError` or
 * `TemporalUnreachableError` (exit code 2) or whatever else failed (exit code 1).
 */
export async function main(argv: readonly string[], env: Env): Promise<number> {
  const invocation = parseCommandLine(argv);
  if (invocation.kind === 'usage') {
    console.log(USAGE);
    return invocation.exitCode;
  }
  const { command } = invocation;
  const config = loadClientConfig(env);
  const stack = resolveStack(command, config);
  const connection = await connectClient(config.temporal);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    if (command.name !== 'status') await ensureSearchAttributes(connection, config.temporal.namespace);
    return await run({ client, config, stack }, command);
  } catch (err) {
    throw namePermissionDenied(config.temporal, err);
  } finally {
    await connection.close();
  }
}

/** The exit code for an error `main` rejected with: 2 for bad usage, configuration or an unreachable server. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof ConfigError ||
    err instanceof TemporalUnreachableError ||
    err instanceof TemporalPermissionDeniedError ||
    err instanceof UsageError
    ? 2
    : 1;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`vault-bootstrap: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(exitCodeOf(err));
    },
  );
}
