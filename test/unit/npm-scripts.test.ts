/**
 * `npm test` names its end-to-end files one by one (e2e 11, the worker stack on three nodes, runs in
 * `test:nodes` to keep CI within its budget): every e2e file must be in one of the two, so a new one is not
 * silently left out of both.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const REPO = join(__dirname, '..', '..', '..');

void it('every test/e2e file runs in npm test or npm run test:nodes, and none in both', () => {
  const scripts = (
    JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const inScript = (name: string) => new Set(scripts[name]!.match(/dist\/test\/e2e\/[^ ]+\.test\.js/g) ?? []);
  const test = inScript('test');
  const nodes = inScript('test:nodes');
  for (const f of readdirSync(join(REPO, 'test', 'e2e')).filter((n) => n.endsWith('.test.ts'))) {
    const compiled = `dist/test/e2e/${f.replace(/\.ts$/, '.js')}`;
    assert.ok(test.has(compiled) !== nodes.has(compiled), `${f}: in exactly one of npm test and test:nodes`);
  }
});
