/**
 * The representative subset of the crash matrix (test/faults/crash-matrix.test.ts), one fault per step at its
 * most dangerous point, run by `npm test` in CI. The full matrix is `npm run test:faults`.
 */
import { describe, it } from 'node:test';
import { selectCases } from '../faults/catalog';
import { runCrashCase } from '../faults/crash-case';
import { summaryAfterAll } from '../faults/summary';
import { testbedTemporalClient } from '../support/history';

describe('crash subset: one SIGKILL per step', () => {
  const client = testbedTemporalClient();
  summaryAfterAll('crash subset');

  for (const c of selectCases('subset')) {
    it(`SIGKILL at ${c.point} -> completes`, { timeout: 15 * 60_000 }, () => runCrashCase(c, client()));
  }
});
