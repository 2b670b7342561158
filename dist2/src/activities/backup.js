"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ABANDONED_PARTIAL_MS = void 0;
exports.createBackupActivities = createBackupActivities;
/**
 * The backup activities (issue 11; `docs/backups.md`): a Raft snapshot read from the active node and streamed
 * into the stack's snapshot folder with its manifest, and retention. Each is idempotent: a retried snapshot is
 * a new file (a crashed attempt leaves only a hidden partial file), and pruning deletes only what the plan
 * computed from the folder as it is now says.
 */
const activity_1 = require("@temporalio/activity");
const node_path_1 = require("node:path");
const retention_1 = require("../backup/retention");
const snapshot_meta_1 = require("../backup/snapshot-meta");
const snapshot_store_1 = require("../backup/snapshot-store");
const deps_1 = require("./deps");
const secrets_1 = require("./secrets");
const tokens_1 = require("./tokens");
/**
 * A partial file nobody has written to for this long was left by a writer that died (a snapshot being
 * written grows with every chunk, and a stall fails the read within the request timeout).
 */
exports.ABANDONED_PARTIAL_MS = 10 * 60_000;
/**
 * `source`, heartbeating as each chunk passes (a worker that dies mid-stream is noticed by its heartbeat
 * timeout), each chunk also shown to `observe`.
 */
async function* heartbeating(source, observe, afterFirst) {
    const ctx = activity_1.Context.current();
    let bytes = 0;
    for await (const chunk of source) {
        const first = bytes === 0;
        bytes += chunk.length;
        ctx.heartbeat({ bytes });
        observe(chunk);
        yield chunk;
        if (first)
            await afterFirst();
    }
}
function createBackupActivities(deps) {
    const { config, clock } = deps;
    const storeOf = (stack) => new snapshot_store_1.SnapshotStore((0, node_path_1.join)(config.backup.dir, stack));
    /**
     * Reads a Raft snapshot from the active node (a standby forwards) into the stack's folder; resolves with its manifest, which
     * names the custody record and the unseal-key secret the snapshot needs to be unsealed.
     */
    async function takeSnapshot(input) {
        const { stack } = input;
        const held = await (0, deps_1.readCustody)(deps, stack, 'no snapshot can be read');
        const token = (0, tokens_1.apiToken)(held, stack);
        const secret = await (0, secrets_1.currentUnsealSecret)(deps, stack);
        const node = await (0, tokens_1.activeNode)(deps, stack);
        const { version } = await node.sealStatus();
        const takenAt = new Date(clock.now());
        const file = snapshot_store_1.SnapshotStore.fileName(stack, takenAt);
        // Written just before the snapshot, so the snapshot holds it: the drill reads it back from the restored copy.
        const canary = { path: tokens_1.CANARY_PATH, value: file };
        await node.writeKv(token, tokens_1.CANARY_PATH, { snapshot: file, takenAt: takenAt.toISOString(), stack });
        await deps.failpoints.hit('takeSnapshot:before-read');
        const stream = await node.raftSnapshot(token);
        const meta = (0, snapshot_meta_1.snapshotMetaTap)();
        const late = async () => {
            const raft = await meta.result();
            return raft ? { raftIndex: raft.index, raftTerm: raft.term } : {};
        };
        const source = heartbeating(stream, (c) => meta.observe(c), () => deps.failpoints.hit('takeSnapshot:after-first-chunk'));
        return storeOf(stack).write(source, {
            stack,
            file,
            takenAt: takenAt.toISOString(),
            canary,
            vaultVersion: version,
            unsealKey: {
                custodyKeyId: held.keyId,
                secretName: secret?.name ?? '',
                secretVersion: secret?.version ?? 0,
            },
        }, late);
    }
    /** Applies retention to the stack's folder as it is now; resolves with what it kept (and why) and removed. */
    async function pruneSnapshots(input) {
        const store = storeOf(input.stack);
        const plan = (0, retention_1.planRetention)(snapshot_store_1.SnapshotStore.entries(await store.list()), config.backup.keep);
        for (const entry of plan.prune)
            await store.remove(entry.name);
        const abandoned = await store.removePartialsOlderThan(clock.now() - exports.ABANDONED_PARTIAL_MS);
        return {
            kept: plan.keep.map((k) => ({ file: k.entry.name, reasons: k.reasons })),
            pruned: plan.prune.map((e) => e.name),
            ...(abandoned.length ? { abandoned } : {}),
        };
    }
    return { takeSnapshot, pruneSnapshots };
}
//# sourceMappingURL=backup.js.map