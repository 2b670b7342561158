"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The representative subset of the crash matrix (test/faults/matrix.test.ts), one fault per step at its
 * most dangerous point, run by `npm test` in CI. The full matrix is `npm run test:faults`.
 */
const node_test_1 = require("node:test");
const catalog_1 = require("../faults/catalog");
const crash_case_1 = require("../faults/crash-case");
const summary_1 = require("../faults/summary");
const history_1 = require("../support/history");
(0, node_test_1.describe)('crash subset: one SIGKILL per step', () => {
    const client = (0, history_1.testbedTemporalClient)();
    (0, summary_1.summaryAfterAll)('crash subset');
    for (const c of (0, catalog_1.selectCases)('subset')) {
        (0, node_test_1.it)(`SIGKILL at ${c.point} -> completes`, { timeout: 15 * 60_000 }, () => (0, crash_case_1.runCrashCase)(c, client()));
    }
});
//# sourceMappingURL=05-faults-subset.test.js.map