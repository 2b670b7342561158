"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The fault points themselves (no Docker, no Temporal): the list is complete, the worker's parser refuses
 * unknown names and bad actions, the actions do what docs/faults.md says, and the size of the one window
 * no retry can close (sys/init answered -> custody record on disk) on this machine's disk.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const failpoints_1 = require("../../src/activities/failpoints");
const file_custody_1 = require("../../src/custody/file-custody");
const catalog_1 = require("./catalog");
(0, node_test_1.describe)('fault point catalog', () => {
    (0, node_test_1.it)('every fault point is in the matrix or listed as unreachable, and the subset has one per step', () => {
        (0, catalog_1.assertCatalogComplete)();
        strict_1.default.equal(catalog_1.FAULT_CASES.length + Object.keys(catalog_1.UNREACHABLE).length, failpoints_1.FAILPOINTS.length);
        strict_1.default.equal(new Set(failpoints_1.FAILPOINTS).size, failpoints_1.FAILPOINTS.length, 'no duplicate names');
        for (const p of failpoints_1.FAILPOINTS)
            strict_1.default.match(p, /^[a-zA-Z]+:(before|after)-[a-z-]+(:vault-\d)?$/, p);
    });
    (0, node_test_1.it)('FAULTS selects all, the subset, or named points, and refuses the rest', () => {
        strict_1.default.equal((0, catalog_1.selectCases)('all').length, catalog_1.FAULT_CASES.length);
        strict_1.default.deepEqual((0, catalog_1.selectCases)('subset').map((c) => c.point), [...catalog_1.SUBSET]);
        strict_1.default.deepEqual((0, catalog_1.selectCases)('deployStack:after-deploy').map((c) => c.step), ['deployStack']);
        strict_1.default.throws(() => (0, catalog_1.selectCases)('deployStack:after-deplyo'), /not a fault point/);
        strict_1.default.throws(() => (0, catalog_1.selectCases)('unsealPeers:before-join:vault-2'), /not reachable in a fresh run/);
    });
});
(0, node_test_1.describe)('Failpoints', () => {
    (0, node_test_1.it)('accepts every listed name with every action', () => {
        for (const p of failpoints_1.FAILPOINTS) {
            new failpoints_1.Failpoints([p, `${p}=crash`]);
            new failpoints_1.Failpoints([`${p}=error`]);
            new failpoints_1.Failpoints([`${p}=pause:/tmp/x`]);
        }
    });
    (0, node_test_1.it)('refuses an unknown name at start, so a typo cannot silently test nothing', () => {
        strict_1.default.throws(() => new failpoints_1.Failpoints(['initLeader:after-persit']), (err) => {
            strict_1.default.ok(err instanceof failpoints_1.FailpointSpecError);
            strict_1.default.match(err.message, /VAULT_BOOTSTRAP_FAILPOINTS: unknown fault point "initLeader:after-persit"/);
            return true;
        });
        strict_1.default.throws(() => new failpoints_1.Failpoints(['=crash']), failpoints_1.FailpointSpecError);
    });
    (0, node_test_1.it)('refuses a bad action or a relative pause file', () => {
        strict_1.default.throws(() => new failpoints_1.Failpoints(['initLeader:before-init=explode']), /VAULT_BOOTSTRAP_FAILPOINTS: expected name\[=crash\|error\]/);
        strict_1.default.throws(() => new failpoints_1.Failpoints(['initLeader:before-init=pause:rel/file']), /absolute file path/);
    });
    (0, node_test_1.it)('is inert unless enabled; error throws', async () => {
        const fp = new failpoints_1.Failpoints(['initLeader:before-init=error']);
        await fp.hit('initLeader:after-persist');
        await fp.hit('no-such-point'); // a name in code that is not enabled costs one Map lookup
        await strict_1.default.rejects(fp.hit('initLeader:before-init'), /failpoint initLeader:before-init injected an error/);
    });
    (0, node_test_1.it)('pause blocks until the release file exists, and says when it is reached', async () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-pause-'));
        const file = (0, node_path_1.join)(dir, 'go');
        const fp = new failpoints_1.Failpoints([`joinPeers:after-join:vault-2=pause:${file}`]);
        let done = false;
        const paused = fp.hit('joinPeers:after-join:vault-2').then(() => (done = true));
        await new Promise((r) => setTimeout(r, 500));
        strict_1.default.ok((0, node_fs_1.existsSync)(`${file}.reached`), 'the .reached marker is written');
        strict_1.default.equal(done, false, 'still paused');
        (0, node_fs_1.writeFileSync)(file, '');
        await paused;
        strict_1.default.equal(done, true);
    });
});
(0, node_test_1.describe)('the unclosable window', () => {
    (0, node_test_1.it)('is one record write + 2 fsyncs on this disk (measured, printed for docs/faults.md)', async () => {
        const base = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-window-'));
        const custody = new file_custody_1.FileKeyCustody({ dir: (0, node_path_1.join)(base, 'c'), keyFile: (0, node_path_1.join)(base, 'k') });
        await custody.assertWritable('warm'); // the key file exists before sys/init, as in initLeader
        const times = [];
        for (let i = 0; i < 20; i++) {
            const t0 = process.hrtime.bigint();
            await custody.store(`s${i}`, { unsealKey: 'a2V5', rootToken: 't' });
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        times.sort((a, b) => a - b);
        const p = (q) => times[Math.floor(q * (times.length - 1))].toFixed(1);
        console.log(`custody.store (the sys/init -> disk window): median ${p(0.5)} ms, max ${p(1)} ms over 20 writes`);
        strict_1.default.ok(times.length === 20);
    });
});
//# sourceMappingURL=catalog.test.js.map