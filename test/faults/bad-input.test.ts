/**
 * Bad input on a bootstrapped cluster: each case fails by name (the workflow's failure type, as the
 * client prints it), changes nothing, and loses nothing: afterwards the same stack bootstraps again with
 * the key it was initialized with. The placeholder secret mounted again (a redeploy with the stack file's
 * default secret name) is not a failure: a full run swaps the same key back in.
 *
 * Covered elsewhere, not repeated here: a stack file whose replica count is not 3 and the other malformed
 * configurations the worker and client refuse at start (test/e2e/04-bad-input.test.ts), no key / another
 * key in custody (test/e2e/02-bootstrap.test.ts), a Vault answering an unexpected version
 * (test/unit/vault-gateway.test.ts).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { LABEL_KIND, LABEL_STACK, LABEL_VERSION } from '../../src/shared/constants';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapVault } from '../../src/workflows';
import { temporalClient } from '../support/history';
import { snapshot } from '../support/stack-snapshot';
import { startAndBootstrap } from '../support/bootstrapped';
import { dockerCli, TestRun } from '../support/testbed';
import { assertBootstrapped, cleanupWithoutLeaks } from './end-state';
import { custodyOf } from './stack-state';
import { count, summaryAfterAll } from './summary';
import { testDir } from '../support/tmp';

/** Each case is a few bootstrap runs at most; a stuck one fails instead of hanging the suite. */
const T = { timeout: 15 * 60_000 };

function exited(worker: ChildProcess): Promise<number | null> {
  if (worker.exitCode !== null) return Promise.resolve(worker.exitCode);
  return new Promise((r) => worker.once('exit', (code) => r(code)));
}

