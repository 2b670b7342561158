"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The worker process: it starts, connects to the real dev server, polls its task queue, and on SIGINT or
 * SIGTERM finishes and exits 0.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_test_1 = require("node:test");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
(0, node_test_1.describe)('the worker process', () => {
    const run = new testbed_1.TestRun();
    (0, node_test_1.after)(() => run.cleanup());
    for (const signal of ['SIGTERM', 'SIGINT']) {
        (0, node_test_1.it)(`polls its task queue and shuts down cleanly on ${signal}`, async () => {
            const logStart = (() => {
                try {
                    return (0, node_fs_1.readFileSync)(run.workerLog, 'utf8').length;
                }
                catch {
                    return 0;
                }
            })();
            const worker = run.startWorker();
            const exited = new Promise((r) => worker.once('exit', (code, sig) => r({ code, signal: sig })));
            const until = Date.now() + 60_000;
            while (!(0, node_fs_1.readFileSync)(run.workerLog, 'utf8').slice(logStart).includes(`polling task queue ${run.taskQueue}`)) {
                strict_1.default.ok(Date.now() < until, `the worker logs that it polls ${run.taskQueue}`);
                await (0, wait_1.sleep)(200);
            }
            const before = (0, node_fs_1.readFileSync)(run.workerLog, 'utf8').length;
            worker.kill(signal);
            strict_1.default.deepEqual(await exited, { code: 0, signal: null });
            strict_1.default.match((0, node_fs_1.readFileSync)(run.workerLog, 'utf8').slice(before), /shut down cleanly/);
        });
    }
});
//# sourceMappingURL=00-worker.test.js.map