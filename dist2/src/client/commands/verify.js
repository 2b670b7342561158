"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.verify = verify;
/**
 * `vault-bootstrap verify [--json]`: run one VerifyVaultHealth now and print its report (and, as text, the
 * run's Temporal UI link).
 */
const run_text_1 = require("../../shared/run-text");
const workflows_1 = require("../../workflows");
const format_1 = require("../format");
const spec_1 = require("./schedule/spec");
/** Runs `verify`; resolves with 0 when the verdict is `Healthy`, 1 otherwise. */
async function verify(ctx, options) {
    const { client, config, stack } = ctx;
    const workflowId = `vault-verify:${stack}:${Date.now()}`;
    const report = await client.workflow.execute(workflows_1.VerifyVaultHealth, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [(0, spec_1.healthInput)(config, stack)],
        staticSummary: (0, run_text_1.healthRunSummary)(stack, 'on demand'),
    });
    // `--json` prints the report alone (scripts parse it); the text adds the run's page.
    console.log(options.json
        ? JSON.stringify(report, null, 2)
        : `${(0, format_1.formatReport)(report)}\nTemporal UI: ${(0, format_1.uiLink)(config, workflowId)}`);
    return report.verdict === 'Healthy' ? 0 : 1;
}
//# sourceMappingURL=verify.js.map