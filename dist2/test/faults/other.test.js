"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Faults other than the worker's own death, each at an exact instant: the activity is paused at a fault
 * point (`<point>=pause:<file>`), the fault is injected, the activity released, and the same workflow must
 * complete with the end state of the crash matrix (one init, the custody key unsealing every node, one
 * secret version, no key material, nothing leaked).
 *
 * The Temporal dev server and dockerd are shared by everything on the machine: those two tests restart
 * them with `bash testbed/testbed.sh up`, also when they fail.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const node_util_1 = require("node:util");
const constants_1 = require("../../src/shared/constants");
const history_1 = require("../support/history");
const testbed_1 = require("../support/testbed");
const end_state_1 = require("./end-state");
const fault_control_1 = require("./fault-control");
const stack_state_1 = require("./stack-state");
const wait_1 = require("../support/wait");
const summary_1 = require("./summary");
const exec = (0, node_util_1.promisify)(node_child_process_1.execFile);
/** `bash testbed/testbed.sh up`: starts whatever of the test bed is down (dockerd, tunnel, Temporal). */
async function testbedUp() {
    const { stderr } = await exec('bash', [(0, node_path_1.join)(testbed_1.REPO, 'testbed', 'testbed.sh'), 'up'], {
        timeout: 300_000,
        maxBuffer: 4 << 20,
    });
    // Its log goes to stderr; the lines that say what had to be restarted go into the test output.
    for (const line of stderr.split('\n'))
        if (/dockerd:|tunnel:|temporal:/.test(line))
            console.log(line);
}
function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch {
        return false;
    }
}
/**
 * The dev server and dockerd serve every test on this machine: before killing one, wait (bounded) until no
 * other test stack is deployed, so a neighbour's run is not taken down with ours.
 */
