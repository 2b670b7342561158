"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Vault's own task killed while it runs `sys/init` (issue 25): Raft has bootstrapped on vault-1's volume, the
 * barrier has not, and every later `sys/init` answers "cluster already has state". The retry must see that
 * nothing can be lost (vault-1 uninitialized, no peer initialized, no record, no init answer), wipe vault-1's
 * data through its own node and initialize again: the run completes with the crash matrix's end state.
 *
 * The kill is timed by vault-1's own log: the moment it writes Raft's initial configuration (which `sys/init`
 * does first, about a second before the barrier is initialized here), its container is killed.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const constants_1 = require("../../src/shared/constants");
const history_1 = require("../support/history");
const wait_1 = require("../support/wait");
const end_state_1 = require("./end-state");
const stack_state_1 = require("./stack-state");
const summary_1 = require("./summary");
/** Kills vault-1's container the moment its log shows `sys/init` creating Raft's initial configuration. */
async function killLeaderDuringInit(run) {
    const container = await (0, wait_1.eventually)(`a container for vault-1 of ${run.stack}`, 5 * 60_000, async () => (await (0, stack_state_1.containersBySlot)(run.stack)).get(1));
    const ctr = run.docker.getContainer(container);
    const logs = (await ctr.logs({ follow: true, stdout: true, stderr: true }));
    try {
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("vault-1 never logged Raft's initial configuration")), 5 * 60_000);
            logs.on('data', (chunk) => {
                if (chunk.toString('latin1').includes('storage.raft: initial configuration')) {
                    clearTimeout(timer);
                    resolve();
                }
            });
            logs.on('error', reject);
        });
        await ctr.kill();
    }
    finally {
        logs.destroy();
    }
    (0, summary_1.count)('faultsInjected');
    return { container, killedAtMs: Date.now() };
}
(0, node_test_1.describe)('a Vault task killed during sys/init', () => {
    const client = (0, history_1.testbedTemporalClient)();
    (0, summary_1.summaryAfterAll)('vault-1 killed during sys/init');
    (0, node_test_1.it)('is wiped and initialized again: the run completes with one init', { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
        run.startWorker();
        const start = await run.client(['bootstrap']);
        strict_1.default.equal(start.code, 0, start.out);
        const killed = await killLeaderDuringInit(run);
        const handle = client().workflow.getHandle((0, constants_1.bootstrapWorkflowId)(run.stack));
        const result = await handle.result();
        (0, summary_1.count)('runsCompleted');
        const init = (0, history_1.activitiesOf)(await (0, history_1.historyOf)(client(), handle.workflowId)).filter((a) => a.type === 'initLeader' && a.completedAt !== undefined);
        const summary = result.steps.find((s) => s.step === 'initLeader')?.summary ?? '';
        console.log(`killed vault-1 (${killed.container.slice(0, 12)}) during sys/init; initLeader: ${summary}`);
        strict_1.default.equal(init.length, 1, 'initLeader completed once');
        strict_1.default.match(summary, /wiped the data of vault-1/, 'the retry found the cut-short init and wiped it');
        await (0, end_state_1.assertBootstrapped)(run, client(), result);
        const now = (await (0, stack_state_1.containersBySlot)(run.stack)).get(1);
        strict_1.default.notEqual(now, killed.container, 'vault-1 runs in a new container');
    }));
});
//# sourceMappingURL=init-killed.test.js.map