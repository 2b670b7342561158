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
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { messageOf } from './shared/errors';

export const WORKFLOW_BUNDLE_PATH = join(__dirname, 'workflow-bundle.bundle.js');
const WORKFLOWS_PATH = require.resolve('./workflows');

/** The worker's workflow source: the pre-built bundle when it is current, else the workflows to bundle now. */
export function workflowSource():
  { workflowBundle: { codePath: string }; note: string } | { workflowsPath: string; note: string } {
  if (existsSync(WORKFLOW_BUNDLE_PATH)) {
    if (statSync(WORKFLOW_BUNDLE_PATH).mtimeMs >= statSync(WORKFLOWS_PATH).mtimeMs)
      return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH }, note: 'pre-built workflow bundle' };
    return {
      workflowsPath: WORKFLOWS_PATH,
      note: `workflows bundled at start: ${WORKFLOW_BUNDLE_PATH} is older than the compiled workflows (run npm run build)`,
    };
  }
  return { workflowsPath: WORKFLOWS_PATH, note: 'workflows bundled at start (no pre-built bundle)' };
}

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  console.log(`wrote ${WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`workflow bundle: ${messageOf(err)}`);
    process.exit(1);
  });
}
