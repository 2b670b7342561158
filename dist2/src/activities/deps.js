"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.STATE_POLL_MS = void 0;
exports.readCustody = readCustody;
exports.refuseWhileHeld = refuseWhileHeld;
exports.serverName = serverName;
exports.secretBase = secretBase;
exports.stackSecrets = stackSecrets;
exports.waitFor = waitFor;
exports.locateNodes = locateNodes;
exports.servingTasks = servingTasks;
exports.waitForNodes = waitForNodes;
exports.nodeAt = nodeAt;
/**
 * What every activity is given (the one seam tests swap: interfaces from src/ports only), and the small
 * helpers they share: locating the Vault nodes of a stack, waiting for a state, reading custody.
 */
const activity_1 = require("@temporalio/activity");
const config_1 = require("../config");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const wait_1 = require("./wait");
/**
 * The stack's custody record, for a step that cannot go on without it. No record is `UnsealKeyUnavailable`
 * (`without` says what cannot be done); a record that cannot be read keeps its custody error type
 * (`CustodyCorrupt`, `CustodyPermissionsTooOpen`). Both are non-retryable: a retry reads the same disk.
 */
async function readCustody(deps, stack, without) {
    try {
        return await deps.custody.read(stack);
    }
    catch (err) {
        if (err instanceof errors_1.CustodyError && err.kind === 'UnsealKeyUnavailable') {
            throw new errors_1.NonRetryableError(errors_1.ErrorType.UnsealKeyUnavailable, `custody holds no unseal key for stack ${stack}, so ${without}. Nothing was changed. ` +
                `Restore the custody record and its key file from backup, then run again.`);
        }
        throw err;
    }
}
/**
 * Refuses an automatic action on a held stack (`StackHeld`, not retried), read right before acting: a hold
 * put on after the health run's check still wins. `nothingDone` says what was not done.
 */
async function refuseWhileHeld(deps, stack, nothingDone) {
    const hold = await deps.holds.current(stack);
    if (hold)
        throw new errors_1.NonRetryableError(errors_1.ErrorType.StackHeld, `stack ${stack} is held since ${hold.since}${hold.by ? ` by ${hold.by}` : ''} (${hold.reason}): ${nothingDone}`);
}
function serverName(deps, slot) {
    return deps.config.vault.serverNameTemplate.replaceAll('{slot}', String(slot));
}
function secretBase(deps, stack) {
    return (0, config_1.unsealSecretBase)(deps.config.stack, stack);
}
/**
 * The stack's own unseal-key secrets and what the family leaves free. With the default name
 * (`vault_unseal_key`, no `{stack}`) two stacks on one swarm share the names: only the secrets labelled with
 * this stack are ever mounted, deployed with or removed; another stack's are only avoided when naming.
 */
async function stackSecrets(deps, stack) {
    const base = secretBase(deps, stack);
    const family = await deps.swarm.listSecretFamily(base);
    return {
        base,
        own: family.filter((s) => s.stack === stack),
        taken: new Set(family.map((s) => s.name)),
        nextVersion: Math.max(0, ...family.map((s) => s.version)) + 1,
    };
}
/**
 * How often a step re-reads the state it waits for. Each read is one Docker or Vault API call per node; a
 * step's wait ends at most this long after the state holds.
 */
exports.STATE_POLL_MS = 250;
/**
 * Polls `check` until it returns a value, up to `deadlineMs` (see `waitUntil`). Runs inside an activity:
 * the pause between polls ends when the activity is cancelled, and each poll heartbeats.
 */
function waitFor(deps, what, deadlineMs, check, intervalMs = exports.STATE_POLL_MS) {
    const ctx = activity_1.Context.current();
    return (0, wait_1.waitUntil)(check, {
        what,
        deadlineMs,
        intervalMs,
        clock: deps.clock,
        cancelled: ctx.cancelled,
        onPoll: () => ctx.heartbeat(),
    });
}
/**
 * The current task of each requested slot, each with an overlay address and a Vault client: `running`
 * tasks, and with `starting: true` also tasks whose container started but whose first healthcheck has not
 * passed yet. Swarm reports a task `running` only after that check (the production file checks every
 * 15 s), while Vault answers, sealed, within a second of its start: the health check and its remediation
 * talk to a restarted node at once instead of up to an interval later.
 */
async function locateNodes(deps, stack, slots, options = {}) {
    const tasks = options.tasks ?? (await deps.swarm.currentTasks((0, constants_1.serviceName)(stack)));
    const nodes = new Map();
    const usable = (state) => state === 'running' || (options.starting === true && state === 'starting');
    for (const slot of slots) {
        const task = tasks.get(slot);
        if (!task || !usable(task.state) || !task.address || !task.containerId)
            continue;
        const name = (0, constants_1.nodeName)(slot);
        const client = deps.vaultNode(name, {
            host: task.address,
            port: constants_1.VAULT_API_PORT,
            serverName: serverName(deps, slot),
        });
        nodes.set(slot, { slot, name, task, client });
    }
    return nodes;
}
/**
 * Of `tasks` (by slot), the ones that serve Vault's API: `running`, or `starting` with the API already
 * answering seal-status (see `locateNodes`: the healthcheck that makes a task `running` comes up to an
 * interval after Vault answers). `accept` narrows the tasks looked at (e.g. to those with a new secret).
 */
async function servingTasks(deps, stack, tasks, accept = () => true) {
    const nodes = await locateNodes(deps, stack, constants_1.ALL_SLOTS, { starting: true, tasks });
    const serving = await Promise.all([...nodes.values()]
        .filter((n) => accept(n.task))
        .map(async (n) => n.task.state === 'running' ||
        (await n.client.sealStatus().then(() => true, () => false))
        ? n.task
        : undefined));
    return serving.filter((t) => t !== undefined);
}
/** Waits until every requested slot has a task (running, or starting) whose API answers seal-status. */
async function waitForNodes(deps, stack, slots, deadlineMs = 180_000) {
    return waitFor(deps, `Vault API of ${slots.map(constants_1.nodeName).join(', ')} in ${(0, constants_1.serviceName)(stack)}`, deadlineMs, async () => {
        const nodes = await locateNodes(deps, stack, slots, { starting: true });
        if (nodes.size !== slots.length) {
            const missing = slots.filter((s) => !nodes.has(s)).map(constants_1.nodeName);
            throw new Error(`no running task yet for ${missing.join(', ')}`);
        }
        for (const n of nodes.values())
            await n.client.sealStatus();
        return nodes;
    });
}
/** The node of `slot` in a map from `locateNodes`/`waitForNodes` (which hold every slot they return). */
function nodeAt(nodes, slot) {
    const node = nodes.get(slot);
    if (node === undefined)
        throw new Error(`internal: no node for slot ${slot}`);
    return node;
}
//# sourceMappingURL=deps.js.map