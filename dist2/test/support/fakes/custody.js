"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FakeCustody = void 0;
/**
 * Key custody in memory, with the same error kinds as the file custody: `UnsealKeyUnavailable` for no
 * record, `CustodyCorrupt` for an existing record on store, and whatever a test breaks on purpose.
 */
const init_key_1 = require("../../../src/custody/init-key");
const errors_1 = require("../../../src/shared/errors");
class FakeCustody {
    records = new Map();
    ids = 0;
    initIds = 0;
    /** When false, `assertWritable` fails with `CustodyNotWritable`. */
    writable = true;
    /** When set, `describe` and `read` fail with this kind (a damaged or too-open record). */
    broken;
    /** The next this-many `store` calls fail like a failing disk (a plain, retryable error). */
    failingStores = 0;
    /** Every `store` call, successful or not. */
    stores = 0;
    assertWritable() {
        if (!this.writable)
            return Promise.reject(new errors_1.CustodyError('CustodyNotWritable', 'custody folder /fake is not writable: EACCES'));
        return Promise.resolve();
    }
    describe(stack) {
        return this.guard(() => {
            const r = this.records.get(stack);
            return r && { keyId: r.keyId, stack: r.stack, createdAt: r.createdAt };
        });
    }
    store(stack, secrets) {
        this.stores++;
        if (this.failingStores > 0) {
            this.failingStores--;
            return Promise.reject(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
        }
        const prior = this.records.get(stack);
        if (prior &&
            prior.unsealKey === secrets.unsealKey &&
            prior.rootToken === secrets.rootToken &&
            prior.workerToken === secrets.workerToken)
            // The same secrets stored again (a retry): the record already there, as the file custody answers.
            return Promise.resolve({ keyId: prior.keyId, stack, createdAt: prior.createdAt });
        if (prior)
            return Promise.reject(new errors_1.CustodyError('CustodyCorrupt', `custody already holds a record for ${stack}`));
        return Promise.resolve(this.put(stack, secrets));
    }
    read(stack) {
        return this.guard(() => {
            const r = this.records.get(stack);
            if (!r)
                throw new errors_1.CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`);
            return { ...r };
        });
    }
    setTokens(stack, keyId, tokens) {
        return this.guard(() => {
            const r = this.records.get(stack);
            if (!r || r.keyId !== keyId)
                throw new errors_1.CustodyError('CustodyCorrupt', `custody holds no record ${keyId} for ${stack}`);
            const next = {
                unsealKey: r.unsealKey,
                keyId: r.keyId,
                stack: r.stack,
                createdAt: r.createdAt,
            };
            if (tokens.rootToken !== undefined)
                next.rootToken = tokens.rootToken;
            if (tokens.workerToken !== undefined)
                next.workerToken = tokens.workerToken;
            this.records.set(stack, next);
        });
    }
    // The pending init key is the real module's, over this store (real OpenPGP: it is what is under test).
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
    remove(stack, keyId) {
        return this.guard(() => {
            const r = this.records.get(stack);
            if (r && r.keyId !== keyId)
                throw new errors_1.CustodyError('CustodyCorrupt', `custody holds record ${r.keyId} for ${stack}, not ${keyId}`);
            this.records.delete(stack);
        });
    }
    /** The stacks custody holds records for (pending init keys included). */
    names() {
        return [...this.records.keys()].sort();
    }
    /** Puts a record in place (as a restore from backup would); returns its info. */
    put(stack, secrets) {
        // Pending init keys are numbered apart, so a stack's records are key-1, key-2, … as tests expect.
        const keyId = stack.endsWith('.init-key') ? `init-key-${++this.initIds}` : `key-${++this.ids}`;
        const info = { keyId, stack, createdAt: new Date(0).toISOString() };
        this.records.set(stack, { ...secrets, ...info });
        return info;
    }
    /** Removes the stack's record (custody lost). */
    lose(stack) {
        this.records.delete(stack);
    }
    guard(fn) {
        const broken = this.broken;
        return Promise.resolve().then(() => {
            if (broken)
                throw new errors_1.CustodyError(broken, `custody record /fake/s.json is broken (${broken})`);
            return fn();
        });
    }
}
exports.FakeCustody = FakeCustody;
//# sourceMappingURL=custody.js.map