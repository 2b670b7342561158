"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Failpoints = exports.FailpointSpecError = exports.FAILPOINTS = exports.BACKUP_FAILPOINTS = void 0;
/**
 * The fault points of the crash and fault-injection tests (docs/faults.md), driven by the environment.
 *
 * Inert unless the worker is started with `VAULT_BOOTSTRAP_FAILPOINTS=name[=action],...`: in production
 * the map of enabled points is empty and `hit` is one Map lookup. Every name must be one of `FAILPOINTS`
 * (checked when the worker starts), so a typo in a test fails loudly instead of testing nothing.
 *
 * Actions:
 * - `crash` (default): SIGKILL of the worker's own process, the way a power cut or an OOM kill ends it.
 * - `error`: throws a retryable error (the activity is retried by Temporal).
 * - `pause:<absolute file>`: writes `<file>.reached`, then blocks the activity (it keeps heartbeating)
 *   until `<file>` exists, so a test can act at that exact instant (kill a task, restart a server).
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const failpoints_1 = require("../ports/failpoints");
const errors_1 = require("../shared/errors");
const wait_1 = require("./wait");
var failpoints_2 = require("../ports/failpoints");
Object.defineProperty(exports, "BACKUP_FAILPOINTS", { enumerable: true, get: function () { return failpoints_2.BACKUP_FAILPOINTS; } });
Object.defineProperty(exports, "FAILPOINTS", { enumerable: true, get: function () { return failpoints_2.FAILPOINTS; } });
var errors_2 = require("../shared/errors");
Object.defineProperty(exports, "FailpointSpecError", { enumerable: true, get: function () { return errors_2.FailpointSpecError; } });
const KNOWN = new Set([...failpoints_1.FAILPOINTS, ...failpoints_1.BACKUP_FAILPOINTS]);
function parseAction(spec, raw) {
    if (raw === 'crash' || raw === 'error')
        return { kind: raw };
    if (raw.startsWith('pause:')) {
        const file = raw.slice('pause:'.length);
        if (!(0, node_path_1.isAbsolute)(file))
            throw new errors_1.FailpointSpecError(spec, 'a pause needs an absolute file path');
        return { kind: 'pause', file };
    }
    throw new errors_1.FailpointSpecError(spec);
}
const PAUSE_POLL_MS = 200;
/** A paused activity gives up after this long, so a test that forgot to release it cannot hang forever. */
const PAUSE_LIMIT_MS = 15 * 60_000;
class Failpoints {
    enabled = new Map();
    constructor(specs) {
        for (const spec of specs) {
            const eq = spec.indexOf('=');
            const name = eq < 0 ? spec : spec.slice(0, eq);
            const action = parseAction(spec, eq < 0 ? 'crash' : spec.slice(eq + 1));
            if (!name)
                throw new errors_1.FailpointSpecError(spec);
            if (!KNOWN.has(name)) {
                throw new errors_1.FailpointSpecError(spec, `unknown fault point ${JSON.stringify(name)} (the lists are FAILPOINTS and BACKUP_FAILPOINTS in src/ports/failpoints.ts, and docs/faults.md)`);
            }
            this.enabled.set(name, action);
        }
    }
    /** Runs the action of `name` when it is enabled; otherwise does nothing (any string: names given at run time). */
    async hit(name) {
        const action = this.enabled.get(name);
        if (action === undefined)
            return;
        switch (action.kind) {
            case 'error':
                throw new Error(`failpoint ${name} injected an error`);
            case 'crash':
                process.stderr.write(`failpoint ${name}: SIGKILL\n`);
                process.kill(process.pid, 'SIGKILL');
                return;
            case 'pause':
                return pause(name, action.file);
        }
    }
}
exports.Failpoints = Failpoints;
async function pause(name, file) {
    process.stderr.write(`failpoint ${name}: paused until ${file} exists\n`);
    (0, node_fs_1.writeFileSync)(`${file}.reached`, `${name}\n`);
    await (0, wait_1.waitUntil)(() => Promise.resolve((0, node_fs_1.existsSync)(file) ? true : undefined), {
        what: `failpoint ${name} to be released by ${file}`,
        deadlineMs: PAUSE_LIMIT_MS,
        intervalMs: PAUSE_POLL_MS,
        clock: wait_1.systemClock,
    });
    process.stderr.write(`failpoint ${name}: resumed\n`);
}
//# sourceMappingURL=failpoints.js.map