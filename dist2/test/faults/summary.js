"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.count = count;
exports.currentTally = currentTally;
exports.formatTally = formatTally;
exports.summaryAfterAll = summaryAfterAll;
/**
 * The counters every fault test feeds, and the table printed when a test file ends (an `after()` hook):
 * faults injected, runs completed, double inits, keys lost, leaks found. The hook fails the file when any
 * of the last three is not zero. One table per test file (node --test runs each file in its own process);
 * each table is also appended to `.cache/faults/summary.log` so a whole suite can be read back in one place.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const testbed_1 = require("../support/testbed");
const tally = {
    faultsInjected: 0,
    runsCompleted: 0,
    namedFailures: 0,
    doubleInits: 0,
    keysLost: 0,
    leaksFound: 0,
};
const notes = [];
function count(what, n = 1, note) {
    tally[what] += n;
    if (note !== undefined && n > 0)
        notes.push(`${what}: ${note}`);
}
function currentTally() {
    return { ...tally };
}
function formatTally(title, t = tally) {
    const rows = [
        ['faults injected', t.faultsInjected, ''],
        ['runs completed', t.runsCompleted, ''],
        ['named failures (by design)', t.namedFailures, ''],
        ['double inits', t.doubleInits, 'must be 0'],
        ['keys lost', t.keysLost, 'must be 0'],
        ['leaks found', t.leaksFound, 'must be 0'],
    ];
    const lines = [`fault-injection summary: ${title}`];
    for (const [name, n, note] of rows)
        lines.push(`  ${name.padEnd(40)} ${String(n).padStart(4)}${note ? `   (${note})` : ''}`);
    for (const n of notes)
        lines.push(`  ! ${n}`);
    return lines.join('\n');
}
/**
 * Registers the `after()` hook of a test file: prints the table, records it, and fails the file when a
 * double init, a lost key or a leak was counted.
 */
function summaryAfterAll(title) {
    (0, node_test_1.after)(() => {
        const table = formatTally(title);
        console.log(`\n${table}\n`);
        try {
            const dir = (0, node_path_1.join)(testbed_1.REPO, '.cache', 'faults');
            (0, node_fs_1.mkdirSync)(dir, { recursive: true });
            (0, node_fs_1.appendFileSync)((0, node_path_1.join)(dir, 'summary.log'), `[${new Date().toISOString()}] ${table}\n`);
        }
        catch {
            // The table is on stdout already; the log file is a convenience.
        }
        const bad = ['doubleInits', 'keysLost', 'leaksFound'].filter((k) => tally[k] !== 0);
        if (bad.length > 0) {
            throw new Error(`${title}: ${bad.map((k) => `${k}=${tally[k]}`).join(', ')} (must all be 0)`);
        }
    });
}
//# sourceMappingURL=summary.js.map