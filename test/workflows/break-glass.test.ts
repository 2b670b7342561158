/**
 * `BreakGlassRootToken` on the time-skipping test server with stubbed activities: the token is issued, the
 * query hands the sealed token out, and the revocation runs when the TTL's durable timer fires (skipped, not
 * waited for) or at once on `revokeNow`; a failing revocation is retried until it succeeds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BreakGlassRootToken, breakGlassQuery, revokeNowSignal } from '../../src/workflows';
import type { BreakGlassInput } from '../../src/shared/types';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

void describe('BreakGlassRootToken on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();
  const input = (id: string, ttlSeconds: number): BreakGlassInput => ({
    stack: `st${id}`,
    ttlSeconds,
    recipientPublicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    requester: 'op@host',
  });

  void it('issues, then revokes when the TTL is over (a durable timer: one hour, skipped)', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(BreakGlassRootToken, {
        taskQueue,
        workflowId: `wf-test-bg-${id}`,
        args: [input(id, 3600)],
      });
      const started = await testEnv().env.currentTimeMs();
      const out = await handle.result();
      assert.deepEqual(calls, ['issueBreakGlassToken', 'revokeBreakGlassToken']);
      assert.deepEqual(out, { accessor: `bg-st${id}`, revoked: true, alreadyGone: false });
      const elapsed = (await testEnv().env.currentTimeMs()) - started;
      assert.ok(elapsed >= 3600_000, `revoked after the TTL (${elapsed} ms of workflow time)`);
      const state = await handle.query(breakGlassQuery);
      assert.equal(state.status, 'revoked');
      assert.equal(state.issued?.sealedToken, 'c2VhbGVk');
    });
  });

  void it('revokeNow revokes before the TTL; a failing revocation is retried', async () => {
    let failures = 2;
    const { activities, calls } = stubActivities();
    const revokeOnce = activities.revokeBreakGlassToken;
    activities.revokeBreakGlassToken = async (i) => {
      if (failures-- > 0) throw new Error('Vault unreachable');
      return revokeOnce(i);
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(BreakGlassRootToken, {
        taskQueue,
        workflowId: `wf-test-bg-now-${id}`,
        args: [input(id, 24 * 3600)],
      });
      // Without skipping: the query is answered while the workflow waits on its timer.
      await testEnv().env.sleep(1);
      let state = await handle.query(breakGlassQuery);
      for (let i = 0; state.status !== 'issued' && i < 50; i++) state = await handle.query(breakGlassQuery);
      assert.equal(state.status, 'issued');
      assert.ok(state.revokeAt);
      await handle.signal(revokeNowSignal);
      const out = await handle.result();
      assert.equal(out.revoked, true);
      assert.deepEqual(calls, ['issueBreakGlassToken', 'revokeBreakGlassToken']);
      assert.equal(failures, -1, 'the revocation was attempted three times');
    });
  });

  for (const [what, bad] of [
    ['a negative TTL', { ttlSeconds: -5 }],
    ['a TTL that is not a number', { ttlSeconds: 'soon' }],
    ['a stack name with a slash', { stack: '../etc' }],
    ['no recipient key', { recipientPublicKeyPem: undefined }],
  ] as const) {
    void it(`a direct start with ${what}: the workflow fails with InvalidInput before any activity`, async () => {
      const { activities, calls } = stubActivities();
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const handle = await testEnv().client.workflow.start(BreakGlassRootToken, {
          taskQueue,
          workflowId: `wf-test-bg-bad-${id}`,
          args: [{ ...input(id, 60), ...bad } as unknown as BreakGlassInput],
        });
        const err = await handle.result().then(
          () => assert.fail('the workflow completed'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError, String(err));
        assert.ok(err.cause instanceof ApplicationFailure);
        assert.equal(err.cause.type, 'InvalidInput');
        assert.equal(err.cause.nonRetryable, true);
        assert.deepEqual(calls, [], 'nothing issued');
      });
    });
  }
});
