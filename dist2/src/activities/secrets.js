"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.currentUnsealSecret = currentUnsealSecret;
exports.createSecretActivities = createSecretActivities;
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const names_1 = require("../shared/names");
const deps_1 = require("./deps");
const node_actions_1 = require("./node-actions");
const PLACEHOLDER_VALUE = 'placeholder: vault-bootstrap replaces this secret with the unseal key after init\n';
function ref(s) {
    return { name: s.name, id: s.id, kind: s.kind, version: s.version };
}
/** The secret the stack should mount: the one the service uses, else the newest of the family. */
async function currentUnsealSecret(deps, stack) {
    const family = (await (0, deps_1.stackSecrets)(deps, stack)).own;
    const svc = await deps.swarm.inspectService((0, constants_1.serviceName)(stack));
    if (svc?.unsealSecret) {
        const used = family.find((s) => s.id === svc.unsealSecret?.id);
        if (used)
            return used;
    }
    return family.at(-1);
}
/**
 * Whether the swap may restart every task at once. Two things must hold:
 * - no peer has joined, which both peers say themselves (they answer, uninitialized): there is no quorum to
 *   keep and nothing on a peer to lose;
 * - every task runs on one node, so each restarts where its data is. Raft data lives in node-local volumes:
 *   on three nodes, with every task stopped at once, Swarm may start slot 1 on another node, where its
 *   volume is empty (the three-node e2e saw it: `vault-1 reports it is not initialized`). One task at a time
 *   leaves a stopped task only its own node (`max_replicas_per_node: 1`).
 * Anything else keeps the stack's own one-at-a-time rollout.
 */
