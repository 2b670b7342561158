/**
 * The workflows' own input checks (src/shared/inputs.ts): a direct start that skipped the client's checks fails
 * with `InvalidInput` naming the field, and what the client sends passes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import {
  checkBreakGlassInput,
  checkHealthInput,
  checkHoldInput,
  checkRestoreInput,
  checkRevocationInput,
  checkStackInput,
} from '../../src/shared/inputs';

const PEM = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';

function refused(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'InvalidInput');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, field);
    assert.match(err.message, /nothing was done$/);
    return true;
  });
}

describe('workflow input checks', () => {
  it('pass what the client sends', () => {
    checkStackInput({ stack: 'iklimco' });
    checkHealthInput({ stack: 'iklimco', remediate: true, certExpiryWarnDays: 21, settleSeconds: 30 });
    checkHoldInput({
      hold: { reason: 'rotating disks', since: new Date().toISOString() },
      check: { stack: 's' },
    });
    checkRestoreInput({ stack: 's', snapshot: '/mnt/x/s-20260101T000000Z.snap', check: { stack: 's' } });
    checkBreakGlassInput({ stack: 's', ttlSeconds: 900, recipientPublicKeyPem: PEM, requester: 'op@host' });
    checkRevocationInput({ stack: 's', accessor: 'XmWLTTsRvHHEdaRKSg9Q27Wa' });
  });

  it('name each malformed field', () => {
    refused(() => checkStackInput(null as never), /^input input: expected an object/);
    refused(() => checkStackInput({ stack: 'a/b' }), /^input stack: expected a stack name/);
    refused(() => checkStackInput({ stack: 'x'.repeat(49) }), /^input stack:/);
    refused(
      () => checkHealthInput({ stack: 's', remediate: 'yes' as never }),
      /input\.remediate: expected true or false/,
    );
    refused(
      () => checkHealthInput({ stack: 's', settleSeconds: -1 }),
      /input\.settleSeconds: expected a number from 0 to 3600/,
    );
    refused(
      () => checkHealthInput({ stack: 's', certExpiryWarnDays: Infinity }),
      /input\.certExpiryWarnDays/,
    );
    refused(
      () => checkHoldInput({ hold: { reason: '', since: new Date().toISOString() }, check: { stack: 's' } }),
      /input\.hold\.reason: expected a text of 1 to 1024 characters/,
    );
    refused(
      () => checkHoldInput({ hold: { reason: 'r', since: 'yesterday' }, check: { stack: 's' } }),
      /input\.hold\.since: expected an ISO-8601 time/,
    );
    refused(
      () => checkRestoreInput({ stack: 's', snapshot: 'a\u0000b', check: { stack: 's' } }),
      /input\.snapshot/,
    );
    refused(
      () => checkBreakGlassInput({ stack: 's', ttlSeconds: 9, recipientPublicKeyPem: PEM, requester: 'r' }),
      /input\.ttlSeconds: expected an integer from 10 to 86400/,
    );
    refused(
      () =>
        checkBreakGlassInput({
          stack: 's',
          ttlSeconds: 60,
          recipientPublicKeyPem: PEM,
          requester: 'x'.repeat(257),
        }),
      /input\.requester/,
    );
    refused(
      () => checkRevocationInput({ stack: 's', accessor: 'a b' }),
      /input\.accessor: expected a token accessor/,
    );
  });
});
