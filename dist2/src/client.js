#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.main = main;
exports.exitCodeOf = exitCodeOf;
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
const client_1 = require("@temporalio/client");
const config_1 = require("./config");
const args_1 = require("./client/args");
const backup_1 = require("./client/commands/backup");
const bootstrap_1 = require("./client/commands/bootstrap");
const hold_1 = require("./client/commands/hold");
const schedule_1 = require("./client/commands/schedule");
const restore_1 = require("./client/commands/restore");
const root_token_1 = require("./client/commands/root-token");
const status_1 = require("./client/commands/status");
const verify_1 = require("./client/commands/verify");
const search_attributes_1 = require("./client/search-attributes");
const temporal_1 = require("./temporal");
function run(ctx, command) {
    switch (command.name) {
        case 'bootstrap':
            return (0, bootstrap_1.bootstrap)(ctx, { wait: command.wait });
        case 'status':
            return (0, status_1.status)(ctx);
        case 'verify':
            return (0, verify_1.verify)(ctx, { json: command.json });
        case 'schedule':
            return (0, schedule_1.schedule)(ctx, command.action);
        case 'root-token':
            return (0, root_token_1.rootToken)(ctx, { ttlSeconds: command.ttlSeconds });
        case 'hold':
            return (0, hold_1.hold)(ctx, { reason: command.reason, by: command.by });
        case 'release':
            return (0, hold_1.release)(ctx, { by: command.by });
        case 'backup':
            return (0, backup_1.backup)(ctx, command);
        case 'restore':
            return (0, restore_1.restore)(ctx, { snapshot: command.snapshot, wait: command.wait });
    }
}
/**
 * Runs the command line `argv` with the environment `env`: parses it, validates the configuration once,
 * connects, registers missing search attributes (for the commands that start workflows) and runs the
 * command. Resolves with the exit code; rejects with `UsageError`, `ConfigError` or
 * `TemporalUnreachableError` (exit code 2) or whatever else failed (exit code 1).
 */
async function main(argv, env) {
    const invocation = (0, args_1.parseCommandLine)(argv);
    if (invocation.kind === 'usage') {
        console.log(args_1.USAGE);
        return invocation.exitCode;
    }
    const { command } = invocation;
    const config = (0, config_1.loadClientConfig)(env);
    const stack = (0, args_1.resolveStack)(command, config);
    const connection = await (0, temporal_1.connectClient)(config.temporal);
    try {
        const client = new client_1.Client({ connection, namespace: config.temporal.namespace });
        if (command.name !== 'status')
            await (0, search_attributes_1.ensureSearchAttributes)(connection, config.temporal.namespace);
        return await run({ client, config, stack }, command);
    }
    finally {
        await connection.close();
    }
}
/** The exit code for an error `main` rejected with: 2 for bad usage, configuration or an unreachable server. */
function exitCodeOf(err) {
    return err instanceof config_1.ConfigError || err instanceof temporal_1.TemporalUnreachableError || err instanceof args_1.UsageError
        ? 2
        : 1;
}
if (require.main === module) {
    main(process.argv.slice(2), process.env).then((code) => process.exit(code), (err) => {
        console.error(`vault-bootstrap: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(exitCodeOf(err));
    });
}
//# sourceMappingURL=client.js.map