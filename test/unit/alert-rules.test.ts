/**
 * The Prometheus alert rules (`monitoring/prometheus/`) are valid, and their promtool unit tests pass: each
 * alert fires when it should, with its labels and annotations, and not when it should not. promtool is
 * required (`testbed/testbed.sh up` installs Debian's `prometheus` package, which has it): a missing promtool
 * fails here instead of skipping, or the rules would go untested.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { executable, REPO } from '../support/testbed';

const RULES_DIR = join(REPO, 'monitoring', 'prometheus');
const PROMTOOL = process.env.VAULT_BOOTSTRAP_PROMTOOL ?? '/usr/bin/promtool';

type Ran = { code: number | string | null; output: string };

/**
 * Runs `file` in the rules' folder. The timeout only stops a hung promtool: the unit tests' ~20 s take over a
 * minute when the machine is loaded (load 20 seen).
 */
function run(file: string, args: string[]): Promise<Ran & { stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: RULES_DIR, timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal ?? null) : 0, output: `${stdout}${stderr}`, stdout });
    });
  });
}

/** The anchor GitHub and GitLab give a Markdown heading: lower case, spaces to dashes, punctuation dropped. */
function anchors(markdown: string): Set<string> {
  const headings = markdown.split('\n').filter((l) => /^#{1,6} /.test(l));
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

function promtool(args: string[]): Promise<Ran> {
  assert.ok(
    executable(PROMTOOL),
    `${PROMTOOL} is missing: \`testbed/testbed.sh up\` installs it (Debian's prometheus package), ` +
      'or point VAULT_BOOTSTRAP_PROMTOOL at a promtool',
  );
  return run(PROMTOOL, args);
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const { code, output } = await promtool(['check', 'rules', 'vault-bootstrap-alerts.yml']);
    assert.equal(code, 0, output);
  });

  it('the shipped prometheus.yml (the scrape job for the worker stack, the rules) passes promtool check config', async () => {
    const { code, output } = await promtool(['check', 'config', 'prometheus.yml']);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 1 rule files found/);
  });

  it('render-alerts.sh puts every runbook_url under the base URL, each naming a section of the docs, and the result passes promtool', async () => {
    const base = 'https://git.example.com/ops/vault-swarm-bootstrap/-/blob/v0.1.0/docs';
    const rendered = await run(join(RULES_DIR, 'render-alerts.sh'), [`${base}/`]);
    assert.equal(rendered.code, 0, rendered.output);
    const urls = [...rendered.stdout.matchAll(/^ *runbook_url: (\S+)$/gm)].map((m) => m[1] ?? '');
    const source = readFileSync(join(RULES_DIR, 'vault-bootstrap-alerts.yml'), 'utf8');
    assert.equal(urls.length, [...source.matchAll(/^ *- alert: /gm)].length, 'one runbook_url per alert');
    for (const url of urls) {
      const m = new RegExp(`^${base.replace(/[.]/g, '\\.')}/([\\w.-]+\\.md)#([\\w-]+)$`).exec(url);
      assert.ok(m, `${url} is under ${base}`);
      const doc = readFileSync(join(REPO, 'docs', m[1] ?? ''), 'utf8');
      assert.ok(anchors(doc).has(m[2] ?? ''), `docs/${m[1]} has a section #${m[2]}`);
    }
    // Only the runbook lines differ.
    const changed = rendered.stdout.split('\n').filter((l, i) => l !== source.split('\n')[i]);
    assert.equal(changed.length, urls.length);
    const file = join(mkdtempSync(join(tmpdir(), 'vbt-rules-')), 'rules.yml');
    writeFileSync(file, rendered.stdout);
    const checked = await promtool(['check', 'rules', file]);
    assert.equal(checked.code, 0, checked.output);
    const refused = await run(join(RULES_DIR, 'render-alerts.sh'), ['runbooks.example/docs']);
    assert.equal(refused.code, 2);
    assert.match(refused.output, /BASE_URL must be an http\(s\) URL/);
    const twice = await run(join(RULES_DIR, 'render-alerts.sh'), [base, file]);
    assert.equal(twice.code, 2);
    assert.match(twice.output, /already rendered\?/);
  });

  it('pass their promtool unit tests', async () => {
    const { code, output } = await promtool([
      'test',
      'rules',
      'vault-bootstrap-alerts.test.yml',
      // The alerts that wait hours and days, evaluated every minute (not every 10 s): its own file.
      'vault-bootstrap-alerts.days.test.yml',
    ]);
    assert.equal(code, 0, output);
  });
});
