/**
 * Temporary folders of tests that run without a bed (unit tests, fakes): made under the system's temp folder
 * with a `vbt-<what>-` prefix, and removed, with what the test wrote into them, when the test process exits.
 * (A process killed outright leaves them: the sweep removes such folders by age, test/support/sweep.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.on('exit', () => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder `<tmp>/<prefix>XXXXXX`, removed when this process exits. */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
