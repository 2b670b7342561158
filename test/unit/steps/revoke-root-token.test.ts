/**
 * Step 9, revokeRootToken, in memory: the tool gets one token per credential under its own policy (the worker's,
 * the snapshot token, on OpenBao the root generation token), the canary's engine is mounted, the root token is
 * revoked and leaves custody; a crash at either fault point resumes without a second token or a root token left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_DEVICE, AUDIT_LOG_FILE } from '../../../src/activities/cluster/audit';
import { CANARY_MOUNT, CREDENTIALS, SNAPSHOT_POLICY } from '../../../src/activities/cluster/policies';
import { worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure } from '../../support/failures';

function workerTokens(w: World) {
  return [...w.vault.tokens.values()].filter((t) => t.meta['vault-bootstrap'] === 'worker');
}

describe('revokeRootToken', () => {
  it('issues one token per credential under its policy, mounts the canary, revokes the root token', async () => {
    const w = await worldAfter('verifyCluster');
    const root = (await w.custody.read(w.stack)).rootToken!;
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.equal(out.changed, true);
    assert.match(
      out.summary,
      /^wrote the policy vault-bootstrap-exec, wrote the token role vault-bootstrap-exec, issued the worker token \(accessor-\d+\), issued the snapshot token \(accessor-\d+\), issued the root generation token \(accessor-\d+\), mounted a KV engine at vault-bootstrap\/ for the backup canary, revoked the root token$/,
    );
    const held = await w.custody.read(w.stack);
    assert.equal(held.rootToken, undefined, 'no root token in custody');
    assert.ok(!w.vault.tokens.has(root), 'Vault revoked the root token');
    assert.deepEqual(w.vault.rootTokens(), [], 'no root token left in Vault');
    for (const c of CREDENTIALS) {
      const token = held[c.field];
      assert.ok(token, `custody holds the ${c.name}`);
      assert.deepEqual(w.vault.tokens.get(token)!.policies, [c.policy], `the ${c.name} has its policy only`);
      assert.equal(w.vault.policies.get(c.policy), c.hcl);
      assert.ok(!out.summary.includes(token));
    }
    assert.equal(w.vault.tokens.size, CREDENTIALS.length, 'nothing else');
    assert.equal(w.vault.mounts.get(CANARY_MOUNT), 'kv');
    assert.ok(!out.summary.includes(root));
  });

  it('on a server whose root generation is unauthenticated (HashiCorp Vault 1.x): no root generation token', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '1.17.6' });
    await w.run(w.acts.revokeRootToken, w.input);
    const held = await w.custody.read(w.stack);
    assert.ok(held.workerToken && held.snapshotToken);
    assert.equal(held.rootGenerationToken, undefined);
    assert.equal(w.vault.tokens.size, 2);
  });

  it('on HashiCorp Vault 2.x (sys/generate-root behind a token): the root generation token too', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '2.0.0' });
    await w.run(w.acts.revokeRootToken, w.input);
    const held = await w.custody.read(w.stack);
    assert.ok(held.workerToken && held.snapshotToken && held.rootGenerationToken);
  });

  it('a second run changes nothing, and the later steps use the worker token', async () => {
    const w = await worldAfter('revokeRootToken');
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.deepEqual(out, { changed: false, summary: 'no root token left; the tool’s tokens are valid' });
    const again = await w.run(w.acts.verifyCluster, w.input);
    assert.match(again.summary, /all unsealed/);
    assert.equal(workerTokens(w).length, 1);
  });

  it('crash after the token was made, before custody: the retry revokes that token and makes one', async () => {
    const w = await worldAfter('verifyCluster');
    w.failpoints.at.set('revokeRootToken:after-create-token', () => {
      throw new Error('worker killed');
    });
    await assert.rejects(w.run(w.acts.revokeRootToken, w.input), /worker killed/);
    assert.equal(workerTokens(w).length, 1, 'the crashed attempt left one token behind');
    w.failpoints.at.clear();
    await w.run(w.acts.revokeRootToken, w.input);
    const held = await w.custody.read(w.stack);
    assert.deepEqual(
      workerTokens(w).map((t) => t.token),
      [held.workerToken],
      'only the worker token in custody is left',
    );
    assert.deepEqual(w.vault.rootTokens(), []);
  });

  it('crash after the root token was revoked, before custody dropped it: the retry drops it', async () => {
    const w = await worldAfter('verifyCluster');
    w.failpoints.at.set('revokeRootToken:after-revoke', () => {
      throw new Error('worker killed');
    });
    await assert.rejects(w.run(w.acts.revokeRootToken, w.input), /worker killed/);
    assert.ok((await w.custody.read(w.stack)).rootToken, 'custody still lists the revoked root token');
    w.failpoints.at.clear();
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.equal(out.changed, false);
    assert.equal((await w.custody.read(w.stack)).rootToken, undefined);
  });

  it('no usable token in custody: VaultTokenUnavailable, nothing changed', async () => {
    const w = await worldAfter('revokeRootToken');
    const held = await w.custody.read(w.stack);
    w.vault.tokens.delete(held.workerToken!); // the worker token lapsed or was revoked by someone
    const before = [...w.vault.tokens.keys()];
    await assert.rejects(
      w.run(w.acts.revokeRootToken, w.input),
      namedFailure('VaultTokenUnavailable', /worker token is rejected by Vault/),
    );
    assert.deepEqual([...w.vault.tokens.keys()], before, 'no token made or revoked');
  });

  it('a cluster of an older version (no snapshot token): the bootstrap completes and says how to repair', async () => {
    const w = await worldAfter('revokeRootToken');
    const held = await w.custody.read(w.stack);
    w.vault.tokens.delete(held.snapshotToken!);
    await w.custody.setTokens(w.stack, held.keyId, { snapshotToken: undefined });
    w.vault.policies.delete(SNAPSHOT_POLICY);
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.equal(out.changed, false);
    assert.match(out.summary, /no usable snapshot token: run `vault-bootstrap credentials repair --stack /);
    assert.equal(w.vault.policies.get(SNAPSHOT_POLICY), undefined, 'no policy written');
  });
});

describe('the audit device on the logs volume (issue 29), with the root token', () => {
  const FILE = AUDIT_LOG_FILE;

  it('HashiCorp Vault: enabled through sys/audit first, once; a retry and a second run leave it', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '2.1.2' });
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.match(
      out.summary,
      new RegExp(`^enabled the audit device vault-logs/ \\(${FILE}\\), wrote the policy`),
    );
    assert.deepEqual([...w.vault.audits.values()], [AUDIT_DEVICE]);
    // A run that crashed after the device was enabled: the retry finds it and goes on.
    const again = await worldAfter('verifyCluster');
    again.vault.asServer({ product: 'vault', version: '2.1.2' });
    again.failpoints.at.set('revokeRootToken:after-create-token', () => {
      throw new Error('worker killed');
    });
    await assert.rejects(again.run(again.acts.revokeRootToken, again.input), /worker killed/);
    again.failpoints.at.clear();
    const retried = await again.run(again.acts.revokeRootToken, again.input);
    assert.doesNotMatch(retried.summary, /audit/);
    assert.equal(again.vault.audits.size, 1);
    assert.equal((await again.custody.read(again.stack)).rootToken, undefined);
  });

  it('OpenBao 2.7.2 with the overlay: the configured device counts, nothing is enabled through the API', async () => {
    const w = await worldAfter('verifyCluster');
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.doesNotMatch(out.summary, /audit/);
    assert.equal(w.vault.audits.size, 0);
  });

  it('OpenBao 2.7.2 without the overlay: said in the summary (no API can add it), the bootstrap completes', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.configuredAudits = [];
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.match(
      out.summary,
      /^no audit device writes \/vault\/logs\/audit\.log: openbao 2\.7\.2 takes audit devices only from its configuration \(deploy with docker-stack-vault\.openbao\.yml\), wrote the policy/,
    );
    assert.equal(
      (await w.custody.read(w.stack)).rootToken,
      undefined,
      'the root token is revoked all the same',
    );
  });

  it('Vault refuses the device (the logs volume read-only): AuditDeviceRefused, nothing else done, the root token kept', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '1.17.6' });
    w.vault.auditRefusal = `sanity check failed; unable to open "${FILE}" for writing: read-only file system`;
    const root = (await w.custody.read(w.stack)).rootToken!;
    await assert.rejects(
      w.run(w.acts.revokeRootToken, w.input),
      namedFailure('AuditDeviceRefused', /read-only file system.*must be writable by the server/),
    );
    assert.equal(w.vault.policies.size, 0, 'no policy written');
    assert.equal((await w.custody.read(w.stack)).rootToken, root, 'custody keeps the root token');
    assert.ok(w.vault.tokens.has(root), 'Vault keeps it: the step runs again once the volume is fixed');
    w.vault.auditRefusal = undefined;
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.match(out.summary, /^enabled the audit device/);
  });

  it("another device at the tool's path is left alone and said; an operator's own device on the file counts", async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '1.17.6' });
    w.vault.audits.set('vault-logs', {
      path: 'vault-logs',
      type: 'socket',
      options: { address: '10.0.0.9:9090' },
    });
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.match(out.summary, /^left the audit device vault-logs\/ alone: it is a socket device/);
    assert.equal(w.vault.audits.get('vault-logs')?.type, 'socket');
    const theirs = await worldAfter('verifyCluster');
    theirs.vault.asServer({ product: 'vault', version: '1.17.6' });
    theirs.vault.audits.set('ops', { path: 'ops', type: 'file', options: { file_path: FILE } });
    const done = await theirs.run(theirs.acts.revokeRootToken, theirs.input);
    assert.doesNotMatch(done.summary, /audit/);
    assert.deepEqual([...theirs.vault.audits.keys()], ['ops']);
  });

  it('a Vault cluster bootstrapped before: `credentials repair` enables it, with a generated root token', async () => {
    const w = await worldAfter('verifyCluster');
    w.vault.asServer({ product: 'vault', version: '1.17.6' });
    // As a version without the device left it: bootstrapped, no device.
    await w.run(w.acts.revokeRootToken, w.input);
    w.vault.audits.clear();
    const out = await w.run(w.acts.repairCredentials, w.input);
    assert.match(out.summary, /^enabled the audit device vault-logs\//);
    assert.deepEqual(w.vault.rootTokens(), [], 'the generated root token is revoked');
    assert.equal((await w.run(w.acts.repairCredentials, w.input)).changed, false, 'once is enough');
  });
});
