/**
 * The fault points themselves (no Docker, no Temporal): the list is complete, the worker's parser refuses
 * unknown names and bad actions, the actions do what docs/faults.md says, and the init key's way from an
 * encrypted sys/init answer to the custody record on this machine's disk.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BREAK_GLASS_FAILPOINTS,
  FAILPOINTS,
  FailpointSpecError,
  Failpoints,
} from '../../src/faults/failpoints';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import { FileKeyCustody } from '../../src/custody/file-custody';
import { InitKeys, initKeyName } from '../../src/custody/init-key';
import { assertCatalogComplete, FAULT_CASES, selectCases, SUBSET, UNREACHABLE } from './catalog';
import { testDir } from '../support/tmp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

describe('fault point catalog', () => {
  it('every fault point is in the matrix or listed as unreachable, and the subset has one per step', () => {
    assertCatalogComplete();
    assert.equal(FAULT_CASES.length + Object.keys(UNREACHABLE).length, FAILPOINTS.length);
    assert.equal(new Set(FAILPOINTS).size, FAILPOINTS.length, 'no duplicate names');
    for (const p of FAILPOINTS) assert.match(p, /^[a-zA-Z]+:(before|after)-[a-z-]+(:vault-\d)?$/, p);
  });

  it('break glass has its own points, outside the bootstrap matrix (root-generation.test.ts runs them)', () => {
    assert.deepEqual(
      [...BREAK_GLASS_FAILPOINTS],
      ['issueBreakGlassToken:after-generate-root', 'issueBreakGlassToken:after-create-token'],
    );
    for (const p of BREAK_GLASS_FAILPOINTS) {
      assert.ok(!FAILPOINTS.includes(p), `${p} is no bootstrap step's`);
      assert.match(p, /^[a-zA-Z]+:(before|after)-[a-z-]+$/, p);
      new Failpoints([p]);
    }
    assert.throws(() => selectCases('issueBreakGlassToken:after-generate-root'), /not a fault point/);
  });

  it('FAULTS selects all, the subset, or named points, and refuses the rest', () => {
    assert.equal(selectCases('all').length, FAULT_CASES.length);
    assert.deepEqual(
      selectCases('subset').map((c) => c.point),
      [...SUBSET],
    );
    assert.deepEqual(
      selectCases('deployStack:after-deploy').map((c) => c.step),
      ['deployStack'],
    );
    assert.throws(() => selectCases('deployStack:after-deplyo'), /not a fault point/);
    assert.throws(() => selectCases('unsealPeers:before-join:vault-2'), /not reachable in a fresh run/);
  });
});

describe('Failpoints', () => {
  it('accepts every listed name with every action', () => {
    for (const p of FAILPOINTS) {
      new Failpoints([p, `${p}=crash`]);
      new Failpoints([`${p}=error`]);
      new Failpoints([`${p}=pause:/tmp/x`]);
    }
  });

  it('refuses an unknown name at start, so a typo cannot silently test nothing', () => {
    assert.throws(
      () => new Failpoints(['initLeader:after-persit']),
      (err: unknown) => {
        assert.ok(err instanceof FailpointSpecError);
        assert.match(
          err.message,
          /VAULT_BOOTSTRAP_FAILPOINTS: unknown fault point "initLeader:after-persit"/,
        );
        return true;
      },
    );
    assert.throws(() => new Failpoints(['=crash']), FailpointSpecError);
  });

  it('refuses a bad action or a relative pause file', () => {
    assert.throws(
      () => new Failpoints(['initLeader:before-init=explode']),
      /VAULT_BOOTSTRAP_FAILPOINTS: expected name\[=crash\|error\]/,
    );
    assert.throws(() => new Failpoints(['initLeader:before-init=pause:rel/file']), /absolute file path/);
  });

  it('is inert unless enabled; error throws', async () => {
    const fp = new Failpoints(['initLeader:before-init=error']);
    await fp.hit('initLeader:after-persist');
    await fp.hit('no-such-point'); // a name in code that is not enabled costs one Map lookup
    await assert.rejects(
      fp.hit('initLeader:before-init'),
      /failpoint initLeader:before-init injected an error/,
    );
  });

  it('pause blocks until the release file exists, and says when it is reached', async () => {
    const dir = testDir('vbt-pause-');
    const file = join(dir, 'go');
    const fp = new Failpoints([`joinPeers:after-join:vault-2=pause:${file}`]);
    let done = false;
    const paused = fp.hit('joinPeers:after-join:vault-2').then(() => (done = true));
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(existsSync(`${file}.reached`), 'the .reached marker is written');
    assert.equal(done, false, 'still paused');
    writeFileSync(file, '');
    await paused;
    assert.equal(done, true);
  });
});

describe("the init key on the file custody (the sys/init answer's way to the record)", () => {
  it('is made once, opens an answer encrypted to it, stores the record, and is removed after', async () => {
    const base = testDir('vbt-init-key-');
    const custody = new FileKeyCustody({ dir: join(base, 'c'), keyFile: join(base, 'k') });
    await custody.assertWritable('s');
    const initKeys = new InitKeys(custody);
    const first = await initKeys.prepareInitKey('s');
    const again = await initKeys.prepareInitKey('s');
    assert.equal(again.fingerprint, first.fingerprint, 'the same pending key on every call');
    assert.notEqual(
      await custody.describe(initKeyName('s')),
      undefined,
      'the init key is a record of its own',
    );
    const key = await openpgp.readKey({ armoredKey: first.publicKey });
    const seal = async (text: string) =>
      Buffer.from(
        (await openpgp.encrypt({
          message: await openpgp.createMessage({ text }),
          encryptionKeys: key,
          format: 'binary',
        })) as Uint8Array,
      ).toString('base64');
    const hexKey = 'ab'.repeat(32);
    const t0 = process.hrtime.bigint();
    const stored = await initKeys.storeInitAnswer('s', {
      unsealKey: await seal(hexKey),
      rootToken: await seal('s.root'),
    });
    console.log(
      `storeInitAnswer (decrypt + record durable): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`,
    );
    const held = await custody.read('s');
    assert.equal(held.keyId, stored.keyId);
    assert.equal(
      held.unsealKey,
      Buffer.from(hexKey, 'hex').toString('base64'),
      'kept base64, as sys/init answers',
    );
    assert.equal(held.rootToken, 's.root');
    await initKeys.discardInitKey('s');
    assert.equal(await custody.describe(initKeyName('s')), undefined);
    assert.deepEqual(readdirSync(join(base, 'c')), ['s.json'], 'the record alone is left');
  });
});
