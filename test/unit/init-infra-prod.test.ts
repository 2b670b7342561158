/**
 * `init-infra-prod.sh`'s custody key and backup folder steps (issue 27), with a stand-in `docker` on PATH that
 * answers as a swarm manager with no custody key secret, records every call, and refuses the stack deploy so
 * the script stops right after these steps. The real script runs against real Docker in e2e 11 and the
 * worker-stack fault tests; this pins what it does with the key: where it goes, and that it never leaves
 * without a backup.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/testbed';

/** A `docker` that is a swarm manager without the custody key secret; `stack deploy` fails (the test's end). */
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >>"$DOCKER_CALLS"
case "$1 $2" in
  "info --format") echo true ;;
  "network inspect") echo "overlay swarm true" ;;
  "secret inspect") exit 1 ;;
  "secret create") exit 0 ;;
  "stack deploy") echo "stand-in: no deploy here" >&2; exit 1 ;;
  *) exit 0 ;;
esac
`;

function scene() {
  const dir = mkdtempSync(join(tmpdir(), 'vbt-init-prod-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker'), FAKE_DOCKER);
  chmodSync(join(bin, 'docker'), 0o755);
  const mount = join(dir, 'storagebox');
  mkdirSync(mount);
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  const run = (env: Record<string, string>) => {
    const res = spawnSync('bash', [join(REPO, 'init-infra-prod.sh')], {
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        DOCKER_CALLS: calls,
        VAULT_BOOTSTRAP_IMAGE: 'vault-bootstrap-worker:test',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DOCKER_SOCKET_GID: '999',
        VAULT_BACKUP_MOUNT: mount,
        ...env,
      },
      encoding: 'utf8',
    });
    return { code: res.status, out: `${res.stdout}${res.stderr}` };
  };
  const secretCreates = () =>
    readFileSync(calls, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('secret create'));
  return { dir, mount, run, secretCreates };
}

describe('init-infra-prod.sh: the custody key and the backup folder', () => {
  it('no key file and no backup file named: refused (exit 2) before any secret is made', () => {
    const s = scene();
    const res = s.run({});
    assert.equal(res.code, 2, res.out);
    assert.match(res.out, /VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP/);
    assert.match(res.out, /VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE/);
    assert.deepEqual(s.secretCreates(), []);
  });

  it('a backup file named: the new key is written there (owner only) first, the secret made from it, the key never printed', () => {
    const s = scene();
    const backup = join(s.dir, 'custody-key.b64');
    const res = s.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP: backup, VAULT_BACKUP_ALLOW_UNMOUNTED: '1' });
    assert.equal(res.code, 2, res.out); // the stand-in refuses the deploy, after the steps under test
    const key = readFileSync(backup, 'utf8').trim();
    assert.equal(Buffer.from(key, 'base64').length, 32);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    assert.deepEqual(s.secretCreates(), [
      `secret create --label io.iklimco.vault-bootstrap.kind=custody-key vault_bootstrap_custody_key ${backup}`,
    ]);
    assert.match(res.out, new RegExp(`BACK UP ${backup} NOW`));
    assert.ok(!res.out.includes(key), 'the key is never in the output');
    // And the backup root, made for the worker's uid on the (allowed) unmounted storage.
    const root = statSync(join(s.mount, 'vault-snapshots'));
    assert.equal(root.uid, 1000);
    assert.equal(root.mode & 0o777, 0o700);
  });

  it('a backup file that exists: never overwritten, no secret made', () => {
    const s = scene();
    const backup = join(s.dir, 'custody-key.b64');
    writeFileSync(backup, 'an older key\n', { mode: 0o600 });
    const res = s.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP: backup });
    assert.equal(res.code, 2, res.out);
    assert.match(res.out, /exists: never overwritten/);
    assert.equal(readFileSync(backup, 'utf8'), 'an older key\n');
    assert.deepEqual(s.secretCreates(), []);
  });

  it('nothing mounted at the storage mount point: the backup root is not made on this disk, said loudly, and the script goes on', () => {
    const s = scene();
    const res = s.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: join(s.dir, 'key-i-keep') });
    assert.match(res.out, /WARNING: backups: nothing is mounted at .*BackupTargetMissing/);
    assert.equal(existsSync(join(s.mount, 'vault-snapshots')), false);
    assert.match(res.out, /stand-in: no deploy here/, 'it went on to the deploy');
  });
});