async function nothingAtStake(deps, stack) {
    const tasks = await deps.swarm.currentTasks((0, constants_1.serviceName)(stack));
    const nodes = new Set([...tasks.values()].map((t) => t.nodeId));
    if (tasks.size !== constants_1.VAULT_REPLICAS || nodes.size !== 1 || nodes.has(undefined))
        return false;
    const peers = await (0, deps_1.locateNodes)(deps, stack, constants_1.PEER_SLOTS, { starting: true, tasks });
    if (peers.size !== constants_1.PEER_SLOTS.length)
        return false;
    const statuses = await Promise.all([...peers.values()].map((p) => p.client.sealStatus().catch(() => undefined)));
    return statuses.every((s) => s !== undefined && !s.initialized);
}
function isConflict(err) {
    return err.statusCode === 409;
}
function createSecretActivities(deps) {
    const { swarm } = deps;
    /** Step 1: makes sure a secret exists for the stack to mount; creates the placeholder only when none does. */
    async function ensurePlaceholderSecret(input) {
        const existing = await currentUnsealSecret(deps, input.stack);
        if (existing) {
            return {
                changed: false,
                summary: `${existing.name} (${existing.kind}) already exists`,
                secret: ref(existing),
            };
        }
        // The base name, unless another stack (sharing a name without `{stack}`) holds it: then the next version.
        const { base, taken, nextVersion } = await (0, deps_1.stackSecrets)(deps, input.stack);
        const version = taken.has(base) ? nextVersion : 0;
        const name = version === 0 ? base : `${base}_v${version}`;
        await deps.failpoints.hit('ensurePlaceholderSecret:before-create');
        try {
            await swarm.createSecret(name, Buffer.from(PLACEHOLDER_VALUE), {
                [constants_1.LABEL_KIND]: 'placeholder',
                [constants_1.LABEL_VERSION]: String(version),
                [constants_1.LABEL_STACK]: input.stack,
            });
        }
        catch (err) {
            if (!isConflict(err))
                throw err;
        }
        await deps.failpoints.hit('ensurePlaceholderSecret:after-create');
        const created = (await (0, deps_1.stackSecrets)(deps, input.stack)).own.find((s) => s.name === name);
        if (!created)
            throw new Error(`secret ${name} was taken by another stack meanwhile; retrying with a new name`);
        return { changed: true, summary: `created placeholder ${name}`, secret: ref(created) };
    }
    /**
     * Step 4: puts the real key into a new secret version, swaps it into the service at target
     * `vault_unseal_key`, waits for the rollout, then removes members no service uses any more.
     */
    async function rotateUnsealKeySecret(input) {
        const name = (0, constants_1.serviceName)(input.stack);
        const held = await (0, deps_1.readCustody)(deps, input.stack, 'the unseal-key secret cannot be written');
        const secrets = await (0, deps_1.stackSecrets)(deps, input.stack);
        const { base } = secrets;
        const svc = await swarm.inspectService(name);
        if (!svc)
            throw new Error(`service ${name} does not exist; deployStack must run first`);
        let family = secrets.own;
        const current = family.find((s) => s.id === svc.unsealSecret?.id);
        let target = family.find((s) => s.kind === 'unseal-key' && s.keyId === held.keyId);
        let changed = false;
        let allAtOnce = false;
        if (current?.kind === 'unseal-key' && current.keyId !== held.keyId) {
            throw new errors_1.NonRetryableError(errors_1.ErrorType.CustodyKeyMismatch, `${name} mounts ${current.name}, made for custody record ${String(current.keyId)}, but custody holds record ${held.keyId}. ` +
                `Custody was replaced or the cluster re-initialized elsewhere; restore the matching custody record. Nothing was changed.`);
        }
        if (!current || current.id !== target?.id) {
            // Before the key goes into a secret (and the tasks restart), prove it is this cluster's key.
            await (0, node_actions_1.proveUnsealKey)(deps, input.stack, held);
            if (!target) {
                const version = secrets.nextVersion;
                const secretName = `${base}_v${version}`;
                if (secretName.length > names_1.SECRET_NAME_MAX) {
                    throw new errors_1.NonRetryableError(errors_1.ErrorType.NameTooLong, `the next unseal-key secret ${secretName} exceeds Swarm's ${names_1.SECRET_NAME_MAX}-character limit; remove unused versions. No secret was created.`);
                }
                await deps.failpoints.hit('rotateUnsealKeySecret:before-create');
                try {
                    await swarm.createSecret(secretName, Buffer.from(held.unsealKey), {
                        [constants_1.LABEL_KIND]: 'unseal-key',
                        [constants_1.LABEL_KEY_ID]: held.keyId,
                        [constants_1.LABEL_VERSION]: String(version),
                        [constants_1.LABEL_STACK]: input.stack,
                    });
                }
                catch (err) {
                    if (!isConflict(err))
                        throw err;
                }
                await deps.failpoints.hit('rotateUnsealKeySecret:after-create');
                family = (await (0, deps_1.stackSecrets)(deps, input.stack)).own;
                target = family.find((s) => s.name === secretName);
                if (!target)
                    throw new Error(`secret ${secretName} was taken by another stack meanwhile; retrying with a new version`);
                if (target.keyId !== held.keyId) {
                    throw new Error(`secret ${secretName} exists but holds another key (key id ${String(target.keyId)}); retrying with a new version`);
                }
            }
            allAtOnce = await nothingAtStake(deps, input.stack);
            await deps.failpoints.hit('rotateUnsealKeySecret:before-service-update');
            await swarm.swapUnsealSecret(name, { id: target.id, name: target.name }, { allAtOnce });
            await deps.failpoints.hit('rotateUnsealKeySecret:after-service-update');
            changed = true;
        }
        const targetId = target.id;
        // A task that fails during the rollout (its node lost mid-rotation) makes Swarm pause it, and the tasks not
        // yet updated would keep the old secret for good: resume it, at most every 30 s (a task that keeps failing
        // pauses it again, and the wait then ends in its timeout, naming the tasks).
        let resumedAt = -Infinity;
        await (0, deps_1.waitFor)(deps, `${name} tasks to run with ${target.name}`, 300_000, async () => {
            const tasks = await swarm.currentTasks(name);
            const ready = await (0, deps_1.servingTasks)(deps, input.stack, tasks, (t) => t.secretIds.includes(targetId));
            if (ready.length === constants_1.VAULT_REPLICAS)
                return true;
            if (deps.clock.now() - resumedAt >= 30_000 && (await swarm.resumePausedUpdate(name)))
                resumedAt = deps.clock.now();
            throw new Error(`${ready.length}/${constants_1.VAULT_REPLICAS} tasks running with ${target?.name}` +
                (resumedAt > -Infinity ? ' (a paused rollout was resumed)' : ''));
        });
        // The stack's own update_config again (a no-op unless an all-at-once swap, this attempt's or an
        // interrupted one's, changed it): the next rollout, on a formed cluster, goes one task at a time.
        const restored = await swarm.restoreUpdateParallelism(name);
        const inUse = await swarm.secretsInUse();
        const removed = [];
        for (const s of (await (0, deps_1.stackSecrets)(deps, input.stack)).own) {
            if (s.id === targetId || inUse.has(s.id))
                continue;
            await deps.failpoints.hit('rotateUnsealKeySecret:before-remove-old');
            await swarm.removeSecret(s.id);
            await deps.failpoints.hit('rotateUnsealKeySecret:after-remove-old');
            removed.push(s.name);
        }
        const summary = `${changed ? 'rotated to' : 'already on'} ${target.name}` +
            (removed.length ? `; removed ${removed.join(', ')}` : '') +
            (allAtOnce ? '; all tasks at once (one node, no peer joined yet)' : '');
        return { changed: changed || restored || removed.length > 0, summary, secret: ref(target) };
    }
    return { ensurePlaceholderSecret, rotateUnsealKeySecret };
}
//# sourceMappingURL=secrets.js.map