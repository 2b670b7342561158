"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Step 4, rotateUnsealKeySecret, in memory: the custody key, proven on the sealed leader, goes into a new
 * secret version swapped in at target vault_unseal_key; versions no service uses are removed.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const constants_1 = require("../../../src/shared/constants");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
/** Leader initialized (sealed), key in custody, the placeholder mounted. */
function initialized() {
    return (0, fakes_1.worldAfter)('initLeader');
}
const unsealKey = (n) => ({
    [constants_1.LABEL_KIND]: 'unseal-key',
    [constants_1.LABEL_KEY_ID]: `key-${n}`,
    [constants_1.LABEL_VERSION]: String(n),
    [constants_1.LABEL_STACK]: 's1',
});
/** The summary's tail when the swap restarted every task at once (one node, no peer joined yet). */
const AT_ONCE = '; all tasks at once (one node, no peer joined yet)';
(0, node_test_1.describe)('rotateUnsealKeySecret', () => {
    (0, node_test_1.it)('the placeholder mounted: proves the key, creates _v1, swaps it in, removes the placeholder', async () => {
        const w = await initialized();
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        const v1 = `${w.secretBase}_v1`;
        strict_1.default.equal(out.changed, true);
        strict_1.default.equal(out.summary, `rotated to ${v1}; removed ${w.secretBase}`);
        strict_1.default.deepEqual(out.secret, { name: v1, id: out.secret.id, kind: 'unseal-key', version: 1 });
        strict_1.default.deepEqual(w.swarm.secretNames(), [v1]);
        strict_1.default.equal(w.swarm.secretValue(v1), w.vault.unsealKey, 'the secret holds the cluster key');
        strict_1.default.deepEqual(w.swarm.secretLabels(v1), { ...unsealKey(1), [constants_1.LABEL_STACK]: 's1' });
        strict_1.default.equal((await w.swarm.inspectService(w.service))?.unsealSecret?.name, v1);
        strict_1.default.deepEqual(w.vault.calls.unseal, ['vault-1'], 'the key was proven on the leader');
        strict_1.default.equal(w.vault.node(1).sealed, true, 'the swap restarted the leader: sealed again');
        strict_1.default.deepEqual(w.failpoints.hits, [
            'rotateUnsealKeySecret:before-prove-unseal',
            'rotateUnsealKeySecret:after-prove-unseal',
            'rotateUnsealKeySecret:before-create',
            'rotateUnsealKeySecret:after-create',
            'rotateUnsealKeySecret:before-service-update',
            'rotateUnsealKeySecret:after-service-update',
            'rotateUnsealKeySecret:before-remove-old',
            'rotateUnsealKeySecret:after-remove-old',
        ]);
    });
    (0, node_test_1.it)('a rollout Swarm paused (a task failed mid-update, its node lost) is resumed, and the step completes', async () => {
        const w = await initialized();
        w.swarm.pauseNextRollout(1); // slot 1 updated, then paused: slots 2 and 3 keep the placeholder
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.equal(out.summary, `rotated to ${w.secretBase}_v1; removed ${w.secretBase}`);
        strict_1.default.equal(w.swarm.resumes, 1, 'resumed once');
        const tasks = await w.swarm.currentTasks(w.service);
        strict_1.default.deepEqual([...tasks.values()].map((t) => t.secretIds.includes(out.secret.id)), [true, true, true]);
    });
    (0, node_test_1.it)('already rotated: changes nothing, proves nothing', async () => {
        const w = await initialized();
        await w.run(w.acts.rotateUnsealKeySecret, w.input);
        w.failpoints.clear();
        const unseals = w.vault.calls.unseal.length;
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.deepEqual({ changed: out.changed, summary: out.summary }, { changed: false, summary: `already on ${w.secretBase}_v1` });
        strict_1.default.deepEqual(w.failpoints.hits, []);
        strict_1.default.equal(w.vault.calls.unseal.length, unseals);
    });
    (0, node_test_1.it)('the key version made but not mounted (a crash in between): swaps it in, makes no second one', async () => {
        const w = await initialized();
        w.failpoints.at.set('rotateUnsealKeySecret:before-service-update', () => {
            throw new Error('failpoint rotateUnsealKeySecret:before-service-update injected an error');
        });
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /injected an error/);
        w.failpoints.at.clear();
        w.failpoints.clear();
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.equal(out.summary, `rotated to ${w.secretBase}_v1; removed ${w.secretBase}`);
        strict_1.default.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
        strict_1.default.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-create'));
    });
    (0, node_test_1.it)('the version name taken by a secret of another key (a race): retryable, the retry makes _v2', async () => {
        const w = await initialized();
        w.failpoints.at.set('rotateUnsealKeySecret:before-create', async () => {
            w.failpoints.at.clear();
            await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('other'), unsealKey(9));
        });
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.retryableError)(/secret s1_vault_unseal_key_v1 exists but holds another key \(key id key-9\); retrying with a new version/));
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.match(out.summary, /^rotated to s1_vault_unseal_key_v2; removed /);
        strict_1.default.equal(w.swarm.secretValue(`${w.secretBase}_v2`), w.vault.unsealKey);
    });
    (0, node_test_1.it)('the service mounts a version made for another custody record: CustodyKeyMismatch, nothing changed', async () => {
        const w = await initialized();
        await w.run(w.acts.rotateUnsealKeySecret, w.input);
        w.custody.lose(w.stack);
        w.custody.put(w.stack, { unsealKey: 'b3RoZXI=', rootToken: 'other' }); // record key-2
        const secrets = w.swarm.secretNames();
        w.failpoints.clear();
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.namedFailure)('CustodyKeyMismatch', /mounts s1_vault_unseal_key_v1, made for custody record key-1, but custody holds record key-2\. .* Nothing was changed/));
        strict_1.default.deepEqual(w.swarm.secretNames(), secrets);
        strict_1.default.deepEqual(w.failpoints.hits, []);
    });
    (0, node_test_1.it)('a custody key the sealed leader rejects: UnsealKeyRejected before any secret is made', async () => {
        const w = await initialized();
        w.custody.lose(w.stack);
        w.custody.put(w.stack, { unsealKey: 'd3Jvbmc=', rootToken: 'wrong' });
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.namedFailure)('UnsealKeyRejected', /vault-1 rejected the key in custody \(record key-2\): .* Nothing was changed/));
        strict_1.default.deepEqual(w.swarm.secretNames(), [w.secretBase]);
        strict_1.default.equal((await w.swarm.inspectService(w.service))?.unsealSecret?.name, w.secretBase);
        strict_1.default.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-create'));
    });
    (0, node_test_1.it)('a leader already unsealed cannot be asked: the key is taken as it is', async () => {
        const w = await initialized();
        w.vault.node(1).sealed = false;
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.deepEqual(w.vault.calls.unseal, []);
        strict_1.default.ok(!w.failpoints.hits.includes('rotateUnsealKeySecret:before-prove-unseal'));
    });
    (0, node_test_1.it)('no key in custody: UnsealKeyUnavailable, saying the secret cannot be written', async () => {
        const w = await initialized();
        w.custody.lose(w.stack);
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.namedFailure)('UnsealKeyUnavailable', /custody holds no unseal key for stack s1, so the unseal-key secret cannot be written/));
    });
    (0, node_test_1.it)('no service: a retryable error naming the step that must run first', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.retryableError)(/deployStack must run first/));
    });
    (0, node_test_1.it)('clean-up: removes old versions no service uses, keeps one another service still mounts', async () => {
        const w = await initialized();
        await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('old'), unsealKey(7));
        await w.swarm.createSecret(`${w.secretBase}_v2`, Buffer.from('old'), unsealKey(8));
        await w.swarm.givenService('other', `${w.secretBase}_v2`);
        const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
        strict_1.default.equal(out.summary, `rotated to ${w.secretBase}_v3; removed ${w.secretBase}, ${w.secretBase}_v1`);
        strict_1.default.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v2`, `${w.secretBase}_v3`]);
    });
    (0, node_test_1.it)('a rollout that never finishes: times out naming the secret and the count', async () => {
        const w = await initialized();
        w.failpoints.at.set('rotateUnsealKeySecret:after-service-update', () => w.swarm.setTaskState(w.service, 3, 'failed', 'task: non-zero exit (1)'));
        await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), (0, failures_1.retryableError)(/timed out after 300s waiting for s1_vault tasks to run with s1_vault_unseal_key_v1 \(last: 2\/3 tasks running/));
    });
    (0, node_test_1.describe)('how the swap rolls the tasks', () => {
        /** Leader initialized, every task on one node (the test bed's shape). */
        async function onOneNode() {
            const w = await initialized();
            w.swarm.oneNode = true;
            for (const slot of [1, 2, 3])
                w.swarm.replaceTask(w.service, slot);
            return w;
        }
        (0, node_test_1.it)("one node, no peer joined yet: every task at once, then the stack's one-at-a-time update_config is back", async () => {
            const w = await onOneNode();
            const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
            strict_1.default.ok(out.summary.endsWith(AT_ONCE), out.summary);
            strict_1.default.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 0 }]);
            strict_1.default.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 1, kept: undefined });
        });
        (0, node_test_1.it)('three nodes, no peer joined yet: one task at a time, so each restarts on the node with its volume', async () => {
            const w = await initialized();
            const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
            strict_1.default.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1 }]);
            strict_1.default.ok(!out.summary.includes('at once'), out.summary);
        });
        (0, node_test_1.it)('one node, a peer already joined (a formed cluster): one task at a time', async () => {
            const w = await onOneNode();
            w.vault.node(2).initialized = true;
            await w.run(w.acts.rotateUnsealKeySecret, w.input);
            strict_1.default.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1 }]);
        });
        (0, node_test_1.it)('one node, a peer whose answer makes no sense: one task at a time', async () => {
            const w = await onOneNode();
            w.vault.node(3).protocolError = 'not a seal status';
            await w.run(w.acts.rotateUnsealKeySecret, w.input);
            strict_1.default.deepEqual(w.swarm.rollouts, [{ service: w.service, parallelism: 1 }]);
        });
        (0, node_test_1.it)("a crash after an all-at-once swap: the retry puts the stack's update_config back", async () => {
            const w = await onOneNode();
            w.failpoints.at.set('rotateUnsealKeySecret:after-service-update', () => {
                throw new Error('failpoint rotateUnsealKeySecret:after-service-update injected an error');
            });
            await strict_1.default.rejects(w.run(w.acts.rotateUnsealKeySecret, w.input), /injected an error/);
            strict_1.default.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 0, kept: 1 });
            w.failpoints.at.clear();
            const out = await w.run(w.acts.rotateUnsealKeySecret, w.input);
            strict_1.default.equal(out.changed, true);
            strict_1.default.deepEqual(w.swarm.updateParallelism(w.service), { parallelism: 1, kept: undefined });
            strict_1.default.equal(w.swarm.rollouts.length, 1, 'the retry swaps nothing');
        });
    });
});
//# sourceMappingURL=rotate-unseal-key-secret.test.js.map