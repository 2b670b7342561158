"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Names built from the stack name (issue 10, item 8): validated at every entry (configuration, the client's
 * `--stack`, every activity's input), ids that name one kind and one stack, and secret names refused up front
 * when they would exceed Swarm's 64-character limit.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const activities_1 = require("../../src/activities");
const args_1 = require("../../src/client/args");
const config_1 = require("../../src/config");
const health_1 = require("../../src/shared/health");
const fakes_1 = require("../support/fakes");
const failures_1 = require("../support/failures");
(0, node_test_1.describe)('names', () => {
    (0, node_test_1.it)('health ids: no id of one stack equals or prefixes an id of another (x, watch-x, event-x, x-1)', () => {
        const stacks = ['x', 'watch-x', 'event-x', 'x-1', 'health-x'];
        const all = stacks.flatMap((stack) => Object.entries((0, health_1.healthWorkflowIds)(stack))
            .filter(([kind]) => kind !== 'scheduled')
            .map(([kind, id]) => ({ stack, kind, id })));
        // A scheduled run's id is `<scheduled>-<RFC 3339 time>` (the server appends it): no workflow of another stack.
        for (const a of stacks) {
            const run = `${(0, health_1.healthWorkflowIds)(a).scheduled}-2026-11-29T17:00:00Z`;
            for (const b of all)
                if (a !== b.stack)
                    strict_1.default.notEqual(b.id, run, `${b.kind} of ${b.stack} is a scheduled run id of ${a}`);
        }
        strict_1.default.equal((0, health_1.healthWorkflowIds)('x').watcher, 'vault-health-watch:x');
        strict_1.default.notEqual((0, health_1.healthWorkflowIds)('watch-x').scheduled, (0, health_1.healthWorkflowIds)('x').watcher);
        for (const a of all)
            for (const b of all)
                if (a.stack !== b.stack)
                    strict_1.default.notEqual(a.id, b.id, `${a.kind} of ${a.stack} vs ${b.kind} of ${b.stack}`);
    });
    (0, node_test_1.it)('an activity input with stack "../x" is refused (InvalidConfig) before anything is read', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await strict_1.default.rejects(w.run(w.acts.checkVaultHealth, { stack: '../x' }), (0, failures_1.namedFailure)('InvalidConfig', /^stack: expected a name of letters/));
        await strict_1.default.rejects(w.run(w.acts.preflight, { stack: 'a/b' }), (0, failures_1.namedFailure)('InvalidConfig'));
        await strict_1.default.rejects(w.run(w.acts.waitForVaultTaskStart, { stack: 'x:y', maxWaitSeconds: 1 }), (0, failures_1.namedFailure)('InvalidConfig'));
        // The node agent's activities check the name too; listSwarmNodes names no stack and is not refused.
        const agent = (0, activities_1.createNodeAgentActivities)({
            swarm: w.swarm,
            clock: w.clock,
            metrics: w.metrics,
            holds: w.holds,
        });
        await strict_1.default.rejects(w.run(agent.signalVaultContainer, {
            stack: '../x',
            node: 'vault-1',
            containerId: 'c',
            signal: 'SIGHUP',
        }), (0, failures_1.namedFailure)('InvalidConfig'));
        strict_1.default.ok(Array.isArray(await w.run(w.acts.listSwarmNodes)));
    });
    (0, node_test_1.it)('a stack whose secret names exceed 64 characters: NameTooLong before any secret is created', async () => {
        const stack = 's'.repeat(48); // `<stack>_vault_unseal_key_v1` is 68 characters
        const w = (0, fakes_1.fakeWorld)({ stack });
        await strict_1.default.rejects(w.run(w.acts.ensurePlaceholderSecret, w.input), (0, failures_1.namedFailure)('NameTooLong', /exceed Swarm's 64-character limit/));
        strict_1.default.deepEqual(w.swarm.secretNames(), []);
    });
    (0, node_test_1.it)('the client refuses the same names for --stack and VAULT_BOOTSTRAP_STACK', () => {
        const config = (0, config_1.loadClientConfig)({ VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key' });
        strict_1.default.throws(() => (0, args_1.resolveStack)({ name: 'status', stack: '../x' }, config), config_1.ConfigError);
        strict_1.default.throws(() => (0, args_1.resolveStack)({ name: 'status', stack: 'l'.repeat(48) }, config), /--stack: .*64-character/);
        strict_1.default.throws(() => (0, config_1.loadClientConfig)({
            VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
            VAULT_BOOTSTRAP_STACK: 'l'.repeat(48),
        }), /VAULT_BOOTSTRAP_STACK: .*64-character/);
    });
});
//# sourceMappingURL=names.test.js.map