import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { readCustody } from '../../src/activities/cluster/custody';
import { Failpoints } from '../../src/faults/failpoints';
import { checkStackFiles } from '../../src/activities/stack';
import { localFiles } from '../../src/fs/local-files';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { secretVersionOf } from '../../src/docker/gateway';
import {
  ConfigError,
  describeFailure,
  ErrorType,
  NON_RETRYABLE_ERROR_TYPES,
  NonRetryableError,
  toFailure,
} from '../../src/shared/errors';
import { REPO } from '../support/testbed';

describe('secret versions', () => {
  it('reads the family from names', () => {
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key'), 0);
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key_v12'), 12);
    assert.equal(secretVersionOf('vault_unseal_key', 'vault_unseal_key_old'), undefined);
    assert.equal(secretVersionOf('a.b', 'axb_v1'), undefined);
  });
});

describe('failpoints', () => {
  it('are inert unless named, and validate names and actions at start', async () => {
    const fp = new Failpoints(['initLeader:before-init=error']);
    await fp.hit('initLeader:after-persist');
    await assert.rejects(fp.hit('initLeader:before-init'), /failpoint initLeader:before-init/);
    assert.throws(() => new Failpoints(['initLeader:before-init=explode']), /VAULT_BOOTSTRAP_FAILPOINTS/);
    assert.throws(() => new Failpoints(['no-such-point']), /unknown fault point "no-such-point"/);
  });
});

describe('stack file checks', () => {
  const prod = join(REPO, 'docker-stack-vault.yml');
  const testbed = join(REPO, 'testbed', 'docker-stack-vault.testbed.yml');
  const tmp = mkdtempSync(join(tmpdir(), 'vbt-stack-'));
  const write = (name: string, text: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('accepts the production file and the test-bed override', async () => {
    await checkStackFiles([prod], localFiles.readText);
    await checkStackFiles([prod, testbed], localFiles.readText);
  });

  it('names a missing file', async () => {
    await assert.rejects(
      checkStackFiles([join(tmp, 'nope.yml')], localFiles.readText),
      /nope\.yml cannot be read \(ENOENT\)/,
    );
  });

  it('names invalid YAML', async () => {
    await assert.rejects(
      checkStackFiles([write('bad.yml', 'services: [\n')], localFiles.readText),
      /not valid YAML/,
    );
  });

  it('names a replica count other than 3', async () => {
    const override = write('two.yml', 'services:\n  vault:\n    deploy:\n      replicas: 2\n');
    await assert.rejects(checkStackFiles([prod, override], localFiles.readText), /replicas: 3 \(found 2\)/);
  });

  it('names a missing vault service, secret target and network', async () => {
    await assert.rejects(
      checkStackFiles([write('none.yml', 'services:\n  web: {}\n')], localFiles.readText),
      /no service "vault"/,
    );
    const noSecret = write(
      'nosecret.yml',
      'services:\n  vault:\n    deploy: { replicas: 3 }\n    networks: [iklimco-net]\nnetworks:\n  iklimco-net: { external: true }\n',
    );
    await assert.rejects(checkStackFiles([noSecret], localFiles.readText), /target "vault_unseal_key"/);
    const noNet = write(
      'nonet.yml',
      'services:\n  vault:\n    deploy: { replicas: 3 }\n    secrets: [vault_unseal_key]\n',
    );
    await assert.rejects(checkStackFiles([noNet], localFiles.readText), /external network "iklimco-net"/);
  });
});

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
    const dir = mkdtempSync(join(tmpdir(), 'vbt-rc-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'vbt-rc-'));
    const custody = new FileKeyCustody({ dir: join(dir, 'records'), keyFile: join(dir, 'custody.key') });
    const stored = await custody.store('s1', { unsealKey: 'a2V5', rootToken: 'root' });
    const held = await readCustody({ custody }, 's1', 'x');
    assert.equal(held.keyId, stored.keyId);
    assert.equal(held.unsealKey, 'a2V5');
    writeFileSync(join(dir, 'records', 's1.json'), 'not json', { mode: 0o600 });
    await assert.rejects(readCustody({ custody }, 's1', 'x'), failure('CustodyCorrupt', /not valid JSON/));
  });
});

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
