import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { readCustody } from '../../src/activities/cluster/custody';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { NonRetryableError, toFailure } from '../../src/shared/errors';
import { testDir } from '../support/tmp';

describe('readCustody: one mapping of custody problems to named failures', () => {
  /** A named failure, and what the activity boundary makes of it: a non-retryable ApplicationFailure. */
  const failure = (type: string, message: RegExp) => (err: unknown) => {
    assert.ok(err instanceof NonRetryableError, String(err));
    assert.equal(err.type, type);
    assert.match(err.message, message);
    const reported = toFailure(err);
    assert.ok(reported instanceof ApplicationFailure);
    assert.equal(reported.type, type);
    assert.equal(reported.nonRetryable, true);
    assert.equal(reported.message, err.message);
    return true;
  };

  it('a missing record is UnsealKeyUnavailable, saying what cannot be done', async () => {
    const dir = testDir('vbt-rc-');
    const custody = new FileKeyCustody({ dir: join(dir, 'records'), keyFile: join(dir, 'custody.key') });
    await assert.rejects(
      readCustody({ custody }, 's1', 'no node can be unsealed'),
      failure(
        'UnsealKeyUnavailable',
        /no unseal key for stack s1, so no node can be unsealed\. Nothing was changed/,
      ),
    );
  });

  it('an unreadable record keeps its custody error type; a good one is returned', async () => {
    const dir = testDir('vbt-rc-');
    const custody = new FileKeyCustody({ dir: join(dir, 'records'), keyFile: join(dir, 'custody.key') });
    const stored = await custody.store('s1', { unsealKey: 'a2V5', rootToken: 'root' });
    const held = await readCustody({ custody }, 's1', 'x');
    assert.equal(held.keyId, stored.keyId);
    assert.equal(held.unsealKey, 'a2V5');
    writeFileSync(join(dir, 'records', 's1.json'), 'not json', { mode: 0o600 });
    await assert.rejects(readCustody({ custody }, 's1', 'x'), failure('CustodyCorrupt', /not valid JSON/));
  });
});
