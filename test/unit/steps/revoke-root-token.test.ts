/**
 * Step 9, revokeRootToken, in memory: the worker gets its own token under its policy, the root token is revoked
 * and leaves custody; a crash at either fault point resumes without a second worker token or a root token left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORKER_POLICY, WORKER_POLICY_HCL } from '../../../src/activities/cluster/policies';
import { worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure } from '../../support/failures';

function workerTokens(w: World) {
  return [...w.vault.tokens.values()].filter((t) => t.meta['vault-bootstrap'] === 'worker');
}

describe('revokeRootToken', () => {
  it('issues the worker token, revokes the root token, keeps only the worker token in custody', async () => {
    const w = await worldAfter('verifyCluster');
    const root = (await w.custody.read(w.stack)).rootToken!;
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.equal(out.changed, true);
    assert.match(out.summary, /^issued the worker token \(accessor-\d+\), revoked the root token$/);
    const held = await w.custody.read(w.stack);
    assert.equal(held.rootToken, undefined, 'no root token in custody');
    assert.ok(held.workerToken);
    assert.ok(!w.vault.tokens.has(root), 'Vault revoked the root token');
    assert.deepEqual(w.vault.rootTokens(), [], 'no root token left in Vault');
    const worker = w.vault.tokens.get(held.workerToken)!;
    assert.deepEqual(worker.policies, [WORKER_POLICY]);
    assert.equal(w.vault.policies.get(WORKER_POLICY), WORKER_POLICY_HCL);
    assert.ok(!out.summary.includes(held.workerToken) && !out.summary.includes(root));
  });

  it('a second run changes nothing, and the later steps use the worker token', async () => {
    const w = await worldAfter('revokeRootToken');
    const out = await w.run(w.acts.revokeRootToken, w.input);
    assert.deepEqual(out, { changed: false, summary: 'no root token left; the worker token is valid' });
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
    await assert.rejects(
      w.run(w.acts.revokeRootToken, w.input),
      namedFailure('VaultTokenUnavailable', /worker token is rejected by Vault/),
    );
    assert.equal(w.vault.tokens.size, 0);
  });
});
