"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createActivities = createActivities;
exports.createNodeAgentActivities = createNodeAgentActivities;
/**
 * `createActivities(deps)`: every activity of the worker, with its dependencies injected (the seam tests
 * use), each wrapped once at the boundary with Temporal:
 * - it heartbeats on a timer for as long as it runs, so a killed worker is noticed within the heartbeat
 *   timeout and the step is retried on another worker, whatever the step is waiting on;
 * - its input's stack name is checked before anything runs (`validateStackName`, and on a full worker the
 *   secret names built from it must fit Swarm's limit): a workflow input, a schedule's stored argument or a
 *   hand-started workflow cannot carry `../x` into a custody path or a name Docker refuses (`listSwarmNodes`
 *   names no stack);
 * - a `NonRetryableError` it throws leaves as a non-retryable ApplicationFailure of its type (`toFailure`).
 */
const activity_1 = require("@temporalio/activity");
const errors_1 = require("../shared/errors");
const names_1 = require("../shared/names");
const deps_1 = require("./deps");
const backup_1 = require("./backup");
const drill_1 = require("./drill");
const restore_1 = require("./restore");
const health_1 = require("./health");
const heartbeat_1 = require("./heartbeat");
const node_local_1 = require("./node-local");
const secrets_1 = require("./secrets");
const stack_1 = require("./stack");
const tokens_1 = require("./tokens");
const vault_1 = require("./vault");
const HEARTBEAT_EVERY_MS = 2_000;
/** The activities whose input names no stack (they read the swarm as a whole): nothing to check. */
const NO_STACK_INPUT = new Set(['listSwarmNodes']);
/**
 * Checks the stack name of an activity's input (every other activity takes `{ stack, ... }` first); with
 * `secretBaseOf` (the full worker: it creates the secrets), also that the secret names built from it fit.
 */
function checkEntry(input, secretBaseOf) {
    const stack = typeof input === 'object' && input !== null && 'stack' in input ? input.stack : undefined;
    const name = (0, names_1.validateStackName)(typeof stack === 'string' ? stack : String(stack), 'stack');
    if (secretBaseOf)
        (0, names_1.assertSecretNameFits)(secretBaseOf(name), name);
}
function atBoundary(fn, check) {
    return async (...args) => {
        const ctx = activity_1.Context.current();
        const timer = setInterval(() => (0, heartbeat_1.keepAlive)(ctx), HEARTBEAT_EVERY_MS);
        try {
            check?.(args[0]);
            return await fn(...args);
        }
        catch (err) {
            throw (0, errors_1.toFailure)(err);
        }
        finally {
            clearInterval(timer);
        }
    };
}
function wrapAll(acts, secretBaseOf) {
    const out = {};
    for (const [name, fn] of Object.entries(acts))
        out[name] = atBoundary(fn, NO_STACK_INPUT.has(name) ? undefined : (input) => checkEntry(input, secretBaseOf));
    return out;
}
function createActivities(deps) {
    return wrapAll({
        ...(0, stack_1.createStackActivities)(deps),
        ...(0, secrets_1.createSecretActivities)(deps),
        ...(0, vault_1.createVaultActivities)(deps),
        ...(0, health_1.createHealthActivities)(deps),
        ...(0, tokens_1.createTokenActivities)(deps),
        ...(0, backup_1.createBackupActivities)(deps),
        ...(0, drill_1.createDrillActivities)(deps),
        ...(0, restore_1.createRestoreActivities)(deps),
        // Also on the main queue: a one-node swarm, and workflows started before node routing, use them there.
        ...(0, node_local_1.createNodeLocalActivities)(deps),
    }, (stack) => (0, deps_1.secretBase)(deps, stack));
}
/**
 * What a node agent runs on its node's queue: only the node-local activities, with only its Engine. Their
 * stack name is checked as well (it goes into Docker filters); an agent creates no secret, so no length check.
 */
function createNodeAgentActivities(deps) {
    return wrapAll((0, node_local_1.createNodeLocalActivities)(deps));
}
//# sourceMappingURL=index.js.map