/** The worker's liveness file (src/liveness-file.ts) and the HEALTHCHECK command that reads it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  checkLivenessFile,
  LIVENESS_FILE_MAX_AGE_MS,
  replacedFiles,
  startLivenessFile,
} from '../../src/liveness-file';
import { testDir } from '../support/tmp';

const tmp = (): string => testDir('vbt-liveness-');
const HOUR_AGO = (Date.now() - 3_600_000) / 1000;

describe('liveness file writer', () => {
  it('writes at once and on every tick while running, skips while not, and removes the file on stop', async () => {
    const file = join(tmp(), 'alive');
    let running = true;
    const writer = startLivenessFile(file, () => running, 10);
    assert.ok(existsSync(file), 'written at start');
    assert.match(`${statSync(file).size}`, /^[1-9]/);

    running = false;
    utimesSync(file, HOUR_AGO, HOUR_AGO);
    await sleep(60);
    assert.ok(statSync(file).mtimeMs < Date.now() - 3_000_000, 'not rewritten while not running');

    running = true;
    await sleep(60);
    assert.ok(statSync(file).mtimeMs > Date.now() - 5_000, 'rewritten once running again');

    writer.stop();
    assert.ok(!existsSync(file), 'removed on stop');
    writer.stop(); // a second stop is harmless
  });

  it('reports a failing write once, keeps the process going, and reports again after a recovery', async () => {
    const dir = tmp();
    const file = join(dir, 'sub', 'alive'); // the folder does not exist yet
    const logged: string[] = [];
    const writer = startLivenessFile(
      file,
      () => true,
      10,
      (m) => logged.push(m),
    );
    await sleep(60);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /cannot write the health file .*sub\/alive: ENOENT/);
    mkdirSync(join(dir, 'sub'));
    await sleep(60);
    assert.ok(existsSync(file), 'written once the folder exists');
    assert.equal(logged.length, 1);
    writer.stop();
  });
});

describe('liveness file check', () => {
  it('is alive while the file is fresh, and says why not otherwise', () => {
    const file = join(tmp(), 'alive');
    const now = Date.now();
    const missing = checkLivenessFile(file, now);
    assert.equal(missing.alive, false);
    assert.match(
      missing.detail,
      /no health file .*alive \(ENOENT\): the worker is starting, stopping or not polling/,
    );

    writeFileSync(file, 'x');
    assert.equal(checkLivenessFile(file, now).alive, true);

    const old = (now - LIVENESS_FILE_MAX_AGE_MS - 5_000) / 1000;
    utimesSync(file, old, old);
    const stale = checkLivenessFile(file, now);
    assert.equal(stale.alive, false);
    assert.match(stale.detail, /written 35s ago \(more than 30s\): the worker stopped polling or hangs/);
  });
});

describe('the HEALTHCHECK command (dist/src/liveness-check.js)', () => {
  const check = join(__dirname, '..', '..', 'src', 'liveness-check.js');
  const run = (env: Record<string, string>): { status: number | null; out: string } => {
    const r = spawnSync(process.execPath, [check], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });
    return { status: r.status, out: r.stdout + r.stderr };
  };

  it('exits 0 on a fresh file and 1 on a missing one, an unset variable or a bad value', () => {
    const file = join(tmp(), 'alive');
    let r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: file });
    assert.equal(r.status, 1);
    assert.match(r.out, /no health file/);
    writeFileSync(file, 'x');
    r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: file });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /written 0s ago: the worker polls/);
    r = run({});
    assert.equal(r.status, 1);
    assert.match(r.out, /VAULT_BOOTSTRAP_HEALTH_FILE is not set/);
    r = run({ VAULT_BOOTSTRAP_HEALTH_FILE: 'relative' });
    assert.equal(r.status, 1);
    assert.match(r.out, /VAULT_BOOTSTRAP_HEALTH_FILE: expected an absolute file path/);
  });
});

describe('TLS files bound one by one, replaced on the host', () => {
  it('a file renamed over on the host shows no link where it is still held (as in a bind mount); current and missing files do not count', () => {
    const dir = tmp();
    const chain = join(dir, 'fullchain.pem');
    writeFileSync(chain, 'old\n');
    // A container's bind mount holds the file it was given as this descriptor does: by the file, not the name.
    const held = openSync(chain, 'r');
    try {
      const bound = `/proc/self/fd/${held}`;
      assert.deepEqual(replacedFiles([bound, chain]), []);
      writeFileSync(join(dir, 'fullchain.pem.new'), 'new\n');
      renameSync(join(dir, 'fullchain.pem.new'), chain); // how a renewal that writes a new file lands
      assert.deepEqual(replacedFiles([bound, chain, join(dir, 'missing.pem')]), [bound]);
    } finally {
      closeSync(held);
    }
  });
});
