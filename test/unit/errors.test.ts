import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import {
  ConfigError,
  describeFailure,
  ErrorType,
  NON_RETRYABLE_ERROR_TYPES,
  toFailure,
} from '../../src/shared/errors';

describe('errors: one definition per failure type', () => {
  it('the non-retryable list is exactly the defined types', () => {
    assert.deepEqual([...NON_RETRYABLE_ERROR_TYPES].sort(), Object.keys(ErrorType).sort());
    for (const kind of [
      'CustodyCorrupt',
      'CustodyPermissionsTooOpen',
      'CustodyNotWritable',
      'UnsealKeyUnavailable',
    ])
      assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(kind), kind);
  });

  it('toFailure names what it knows and leaves the rest retryable', () => {
    const plain = new Error('2/3 running');
    assert.equal(toFailure(plain), plain);
    const config = toFailure(new ConfigError('stack', 'a name', 'a b'));
    assert.ok(config instanceof ApplicationFailure);
    assert.equal(config.type, 'InvalidConfig');
    assert.equal(config.message, 'stack: expected a name, got "a b"');
    assert.equal(config.cause, undefined, 'the chain ends at the named failure');
  });

  it('describeFailure: `Type: message` of the innermost failure, however deep', () => {
    const app = ApplicationFailure.nonRetryable('no key', 'UnsealKeyUnavailable');
    assert.equal(
      describeFailure(
        new Error('Workflow execution failed', { cause: new Error('Activity task failed', { cause: app }) }),
      ),
      'UnsealKeyUnavailable: no key',
    );
    assert.equal(describeFailure(new Error('plain')), 'plain');
    assert.equal(describeFailure('text'), 'text');
  });
});
