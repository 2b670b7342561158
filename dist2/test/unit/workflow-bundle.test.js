"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** The worker's workflow source: the bundle `npm run build` writes, unless the compiled workflows are newer. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_test_1 = require("node:test");
const workflow_bundle_1 = require("../../src/workflow-bundle");
(0, node_test_1.describe)('workflow bundle', () => {
    (0, node_test_1.it)('after npm run build the worker loads the pre-built bundle', () => {
        strict_1.default.ok((0, node_fs_1.existsSync)(workflow_bundle_1.WORKFLOW_BUNDLE_PATH), 'npm run build wrote the bundle');
        const source = (0, workflow_bundle_1.workflowSource)();
        strict_1.default.ok('workflowBundle' in source, source.note);
        strict_1.default.equal(source.workflowBundle.codePath, workflow_bundle_1.WORKFLOW_BUNDLE_PATH);
    });
    (0, node_test_1.it)('a bundle older than the compiled workflows is not used: the worker bundles at start and says why', () => {
        const workflows = require.resolve('../../src/workflows');
        const { atime, mtime } = (0, node_fs_1.statSync)(workflows);
        const later = new Date((0, node_fs_1.statSync)(workflow_bundle_1.WORKFLOW_BUNDLE_PATH).mtimeMs + 60_000);
        (0, node_fs_1.utimesSync)(workflows, later, later);
        try {
            const source = (0, workflow_bundle_1.workflowSource)();
            strict_1.default.ok('workflowsPath' in source);
            strict_1.default.match(source.note, /older than the compiled workflows \(run npm run build\)/);
        }
        finally {
            (0, node_fs_1.utimesSync)(workflows, atime, mtime);
        }
    });
});
//# sourceMappingURL=workflow-bundle.test.js.map