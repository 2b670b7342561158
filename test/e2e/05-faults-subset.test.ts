/**
 * The representative subset of the crash matrix (test/faults/matrix.test.ts), one fault per step at its
 * most dangerous point, run by `npm test` in CI. The full matrix is `npm run test:faults`.
 */
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { assertCatalogComplete, runCrashCase, selectCases } from '../faults/cases';
import { summaryAfterAll } from '../faults/summary';
import { temporalClient } from '../support/history';
import { testbedEnv } from '../support/testbed';

describe('crash subset: one SIGKILL per step', () => {
  let client: Client;
  let connection: Connection;
  before(async () => {
    ({ client, connection } = await temporalClient(testbedEnv().TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
  });
  after(() => connection.close());
  summaryAfterAll('crash subset');

  it('the catalog lists every fault point, reachable or not', () => assertCatalogComplete());

  for (const c of selectCases('subset')) {
    it(`SIGKILL at ${c.point} -> completes`, { timeout: 15 * 60_000 }, () => runCrashCase(c, client));
  }
});
