"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WORKFLOW_BUNDLE_PATH = void 0;
exports.workflowSource = workflowSource;
/**
 * The workflow code as one pre-built bundle, as Temporal recommends for production: a worker that finds it
 * next to itself loads it instead of running webpack at every start (seconds of CPU and the bundler's memory,
 * which stays in the process). `npm run build` and the image build write it:
 *
 *   node dist/src/workflow-bundle.js        # writes dist/src/workflow-bundle.bundle.js
 *
 * A bundle older than the compiled workflows (someone ran `tsc` alone after a change) is not used: the worker
 * bundles at start as before and says so.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const worker_1 = require("@temporalio/worker");
exports.WORKFLOW_BUNDLE_PATH = (0, node_path_1.join)(__dirname, 'workflow-bundle.bundle.js');
const WORKFLOWS_PATH = require.resolve('./workflows');
/** The worker's workflow source: the pre-built bundle when it is current, else the workflows to bundle now. */
function workflowSource() {
    if ((0, node_fs_1.existsSync)(exports.WORKFLOW_BUNDLE_PATH)) {
        if ((0, node_fs_1.statSync)(exports.WORKFLOW_BUNDLE_PATH).mtimeMs >= (0, node_fs_1.statSync)(WORKFLOWS_PATH).mtimeMs)
            return { workflowBundle: { codePath: exports.WORKFLOW_BUNDLE_PATH }, note: 'pre-built workflow bundle' };
        return {
            workflowsPath: WORKFLOWS_PATH,
            note: `workflows bundled at start: ${exports.WORKFLOW_BUNDLE_PATH} is older than the compiled workflows (run npm run build)`,
        };
    }
    return { workflowsPath: WORKFLOWS_PATH, note: 'workflows bundled at start (no pre-built bundle)' };
}
async function main() {
    const { code } = await (0, worker_1.bundleWorkflowCode)({ workflowsPath: WORKFLOWS_PATH });
    (0, node_fs_1.writeFileSync)(exports.WORKFLOW_BUNDLE_PATH, code);
    console.log(`wrote ${exports.WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
}
if (require.main === module) {
    main().catch((err) => {
        console.error(`workflow bundle: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
//# sourceMappingURL=workflow-bundle.js.map