"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.runToEnd = runToEnd;
/**
 * What `backup now`, `backup drill` and `restore` share once their workflow is started: without `--wait`,
 * say it runs and where to look; with it, wait for the result and print it, or print the innermost failure
 * and exit 1.
 */
const client_1 = require("@temporalio/client");
const errors_1 = require("../../shared/errors");
const format_1 = require("../format");
/** Reports the run of `handle`; resolves with the exit code: 0, or 1 when it failed. */
async function runToEnd(ctx, handle, options) {
    const link = `Temporal UI: ${(0, format_1.uiLink)(ctx.config, handle.workflowId)}`;
    if (!options.wait) {
        console.log(`${handle.workflowId} running\n${link}`);
        return 0;
    }
    let result;
    try {
        result = await handle.result();
    }
    catch (err) {
        if (!(err instanceof client_1.WorkflowFailedError))
            throw err;
        console.error(`vault-bootstrap: ${options.what} failed: ${(0, errors_1.describeFailure)(err)}\n${link}`);
        return 1;
    }
    console.log(`${options.format(result)}\n${link}`);
    return 0;
}
//# sourceMappingURL=run-to-end.js.map