/** The e2e arrange step shared by the tests that need a bootstrapped cluster of their own. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { Client, Connection } from '@temporalio/client';
import type { TestCertificates } from './certs';
import { temporalClient } from './history';
import type { TestRun } from './testbed';

/**
 * A cluster with its own CA: the CA and `vault-1`'s certificate made in the run's folder, the run's worker
 * started with `extra`, the bootstrap run to its end; resolves with a Temporal client of the bed's server.
 */
export async function bootstrapWithOwnCa(
  run: TestRun,
  certs: TestCertificates,
  extra: Record<string, string>,
): Promise<{ client: Client; connection: Connection }> {
  await certs.createCa();
  await certs.issueServer(1);
  const temporal = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  await startAndBootstrap(run, extra);
  return temporal;
}

/**
 * The run's worker started on its own task queue with `extra`, and `bootstrap --wait` run to its end with the
 * same settings (it must exit 0); resolves with the worker, for a test that kills or replaces it.
 */
export async function startAndBootstrap(
  run: TestRun,
  extra: Record<string, string> = {},
): Promise<ChildProcess> {
  const worker = run.startWorker(extra);
  const boot = await run.client(['bootstrap', '--wait'], extra);
  assert.equal(boot.code, 0, boot.out);
  return worker;
}
