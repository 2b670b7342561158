"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.unsealNode = unsealNode;
exports.joinNode = joinNode;
exports.proveUnsealKey = proveUnsealKey;
exports.waitActive = waitActive;
exports.forceRestore = forceRestore;
/**
 * What is done to one Vault node, shared by the bootstrap steps and the health remediation: unseal it with
 * the key from custody, join it to the leader's Raft cluster, prove the key on the leader; and by the restore
 * drill and disaster recovery: wait until it is active, restore a snapshot into it.
 */
const node_fs_1 = require("node:fs");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const deps_1 = require("./deps");
/**
 * Unseals `node` when it is sealed; returns whether it did. A key Vault refuses is a named,
 * non-retryable failure: retrying a wrong key changes nothing. `points` are hit right before and after
 * the `sys/unseal` call, so only when an unseal really happens.
 */
async function unsealNode(deps, node, key, points) {
    const before = await node.client.sealStatus();
    if (!before.sealed)
        return false;
    let after;
    try {
        if (points)
            await deps.failpoints.hit(points.before);
        after = await node.client.unseal(key.unsealKey);
        if (points)
            await deps.failpoints.hit(points.after);
    }
    catch (err) {
        if (err instanceof errors_1.VaultRequestError &&
            (err.status === 400 || err.status === 500) &&
            /key|decrypt|authentic/i.test(err.message)) {
            throw new errors_1.NonRetryableError(errors_1.ErrorType.UnsealKeyRejected, `${node.name} rejected the key in custody (record ${key.keyId}): ${err.message}. Nothing was changed.`);
        }
        throw err;
    }
    if (after.sealed) {
        // A joining peer stays sealed until it has answered the leader's Raft challenge: wait for it.
        await (0, deps_1.waitFor)(deps, `${node.name} to report sealed=false`, 60_000, async () => (await node.client.sealStatus()).sealed ? undefined : true);
    }
    return true;
}
/**
 * Joins `node` to the Raft cluster of `leader` when it is not initialized (a fresh or wiped node); returns
 * whether it did. `joined: true` is not trusted: the join counts once the node reports itself initialized.
 * `points` are hit right before and after the `sys/storage/raft/join` call.
 */
async function joinNode(deps, leader, node, points) {
    if ((await node.client.sealStatus()).initialized)
        return false;
    if (points)
        await deps.failpoints.hit(points.before);
    await node.client.raftJoin(`https://${leader.task.address}:${constants_1.VAULT_API_PORT}`, (0, deps_1.serverName)(deps, leader.slot));
    if (points)
        await deps.failpoints.hit(points.after);
    await (0, deps_1.waitFor)(deps, `${node.name} to report its join to ${leader.name}`, 60_000, async () => (await node.client.sealStatus()).initialized ? true : undefined);
    return true;
}
/**
 * Proves the custody key belongs to this cluster before it is written anywhere: a sealed leader is
 * unsealed with it (a wrong key fails by name, nothing changed). An unsealed leader cannot be asked,
 * so the key is taken as it is (the step order makes that case rare: rotation precedes the unseal).
 */
async function proveUnsealKey(deps, stack, held) {
    const leader = (0, deps_1.nodeAt)(await (0, deps_1.waitForNodes)(deps, stack, [constants_1.LEADER_SLOT]), constants_1.LEADER_SLOT);
    const points = {
        before: 'rotateUnsealKeySecret:before-prove-unseal',
        after: 'rotateUnsealKeySecret:after-prove-unseal',
    };
    await unsealNode(deps, leader, held, points);
}
/** Waits until `node` is its cluster's active node (unsealed and leading). */
async function waitActive(deps, node, deadlineMs, what = `${node.name} active`) {
    await (0, deps_1.waitFor)(deps, what, deadlineMs, async () => ((await node.client.leader()).isSelf ? true : undefined));
}
/**
 * Replaces the data of the active `node` with the snapshot in `file` (`sys/storage/raft/snapshot-force`,
 * authorized by `rootToken` of the data it replaces), waits for Vault to seal itself (the restored data opens
 * only with the snapshot's own key), unseals it with `key` and waits until it is active again.
 */
async function forceRestore(deps, node, rootToken, file, key, deadlineMs) {
    await node.client.forceRestoreSnapshot(rootToken, (0, node_fs_1.createReadStream)(file));
    await (0, deps_1.waitFor)(deps, `${node.name} sealed after the restore`, deadlineMs, async () => (await node.client.sealStatus()).sealed ? true : undefined);
    await unsealNode(deps, node, key);
    await waitActive(deps, node, deadlineMs, `${node.name} active with the restored data`);
}
//# sourceMappingURL=node-actions.js.map