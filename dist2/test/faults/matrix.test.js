"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The crash matrix: for every fault point a fresh bootstrap reaches (`FAULTS=all`, the default), or the
 * representative subset (`FAULTS=subset`), or named points (`FAULTS=a,b`), the worker is SIGKILLed exactly
 * there, a new worker takes over, and the same workflow must complete with Vault initialized once, the
 * key in custody unsealing every node, one secret version, no key material anywhere and nothing leaked.
 * `initLeader:after-init-sent` (Vault initializing, only the init job waiting for its answer) and
 * `initLeader:after-init-before-persist` (the encrypted answer read, not yet in custody) complete too: the
 * answer waits in the init job's output for the next worker (issue 25; it was the "unclosable" window).
 */
const node_test_1 = require("node:test");
const history_1 = require("../support/history");
const catalog_1 = require("./catalog");
const crash_case_1 = require("./crash-case");
const summary_1 = require("./summary");
const cases = (0, catalog_1.selectCases)();
(0, node_test_1.describe)(`crash matrix (FAULTS=${process.env.FAULTS ?? 'all'}: ${cases.length} fault points)`, () => {
    const client = (0, history_1.testbedTemporalClient)();
    (0, summary_1.summaryAfterAll)('crash matrix');
    (0, node_test_1.it)('the catalog lists every fault point, reachable or not', () => (0, catalog_1.assertCatalogComplete)());
    for (const c of cases) {
        (0, node_test_1.it)(`SIGKILL at ${c.point} -> completes`, { timeout: 20 * 60_000 }, () => (0, crash_case_1.runCrashCase)(c, client()));
    }
});
//# sourceMappingURL=matrix.test.js.map