#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The worker image's HEALTHCHECK: exit 0 while the worker's health file (`VAULT_BOOTSTRAP_HEALTH_FILE`)
 * is fresh, 1 otherwise (Docker reads only 0 and 1), with one line saying what it found. See
 * `src/health-file.ts` for what a fresh file proves.
 */
const config_1 = require("./config");
const health_file_1 = require("./health-file");
function main() {
    let file;
    try {
        file = (0, config_1.loadHealthFile)(process.env);
    }
    catch (err) {
        console.error(`vault-bootstrap healthcheck: ${err.message}`);
        return 1;
    }
    if (file === undefined) {
        console.error('vault-bootstrap healthcheck: VAULT_BOOTSTRAP_HEALTH_FILE is not set, so the worker writes no health file');
        return 1;
    }
    const state = (0, health_file_1.checkHealthFile)(file, Date.now());
    (state.healthy ? console.log : console.error)(`vault-bootstrap healthcheck: ${state.detail}`);
    return state.healthy ? 0 : 1;
}
if (require.main === module)
    process.exitCode = main();
//# sourceMappingURL=healthcheck.js.map