"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Step 2, deployStack, in memory: deploys only an absent service, then waits for 3 running tasks. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const deps_1 = require("../../../src/activities/deps");
const fakes_1 = require("../../support/fakes");
const failures_1 = require("../../support/failures");
function withPlaceholder() {
    return (0, fakes_1.worldAfter)('ensurePlaceholderSecret');
}
(0, node_test_1.describe)('deployStack', () => {
    (0, node_test_1.it)('absent: deploys with the current secret, waits (heartbeating) for 3 running tasks', async () => {
        const w = await withPlaceholder();
        w.deps.config.stack.deployEnv = { VAULT_IMAGE: 'vault:test' };
        w.swarm.startingReads = 2;
        const env = (0, fakes_1.activityEnv)();
        let heartbeats = 0;
        env.on('heartbeat', () => heartbeats++);
        const out = await w.runIn(env, w.acts.deployStack, w.input);
        strict_1.default.deepEqual(out, { changed: true, summary: 'deployed s1_vault; 3 tasks running' });
        strict_1.default.equal(w.swarm.deploys.length, 1);
        strict_1.default.deepEqual(w.swarm.deploys[0]?.env, {
            VAULT_IMAGE: 'vault:test',
            VAULT_UNSEAL_KEY_SECRET: w.secretBase,
            VAULT_BOOTSTRAP_STACK_NAME: 's1',
        });
        strict_1.default.deepEqual(w.failpoints.hits, ['deployStack:before-deploy', 'deployStack:after-deploy']);
        strict_1.default.equal(heartbeats, 2);
    });
    (0, node_test_1.it)('absent, with a per-stack folder root (test bed): makes the per-slot folders first', async () => {
        const w = await withPlaceholder();
        const root = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-stacks-'));
        w.deps.config.stack.stackDirRoot = root;
        await w.run(w.acts.deployStack, w.input);
        strict_1.default.equal(w.swarm.deploys[0]?.env.TESTBED_STACK_DIR, (0, node_path_1.join)(root, 's1'));
        for (const slot of [1, 2, 3])
            strict_1.default.ok((0, node_fs_1.existsSync)((0, node_path_1.join)(root, 's1', `vault-${slot}`, 'data')));
    });
    (0, node_test_1.it)('absent and no secret yet: a retryable error naming the step that must run first', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await strict_1.default.rejects(w.run(w.acts.deployStack, w.input), (0, failures_1.retryableError)(/ensurePlaceholderSecret must run first/));
        strict_1.default.deepEqual(w.swarm.deploys, []);
    });
    (0, node_test_1.it)('running with 3 tasks: never redeploys', async () => {
        const w = await withPlaceholder();
        await w.run(w.acts.deployStack, w.input);
        const out = await w.run(w.acts.deployStack, w.input);
        strict_1.default.deepEqual(out, { changed: false, summary: 'already deployed s1_vault; 3 tasks running' });
        strict_1.default.equal(w.swarm.deploys.length, 1);
    });
    (0, node_test_1.it)('a service of the wrong shape: UnexpectedServiceShape, nothing redeployed', async () => {
        const w = await withPlaceholder();
        await w.swarm.givenService(w.stack, w.secretBase, 2);
        await strict_1.default.rejects(w.run(w.acts.deployStack, w.input), (0, failures_1.namedFailure)('UnexpectedServiceShape', /runs 2 replicas, the bootstrap needs 3/));
        strict_1.default.deepEqual(w.swarm.deploys, []);
    });
    (0, node_test_1.it)('a task whose Vault answers before its first healthcheck counts at once: no wait for the check', async () => {
        const w = await withPlaceholder();
        await w.run(w.acts.deployStack, w.input);
        w.swarm.awaitHealthcheck(w.service, 2);
        const out = await w.run(w.acts.deployStack, w.input);
        strict_1.default.equal(out.summary, 'already deployed s1_vault; 3 tasks running');
        strict_1.default.deepEqual(w.clock.sleeps, [], 'no poll waited');
    });
    (0, node_test_1.it)('cancelled while it waits for the tasks: ends at once with a CancelledFailure', async () => {
        const w = await withPlaceholder();
        await w.run(w.acts.deployStack, w.input);
        w.swarm.delayTask(w.service, 3, Number.MAX_SAFE_INTEGER);
        w.clock.mode = 'manual';
        const env = (0, fakes_1.activityEnv)();
        const waiting = w.runIn(env, w.acts.deployStack, w.input);
        for (let i = 0; i < 20 && w.clock.sleeps.length === 0; i++)
            await (0, failures_1.tick)();
        strict_1.default.deepEqual(w.clock.sleeps, [deps_1.STATE_POLL_MS], 'waiting between two polls');
        env.cancel();
        await strict_1.default.rejects(waiting, (err) => err instanceof common_1.CancelledFailure);
    });
    (0, node_test_1.it)('a task that cannot start: times out naming it', async () => {
        const w = await withPlaceholder();
        await w.run(w.acts.deployStack, w.input);
        w.swarm.setTaskState(w.service, 2, 'rejected', 'No such image: vault:missing');
        await strict_1.default.rejects(w.run(w.acts.deployStack, w.input), (0, failures_1.retryableError)(/timed out after 300s waiting for 3 running tasks of s1_vault \(last: 2\/3 running; slot 2: rejected: No such image: vault:missing\)/));
    });
});
//# sourceMappingURL=deploy-stack.test.js.map