"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Step 3, initLeader, in memory: only an uninitialized leader is initialized, once, by an init job beside it
 * whose answer is encrypted to custody's init key; the answer reaches custody before anything else, whoever
 * crashed; a leader wedged by a cut-short init is wiped when nothing can be lost; every other state fails by
 * name and touches nothing. The end-to-end proof (real Vault, SIGKILLs) is the crash matrix in test/faults
 * (its subset runs in npm test as test/e2e/05-faults-subset) and test/faults/init-killed.test.ts.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const deps_1 = require("../../../src/activities/deps");
const init_job_1 = require("../../../src/activities/init-job");
const init_key_1 = require("../../../src/custody/init-key");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
/** A deployed stack on the placeholder: three fresh Vault nodes, empty custody. */
function deployed() {
    return (0, fakes_1.worldAfter)('deployStack');
}
/** Nothing of the init is left: no job, no pending init key; custody holds the stack's record only. */
function nothingLeft(w) {
    strict_1.default.deepEqual(w.swarm.jobNames(), [], 'no job is left');
    strict_1.default.deepEqual(w.custody.names(), [w.stack], 'custody holds the record, no init key');
}
/** Makes an attempt die at `point` as a SIGKILL would: it throws there, and nothing after it runs. */
function dieAt(w, point) {
    w.failpoints.at.set(point, () => {
        w.failpoints.at.delete(point);
        throw new Error(`killed at ${point}`);
    });
}
(0, node_test_1.describe)('initLeader', () => {
    (0, node_test_1.it)('an uninitialized leader: its init job initializes it once, the answer reaches custody, nothing is left', async () => {
        const w = await deployed();
        const out = await w.run(w.acts.initLeader, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.equal(w.vault.calls.init, 1);
        const [job] = w.swarm.jobsCreated;
        strict_1.default.equal(w.swarm.jobsCreated.length, 1);
        strict_1.default.equal(job?.name, (0, init_job_1.initJobName)(w.stack));
        strict_1.default.equal(job?.nodeId, 'node-1', "the job runs on vault-1's node");
        strict_1.default.match(job?.env.VAULT_BOOTSTRAP_INIT_KEY ?? '', /BEGIN PGP PUBLIC KEY BLOCK/);
        strict_1.default.ok(job?.command.join(' ').includes('-pgp-keys=') && job.command.join(' ').includes('-root-token-pgp-key='));
        nothingLeft(w);
        const held = await w.custody.read(w.stack);
        strict_1.default.equal(out.keyId, held.keyId);
        strict_1.default.equal(held.unsealKey, w.vault.unsealKey, 'custody holds the key Vault answered with');
        strict_1.default.ok(w.vault.rootTokens().some((t) => t.token === held.rootToken), 'custody holds the root token');
        strict_1.default.deepEqual(w.failpoints.hits, [
            'initLeader:before-init',
            'initLeader:after-init-sent',
            'initLeader:after-init-before-persist',
            'initLeader:after-persist',
        ]);
        strict_1.default.match(out.summary, /^initialized vault-1 through its init job \(answered in \d+ ms, encrypted to init key [0-9a-f]{16}\); key stored as key-\d+$/);
        strict_1.default.ok(!out.summary.includes(held.unsealKey) && !out.summary.includes(held.rootToken));
        strict_1.default.equal(w.vault.node(2).initialized, false, 'peers are not initialized');
    });
    (0, node_test_1.it)('an initialized leader with its key in custody: no init, reports the record', async () => {
        const w = await deployed();
        await w.run(w.acts.initLeader, w.input);
        const again = await w.run(w.acts.initLeader, w.input);
        strict_1.default.equal(again.changed, false);
        strict_1.default.equal(again.keyId, (await w.custody.describe(w.stack))?.keyId);
        strict_1.default.equal(again.summary, `vault-1 already initialized; key ${again.keyId} in custody`);
        strict_1.default.equal(w.vault.calls.init, 1);
    });
    (0, node_test_1.it)('an initialized leader and no key in custody: UnsealKeyUnavailable, nothing touched', async () => {
        const w = await deployed();
        await w.run(w.acts.initLeader, w.input);
        w.custody.lose(w.stack);
        const hits = w.failpoints.hits.length;
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable', /vault-1 of s1_vault is already initialized, but custody holds no key .* no init job of this tool left an answer\. Nothing was changed/));
        strict_1.default.equal(w.vault.calls.init, 1);
        strict_1.default.equal(w.failpoints.hits.length, hits);
    });
    (0, node_test_1.it)('a record in custody but an uninitialized leader: StaleCustodyRecord, no init over it', async () => {
        const w = await deployed();
        w.custody.put(w.stack, { unsealKey: 'b2xk', rootToken: 'old' });
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('StaleCustodyRecord', /custody already holds key key-1 .* Refusing to initialize over it/));
        strict_1.default.equal(w.vault.calls.init, 0);
    });
    (0, node_test_1.it)('a peer initialized while the leader is not: ForeignClusterDetected, no init', async () => {
        const w = await deployed();
        w.vault.node(3).initialized = true;
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('ForeignClusterDetected', /vault-3 is initialized while the designated leader vault-1 is not/));
        strict_1.default.equal(w.vault.calls.init, 0);
    });
    (0, node_test_1.it)('custody that cannot be written: CustodyNotWritable before sys/init', async () => {
        const w = await deployed();
        w.custody.writable = false;
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('CustodyNotWritable'));
        strict_1.default.equal(w.vault.calls.init, 0);
        strict_1.default.deepEqual(w.failpoints.hits, []);
        strict_1.default.deepEqual(w.swarm.jobsCreated, [], 'no init job');
    });
    (0, node_test_1.it)('a record custody cannot read: its custody type (CustodyCorrupt), no init', async () => {
        const w = await deployed();
        w.custody.broken = 'CustodyCorrupt';
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('CustodyCorrupt'));
        strict_1.default.equal(w.vault.calls.init, 0);
    });
    (0, node_test_1.it)('a failing disk right after sys/init: quick in-process writes (200, 400 ms apart) keep the key', async () => {
        const w = await deployed();
        // The disk fails once the init key is stored and the job sent: at the answer's store.
        w.failpoints.at.set('initLeader:after-init-sent', () => void (w.custody.failingStores = 2));
        const out = await w.run(w.acts.initLeader, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.equal(w.custody.stores, 4, 'the init key once, then the answer three times');
        strict_1.default.deepEqual(w.clock.sleeps.slice(-2), [200, 400]);
    });
    (0, node_test_1.it)('a disk that keeps failing: gives up after five writes, retryably; the retry stores the answer the job kept', async () => {
        const w = await deployed();
        w.failpoints.at.set('initLeader:after-init-sent', () => void (w.custody.failingStores = 5));
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.retryableError)(/gave up after 5 tries waiting for the key of s1 to reach custody \(last: EIO/));
        strict_1.default.deepEqual(w.clock.sleeps.slice(-4), [200, 400, 600, 800]);
        strict_1.default.deepEqual(w.swarm.jobNames(), [(0, init_job_1.initJobName)(w.stack)], 'the answer waits in the job');
        const out = await w.run(w.acts.initLeader, w.input);
        strict_1.default.equal(w.vault.calls.init, 1);
        strict_1.default.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
        strict_1.default.match(out.summary, /stored the answer of an earlier attempt's init job/);
        nothingLeft(w);
    });
    (0, node_test_1.it)('waits (heartbeating) for all three nodes to answer before it looks at the leader', async () => {
        const w = await deployed();
        w.swarm.delayTask(w.service, 2, 3);
        const env = (0, fakes_1.activityEnv)();
        let heartbeats = 0;
        env.on('heartbeat', () => heartbeats++);
        const out = await w.runIn(env, w.acts.initLeader, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.ok(heartbeats >= 3, 'one heartbeat per unsuccessful poll');
        strict_1.default.deepEqual(w.clock.sleeps.slice(0, 3), [deps_1.STATE_POLL_MS, deps_1.STATE_POLL_MS, deps_1.STATE_POLL_MS]);
    });
    (0, node_test_1.it)('the worker killed while Vault initializes: the next attempt waits for the job and stores its answer', async () => {
        const w = await deployed();
        let release = () => undefined;
        w.vault.initGate = new Promise((r) => (release = r));
        dieAt(w, 'initLeader:after-init-sent');
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), /killed at initLeader:after-init-sent/);
        await (0, failures_1.tick)();
        strict_1.default.equal(w.vault.calls.init, 1, 'Vault is inside sys/init; only the job waits for it');
        strict_1.default.equal(await w.custody.describe(w.stack), undefined);
        const retry = w.run(w.acts.initLeader, w.input);
        await (0, failures_1.tick)();
        release();
        const out = await retry;
        strict_1.default.equal(out.changed, true);
        strict_1.default.equal(w.vault.calls.init, 1, 'sys/init was sent once');
        strict_1.default.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
        nothingLeft(w);
    });
    for (const point of ['initLeader:after-init-before-persist', 'initLeader:after-persist']) {
        (0, node_test_1.it)(`the worker killed at ${point}: the retry ends with the one key in custody, one init`, async () => {
            const w = await deployed();
            dieAt(w, point);
            await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), new RegExp(`killed at ${point}`));
            const out = await w.run(w.acts.initLeader, w.input);
            strict_1.default.equal(w.vault.calls.init, 1);
            strict_1.default.equal(out.keyId, (await w.custody.describe(w.stack))?.keyId);
            strict_1.default.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
            nothingLeft(w);
        });
    }
    (0, node_test_1.it)('an init answer custody cannot open: InitAnswerUnreadable, the answer left in its job', async () => {
        const w = await deployed();
        dieAt(w, 'initLeader:after-init-before-persist');
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input));
        const pending = await w.custody.describe((0, init_key_1.initKeyName)(w.stack));
        await w.custody.remove((0, init_key_1.initKeyName)(w.stack), pending.keyId); // the init key lost
        await w.custody.prepareInitKey(w.stack); // another key in its place
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('InitAnswerUnreadable', /does not decrypt with custody's init key .* left where it is/));
        strict_1.default.deepEqual(w.swarm.jobNames(), [(0, init_job_1.initJobName)(w.stack)], 'the answer is kept');
        strict_1.default.equal(await w.custody.describe(w.stack), undefined);
    });
    (0, node_test_1.it)('a leader wedged by a cut-short init: wiped through its node, restarted, initialized once', async () => {
        const w = await deployed();
        w.vault.node(1).cutShortInit = true;
        const out = await w.run(w.acts.initLeader, w.input);
        strict_1.default.equal(w.vault.calls.init, 1);
        strict_1.default.deepEqual(w.swarm.jobsCreated.map((j) => [j.name, j.nodeId]), [
            [(0, init_job_1.initJobName)(w.stack), 'node-1'],
            [(0, init_job_1.wipeJobName)(w.stack), 'node-1'],
            [(0, init_job_1.initJobName)(w.stack), 'node-1'],
        ]);
        strict_1.default.deepEqual(w.swarm.jobsCreated[1]?.mounts, ['/vault/data']);
        strict_1.default.deepEqual(w.swarm.forcedRestarts, [w.service]);
        strict_1.default.match(out.summary, /^wiped the data of vault-1, left by an init its task's death cut short, and restarted it; initialized vault-1/);
        nothingLeft(w);
    });
    (0, node_test_1.it)('a wedged leader beside an initialized peer: ForeignClusterDetected, nothing wiped', async () => {
        const w = await deployed();
        w.vault.node(1).cutShortInit = true;
        w.vault.node(2).initialized = true;
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.namedFailure)('ForeignClusterDetected'));
        strict_1.default.deepEqual(w.swarm.jobsCreated, [], 'no job at all');
        strict_1.default.deepEqual(w.swarm.forcedRestarts, []);
    });
    (0, node_test_1.it)('a wedged leader whose wipe does not help: a retryable error, no second wipe in the attempt', async () => {
        const w = await deployed();
        w.vault.node(1).cutShortInit = true;
        w.swarm.onTaskStart(({ slot }) => {
            if (slot === 1)
                w.vault.node(1).cutShortInit = true; // the state comes back (e.g. the wrong volume wiped)
        });
        await strict_1.default.rejects(w.run(w.acts.initLeader, w.input), (0, failures_1.retryableError)(/cluster already has state/));
        strict_1.default.equal(w.swarm.jobsCreated.filter((j) => j.name === (0, init_job_1.wipeJobName)(w.stack)).length, 1);
        strict_1.default.equal(w.vault.calls.init, 0);
    });
});
//# sourceMappingURL=init-leader.test.js.map