async function aloneOnTestbed(run) {
    await (0, wait_1.eventually)('other test stacks to finish before a shared server is killed', 10 * 60_000, async () => {
        const stacks = (await (0, testbed_1.dockerCli)(['stack', 'ls', '--format', '{{.Name}}']))
            .split('\n')
            .map((s) => s.trim())
            .filter((s) => s.startsWith('vbt') && s !== run.stack);
        return stacks.length === 0 ? true : undefined;
    });
}
(0, node_test_1.describe)('other faults: the run completes', () => {
    const client = (0, history_1.testbedTemporalClient)();
    (0, summary_1.summaryAfterAll)('other faults');
    /** Starts a worker with `point` paused and the bootstrap, and waits until the activity is paused there. */
    async function pausedAt(run, point) {
        const pause = new fault_control_1.PausePoint(run, point);
        const worker = run.startWorker(pause.env);
        const start = await run.client(['bootstrap']);
        strict_1.default.equal(start.code, 0, start.out);
        const handle = client().workflow.getHandle((0, constants_1.bootstrapWorkflowId)(run.stack));
        await pause.reached(worker, handle);
        return { run, worker, handle, pause };
    }
    /** The run completes and the end state holds. */
    async function completes(p) {
        const result = await p.handle.result();
        (0, summary_1.count)('runsCompleted');
        await (0, end_state_1.assertBootstrapped)(p.run, client(), result);
        return result;
    }
    /** `docker kill` of the current container of `slot`; resolves with its id. */
    async function killSlot(run, slot) {
        const ctr = (await (0, stack_state_1.containersBySlot)(run.stack)).get(slot);
        strict_1.default.ok(ctr, `a running container for slot ${slot}`);
        await (0, testbed_1.dockerCli)(['kill', ctr]);
        (0, summary_1.count)('faultsInjected');
        return ctr;
    }
    for (const [point, slot, during] of [
        ['joinPeers:after-join:vault-2', 2, 'joinPeers'],
        ['unsealPeers:before-unseal:vault-3', 3, 'unsealPeers'],
    ]) {
        (0, node_test_1.it)(`a Vault task killed during ${during} (vault-${slot}, at ${point})`, { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
            const p = await pausedAt(run, point);
            const killed = await killSlot(run, slot);
            p.pause.release();
            await completes(p);
            const now = (await (0, stack_state_1.containersBySlot)(run.stack)).get(slot);
            strict_1.default.notEqual(now, killed, `vault-${slot} runs in a new container`);
        }));
    }
    (0, node_test_1.it)('the leader task killed after init, before its first unseal: completes with the same key', { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
        const p = await pausedAt(run, 'rotateUnsealKeySecret:before-prove-unseal');
        const before = await (0, stack_state_1.custodyOf)(run).custody.describe(run.stack);
        strict_1.default.ok(before, 'initLeader stored the key before the pause');
        await killSlot(run, 1);
        p.pause.release();
        const result = await completes(p);
        strict_1.default.equal(result.summary.keyId, before.keyId, 'the key from the one init unseals the new leader task');
    }));
    (0, node_test_1.it)('two bootstrap calls race for the same stack: one workflow run, one init', { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
        run.startWorker();
        run.startWorker(); // two operators, two workers on the same task queue
        const [a, b] = await Promise.all([
            run.client(['bootstrap', '--wait']),
            run.client(['bootstrap', '--wait']),
        ]);
        (0, summary_1.count)('faultsInjected');
        strict_1.default.equal(a.code, 0, a.out);
        strict_1.default.equal(b.code, 0, b.out);
        const runOf = (out) => /\(run ([0-9a-f-]+)\)/.exec(out)?.[1];
        strict_1.default.ok(runOf(a.out));
        strict_1.default.equal(runOf(a.out), runOf(b.out), 'both calls attached to the same run');
        const workflowId = (0, constants_1.bootstrapWorkflowId)(run.stack);
        strict_1.default.equal((await (0, stack_state_1.runIdsOf)(client(), workflowId)).length, 1, 'one workflow run');
        const handle = client().workflow.getHandle(workflowId);
        const result = await handle.result();
        (0, summary_1.count)('runsCompleted');
        strict_1.default.deepEqual((0, history_1.activityCounts)(await (0, history_1.historyOf)(client(), workflowId)).get('initLeader'), {
            scheduled: 1,
            completed: 1,
        });
        await (0, end_state_1.assertBootstrapped)(run, client(), result);
    }));
    (0, node_test_1.it)('the Temporal dev server SIGKILLed mid-run and restarted from its SQLite file', { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
        const pidFile = (0, node_path_1.join)((0, testbed_1.testbedEnv)().TESTBED_CACHE ?? (0, node_path_1.join)(testbed_1.REPO, '.cache'), 'temporal', 'dev.pid');
        let killed = false;
        try {
            const p = await pausedAt(run, 'rotateUnsealKeySecret:after-service-update');
            await aloneOnTestbed(run);
            const pid = Number((0, node_fs_1.readFileSync)(pidFile, 'utf8').trim());
            strict_1.default.ok(pid > 1 && alive(pid), `the dev server runs (pid file ${pidFile})`);
            process.kill(pid, 'SIGKILL');
            killed = true;
            (0, summary_1.count)('faultsInjected');
            await (0, wait_1.eventually)('the dev server to be gone', 30_000, () => Promise.resolve(alive(pid) ? undefined : true));
            // The activity finishes while no server can hear it; its result is reported or the step retried.
            p.pause.release();
            await (0, wait_1.sleep)(5_000);
            await testbedUp();
            killed = false;
            strict_1.default.ok(p.worker.exitCode === null && p.worker.signalCode === null, 'the worker outlived the server');
            await completes(p);
        }
        finally {
            if (killed)
                await testbedUp();
        }
    }));
    (0, node_test_1.it)('dockerd restarted during deployStack (tunnel back too)', { timeout: 20 * 60_000 }, () => (0, end_state_1.withTestRun)(async (run) => {
        let down = false;
        try {
            const p = await pausedAt(run, 'deployStack:after-deploy');
            await aloneOnTestbed(run);
            const { stdout } = await exec('pgrep', ['-x', 'dockerd']);
            // The host's dockerd only: the three-node bed's Engines (their sockets under /run/vbt-nN) are not
            // this test's, and may be up after test/faults/nodes.test.ts.
            const pids = stdout
                .split('\n')
                .filter((l) => /^\d+$/.test(l.trim()))
                .map(Number)
                .filter((pid) => !(0, node_fs_1.readFileSync)(`/proc/${pid}/cmdline`, 'utf8').includes('/run/vbt-'));
            strict_1.default.equal(pids.length, 1, `one host dockerd runs (${stdout.trim()})`);
            process.kill(pids[0], 'SIGKILL');
            down = true;
            (0, summary_1.count)('faultsInjected');
            await (0, wait_1.eventually)('dockerd to be gone', 30_000, () => Promise.resolve(alive(pids[0]) ? undefined : true));
            // The step goes on against a dead daemon (it fails and is retried), then dockerd comes back.
            p.pause.release();
            await (0, wait_1.sleep)(5_000);
            await testbedUp();
            down = false;
            const tunnel = await (0, testbed_1.dockerCli)([
                'inspect',
                '--format',
                '{{.State.Running}}',
                'vault-bootstrap-tunnel',
            ]);
            strict_1.default.equal(tunnel.trim(), 'true', 'the tunnel container runs again');
            await completes(p);
        }
        finally {
            if (down)
                await testbedUp();
        }
    }));
});
//# sourceMappingURL=other.test.js.map