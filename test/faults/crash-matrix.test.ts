/**
 * The crash matrix: for every fault point a fresh bootstrap reaches (`FAULTS=all`, the default), or the
 * representative subset (`FAULTS=subset`), or named points (`FAULTS=a,b`), the worker is SIGKILLed exactly
 * there, a new worker takes over, and the same workflow must complete with Vault initialized once, the
 * key in custody unsealing every node, one secret version, no key material anywhere and nothing leaked.
 * `initLeader:after-init-sent` (Vault initializing, only the init job waiting for its answer) and
 * `initLeader:after-init-before-persist` (the encrypted answer read, not yet in custody) complete too: the
 * answer waits in the init job's output for the next worker (issue 25; it was the "unclosable" window).
 */
import { describe, it } from 'node:test';
import { testbedTemporalClient } from '../support/history';
import { assertCatalogComplete, selectCases } from './catalog';
import { runCrashCase } from './crash-case';
import { summaryAfterAll } from './summary';

const cases = selectCases();

describe(`crash matrix (FAULTS=${process.env.FAULTS ?? 'all'}: ${cases.length} fault points)`, () => {
  const client = testbedTemporalClient();
  summaryAfterAll('crash matrix');

  it('the catalog lists every fault point, reachable or not', () => assertCatalogComplete());

  for (const c of cases) {
    it(`SIGKILL at ${c.point} -> completes`, { timeout: 20 * 60_000 }, () => runCrashCase(c, client()));
  }
});
