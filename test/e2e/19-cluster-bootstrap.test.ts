/**
 * The tool on the test bed's Temporal cluster (issue 26): PostgreSQL persistence, mutual TLS, the project's
 * authorizer. The worker runs with the `worker` certificate and the client with `operator`'s, as production
 * runs them; wrong TLS settings are named before or at the handshake; a process with a role that may not do
 * its job is told so (exit 2; a worker's case is in test/faults/temporal-engine.test.ts, for its minute of
 * the SDK's poll retries); break glass needs both the `break-glass` role and a pinned key.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import { EXIT } from '../../src/client/grammar';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { activityCounts, historyOf } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { clusterBed, clusterConnection, clusterEnv } from '../support/temporal-cluster';
import type { ClusterBed } from '../support/temporal-cluster';
import { TestRun } from '../support/testbed';

describe('the tool on the Temporal cluster (mTLS, roles)', () => {
  const run = new TestRun({ temporal: 'cluster' });
  let bed: ClusterBed;
  let operator: Connection;

  before(async () => {
    bed = clusterBed();
    operator = await clusterConnection(bed, 'operator');
  });
  after(async () => {
    await cleanUpLeavingNothing(run, 'the stack leaves nothing behind');
    await operator.close();
  });

  it('names bad TLS settings: an expired certificate, a CA that did not sign the server, no client certificate', async () => {
    // Found in the files before any connection: a configuration error (exit 2).
    const expired = await run.client(['status'], clusterEnv(bed, 'expired-operator'));
    assert.equal(expired.code, EXIT.usage, expired.out);
    assert.match(
      expired.out,
      /TEMPORAL_TLS_CLIENT_CERT_PATH: expected a certificate valid now \(it expired .*expired-operator\.pem/,
    );

    // The bed's Vault CA is a real CA, just not the one that signed Temporal's certificate.
    const wrongCa = { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(run.bed.VAULT_CERT_DIR ?? '', 'ca.pem') };
    // Found at the handshake: the tool could not reach Temporal through these settings (exit 5), and says why.
    const res = await run.client(['status'], wrongCa);
    assert.equal(res.code, EXIT.unreachable, res.out);
    assert.match(res.out, new RegExp(`not signed by the CA in ${wrongCa.TEMPORAL_TLS_SERVER_CA_CERT_PATH}`));

    const none = await run.client(['status'], {
      TEMPORAL_TLS_CLIENT_CERT_PATH: '',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '',
    });
    assert.equal(none.code, EXIT.unreachable, none.out);
    assert.match(none.out, /requires a client certificate|no client certificate/);
  });

  it('bootstraps with the worker and operator roles; the seed verification holds; each step once', async () => {
    run.startWorker();
    const started = Date.now();
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    console.log(`bootstrap on the cluster (mTLS): ${((Date.now() - started) / 1000).toFixed(1)}s`);
    const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    const client = new Client({ connection: operator });
    const events = await historyOf(client, bootstrapWorkflowId(run.stack));
    for (const [type, c] of activityCounts(events)) assert.deepEqual(c, { scheduled: 1, completed: 1 }, type);
    // The operator reads it back, the viewer too; the viewer may not start one.
    assert.equal((await run.client(['status'])).code, 0);
    const viewer = await run.client(['bootstrap'], clusterEnv(bed, 'viewer'));
    assert.equal(viewer.code, 2, viewer.out);
    assert.match(viewer.out, /Temporal refused the call/);
  });

  it('break glass: the operator role is refused; the break-glass role with a pinned key gets a token; an unpinned key gets none', async () => {
    const asOperator = await run.client(['root-token', '--ttl', '10s'], clusterEnv(bed, 'operator'));
    assert.equal(asOperator.code, 2, asOperator.out);
    assert.match(asOperator.out, /Temporal refused the call: .*BreakGlassRootToken/);

    const issued = await run.client(['root-token', '--ttl', '10s']);
    assert.equal(issued.code, 0, issued.out);
    assert.match(issued.stdout.trim(), /^(hvs|s)\.\S+$/);

    const other = join(run.dir, 'unpinned.key');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    writeFileSync(other, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    const unpinned = await run.client(['root-token', '--ttl', '10s'], {
      VAULT_BOOTSTRAP_BREAK_GLASS_KEY: other,
    });
    assert.equal(unpinned.code, 1, unpinned.out);
    assert.match(unpinned.out, /BreakGlassRecipientNotPinned|is not among the 1 pinned/);
  });
});