describe('bad input: a named error, nothing changed, nothing lost', () => {
  const run = new TestRun();
  const { dir: custodyDir, keyFile, custody } = custodyOf(run);
  const record = join(custodyDir, `${run.stack}.json`);
  const service = `${run.stack}_vault`;
  let client: Client;
  let connection: Connection;
  let keyId: string;

  before(async () => {
    ({ client, connection } = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
    await startAndBootstrap(run);
    const info = await custody.describe(run.stack);
    assert.ok(info);
    keyId = info.keyId;
  });
  after(async () => {
    try {
      await cleanupWithoutLeaks(run);
    } finally {
      await connection.close();
    }
  });
  summaryAfterAll('bad input');

  /**
   * Runs `bootstrap --wait`: exit 1, `<type>: …` with `message`, and no change in Docker or custody.
   * Which step meets a bad input follows from the step order (the first step that reads it), so the step
   * is asserted only where it is the point of the case: `preflight`, which refuses before any step acts.
   */
  async function failsByName(
    type: string,
    message: RegExp,
    { step }: { step?: 'preflight' } = {},
  ): Promise<string> {
    const before = await snapshot(run, custodyDir);
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, new RegExp(`BootstrapVault failed: ${type}: `));
    assert.match(res.out, message);
    if (step) assert.match(res.out, new RegExp(`${step}\\s+failed`));
    count('namedFailures');
    assert.deepEqual(await snapshot(run, custodyDir), before, 'nothing changed in Docker or custody');
    return res.out;
  }

  /** A full run completes again, on the key the stack was initialized with. */
  async function stillBootstraps(): Promise<string> {
    const res = await run.client(['bootstrap', '--wait']);
    assert.equal(res.code, 0, res.out);
    count('runsCompleted');
    const info = await custody.describe(run.stack).catch(() => undefined);
    count(
      'keysLost',
      info?.keyId === keyId ? 0 : 1,
      `${run.stack}: custody record ${info?.keyId} after a bad input`,
    );
    assert.equal(info?.keyId, keyId, 'the same custody record');
    return res.out;
  }

  it('a custody record that is not JSON: CustodyCorrupt', T, async () => {
    const saved = readFileSync(record);
    try {
      writeFileSync(record, '{ "format": "vault-bootstrap-custody/v1", ');
      count('faultsInjected');
      await failsByName('CustodyCorrupt', /is not valid JSON/);
    } finally {
      writeFileSync(record, saved);
    }
  });

  it('a custody record that does not decrypt: CustodyCorrupt', T, async () => {
    const saved = readFileSync(record);
    try {
      const rec = JSON.parse(saved.toString('utf8')) as { ciphertext: string };
      const flip = rec.ciphertext.startsWith('A') ? 'B' : 'A';
      writeFileSync(record, JSON.stringify({ ...rec, ciphertext: flip + rec.ciphertext.slice(1) }));
      count('faultsInjected');
      await failsByName('CustodyCorrupt', /does not decrypt/);
    } finally {
      writeFileSync(record, saved);
    }
  });

  it('a custody record readable by others: CustodyPermissionsTooOpen', T, async () => {
    try {
      chmodSync(record, 0o644);
      count('faultsInjected');
      await failsByName('CustodyPermissionsTooOpen', /has mode 644/);
    } finally {
      chmodSync(record, 0o600);
    }
  });

  it('a custody key file readable by others: CustodyPermissionsTooOpen at preflight', T, async () => {
    try {
      chmodSync(keyFile, 0o640);
      count('faultsInjected');
      await failsByName('CustodyPermissionsTooOpen', /custody key file .* has mode 640/, {
        step: 'preflight',
      });
    } finally {
      chmodSync(keyFile, 0o600);
    }
    await stillBootstraps();
  });

  it('a running service scaled to 2: UnexpectedServiceShape, and back at 3 it heals', T, async () => {
    await dockerCli(['service', 'scale', '--detach=false', `${service}=2`]);
    count('faultsInjected');
    try {
      await failsByName('UnexpectedServiceShape', /runs 2 replicas, the bootstrap needs 3/);
    } finally {
      await dockerCli(['service', 'scale', '--detach=false', `${service}=3`]);
    }
    const out = await stillBootstraps(); // vault-3 came back sealed, with its Raft data
    assert.match(out, /unsealPeers\s+done\s+unsealed vault-3/);
  });

  it(
    'a cert folder without the CA: the worker refuses to start, preflight says CertificatesMissing',
    T,
    async () => {
      const certs = testDir('vbt-certs-no-ca-');
      for (const f of ['fullchain.pem', 'privkey.pem'])
        copyFileSync(join(run.bed.VAULT_CERT_DIR ?? '', f), join(certs, f));
      await run.stopWorkers();
      const refused = run.startWorker({ VAULT_CERT_DIR: certs });
      assert.equal(await exited(refused), 2);
      assert.match(
        readFileSync(run.workerLog, 'utf8'),
        /VAULT_CA_FILE: expected a PEM CA bundle file, got ".*ca\.pem"/,
      );
      count('faultsInjected');
      // The worker's own CA elsewhere, the folder Vault mounts still without it: preflight names the file.
      run.startWorker({ VAULT_CERT_DIR: certs, VAULT_CA_FILE: join(run.bed.VAULT_CERT_DIR ?? '', 'ca.pem') });
      count('faultsInjected');
      try {
        await failsByName('CertificatesMissing', /TLS file .*ca\.pem is missing/, { step: 'preflight' });
      } finally {
        await run.stopWorkers();
        run.startWorker();
      }
    },
  );

  it(
    'the placeholder mounted where the key is expected: a full run swaps the same key back in',
    T,
    async () => {
      // What a redeploy with the stack file's default secret name does: the placeholder is mounted again.
      await run.docker.createSecret({
        Name: run.secretBase,
        Labels: { [LABEL_KIND]: 'placeholder', [LABEL_VERSION]: '0', [LABEL_STACK]: run.stack },
        Data: Buffer.from('placeholder\n').toString('base64'),
      });
      await dockerCli([
        'service',
        'update',
        '--detach=false',
        '--secret-rm',
        `${run.secretBase}_v1`,
        '--secret-add',
        `source=${run.secretBase},target=vault_unseal_key`,
        service,
      ]);
      count('faultsInjected');
      // The swap restarted every task sealed; rotateUnsealKeySecret sees the placeholder mounted and the
      // key in custody, and mounts the key again (the same custody record: stillBootstraps checks it).
      const out = await stillBootstraps();
      assert.match(out, /rotateUnsealKeySecret\s+done\s+rotated to \S+_v1; removed \S+_vault_unseal_key\b/);
    },
  );

  it('after all of it: one init, the same key, one secret version, no key material anywhere', T, async () => {
    await stillBootstraps();
    const result = await client.workflow
      .getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack))
      .result();
    await assertBootstrapped(run, client, result);
  });
});
