/**
 * The Prometheus alert rules (`monitoring/prometheus/`) are valid, and their promtool unit tests pass: each
 * alert fires when it should, with its labels and annotations, and not when it should not. promtool is
 * required (`testbed/testbed.sh up` installs Debian's `prometheus` package, which has it): a missing promtool
 * fails here instead of skipping, or the rules would go untested.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { executable, REPO } from '../support/testbed';

const RULES_DIR = join(REPO, 'monitoring', 'prometheus');
const PROMTOOL = process.env.VAULT_BOOTSTRAP_PROMTOOL ?? '/usr/bin/promtool';

function promtool(args: string[]): Promise<{ code: number | string | null; output: string }> {
  assert.ok(
    executable(PROMTOOL),
    `${PROMTOOL} is missing: \`testbed/testbed.sh up\` installs it (Debian's prometheus package), ` +
      'or point VAULT_BOOTSTRAP_PROMTOOL at a promtool',
  );
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd: RULES_DIR, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal ?? null) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const { code, output } = await promtool(['check', 'rules', 'vault-bootstrap-alerts.yml']);
    assert.equal(code, 0, output);
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
