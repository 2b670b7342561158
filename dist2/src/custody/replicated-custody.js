"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ReplicatedKeyCustody = void 0;
const errors_1 = require("../shared/errors");
const init_key_1 = require("./init-key");
class ReplicatedKeyCustody {
    local;
    replicas;
    constructor(local, replicas) {
        this.local = local;
        this.replicas = replicas;
    }
    // The pending init key is a record like any other here: copied to the swarm, so a worker on another node
    // can open an init answer the worker that asked for it never read.
    prepareInitKey(stack) {
        return (0, init_key_1.prepareInitKey)(this, stack);
    }
    hasInitKey(stack) {
        return (0, init_key_1.hasInitKey)(this, stack);
    }
    storeInitAnswer(stack, answer) {
        return (0, init_key_1.storeInitAnswer)(this, stack, answer);
    }
    discardInitKey(stack) {
        return (0, init_key_1.discardInitKey)(this, stack);
    }
    /**
     * Removes record `keyId` of the stack: the copies first, then the local file. A crash in between leaves the
     * local record, which the next call copies out again and a retried `remove` removes: never half a record.
     */
    async remove(stack, keyId) {
        for (const c of await this.replicas.list(stack))
            if (c.keyId === keyId)
                await this.replicas.remove(c.id);
        await this.local.remove(stack, keyId);
    }
    async assertWritable(stack) {
        await this.local.assertWritable(stack);
        await this.reconcile(stack); // the store answers, and a record the swarm holds is here before init is judged
    }
    async describe(stack) {
        await this.reconcile(stack);
        return this.local.describe(stack);
    }
    async store(stack, secrets) {
        // The local write first: it is an fsync away, and the key must be on disk before anything else happens.
        const info = await this.local.store(stack, secrets);
        await this.reconcile(stack);
        return info;
    }
    async read(stack) {
        await this.reconcile(stack);
        return this.local.read(stack);
    }
    async setTokens(stack, keyId, tokens) {
        await this.reconcile(stack); // a newer revision from another node first, or setTokens would fork it
        await this.local.setTokens(stack, keyId, tokens);
        await this.reconcile(stack);
    }
    /** Makes the local record and the copies agree on the newest revision; removes older copies. */
    async reconcile(stack) {
        const [mine, copies] = await Promise.all([this.local.exportRecord(stack), this.replicas.list(stack)]);
        const ids = new Set(copies.map((c) => c.keyId));
        if (mine)
            ids.add(mine.keyId);
        if (ids.size > 1) {
            throw new errors_1.CustodyError('CustodyCorrupt', `custody of stack ${stack} holds records of different initializations (${[...ids].join(', ')}) ` +
                `${mine ? `(record ${mine.keyId} on this node) ` : ''}in the swarm's copies and this node's folder; ` +
                'nothing was overwritten. Keep the record of the initialization Vault has and remove the other.');
        }
        const newest = newestCopy(copies);
        if (newest && (!mine || newest.seq > mine.seq)) {
            await this.local.importRecord(stack, newest.text);
        }
        else if (mine && (!newest || mine.seq > newest.seq)) {
            await this.replicas.put(stack, mine.keyId, mine.seq, mine.text);
        }
        const top = Math.max(mine?.seq ?? -1, newest?.seq ?? -1);
        for (const c of copies)
            if (c.seq < top)
                await this.replicas.remove(c.id);
    }
}
exports.ReplicatedKeyCustody = ReplicatedKeyCustody;
function newestCopy(copies) {
    return copies.reduce((a, c) => (a === undefined || c.seq > a.seq ? c : a), undefined);
}
//# sourceMappingURL=replicated-custody.js.map