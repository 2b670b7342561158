/** The worker's workflow source: the bundle `npm run build` writes, unless the compiled workflows are newer. */
import assert from 'node:assert/strict';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { describe, it } from 'node:test';
import { WORKFLOW_BUNDLE_PATH, workflowSource } from '../../src/workflow-bundle';

describe('workflow bundle', () => {
  it('after npm run build the worker loads the pre-built bundle', () => {
    assert.ok(existsSync(WORKFLOW_BUNDLE_PATH), 'npm run build wrote the bundle');
    const source = workflowSource();
    assert.ok('workflowBundle' in source, source.note);
    assert.equal(source.workflowBundle.codePath, WORKFLOW_BUNDLE_PATH);
  });

  it('a bundle older than the compiled workflows is not used: the worker bundles at start and says why', () => {
    const workflows = require.resolve('../../src/workflows');
    const { atime, mtime } = statSync(workflows);
    const later = new Date(statSync(WORKFLOW_BUNDLE_PATH).mtimeMs + 60_000);
    utimesSync(workflows, later, later);
    try {
      const source = workflowSource();
      assert.ok('workflowsPath' in source);
      assert.match(source.note, /older than the compiled workflows \(run npm run build\)/);
    } finally {
      utimesSync(workflows, atime, mtime);
    }
  });
});
