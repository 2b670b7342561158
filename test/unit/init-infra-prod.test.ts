/**
 * `init-infra-prod.sh`'s custody key and backup folder steps (issue 27), with a stand-in `docker` on PATH that
 * answers as a swarm manager with no custody key secret, records every call, and refuses the stack deploy so
 * the script stops right after these steps. The real script runs against real Docker in e2e 11 and the
 * worker-stack fault tests; this pins what it does with the key: where it goes, and that it never leaves
 * without a backup.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/testbed';
import { testDir } from '../support/tmp';

/** A `docker` that is a swarm manager without the custody key secret; `stack deploy` fails (the test's end). */
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >>"$DOCKER_CALLS"
case "$1 $2" in
  "info --format") echo true ;;
  "network inspect") echo "overlay swarm true" ;;
  "secret inspect") exit 1 ;;
  "config inspect") exit 1 ;;
  "secret create") exit 0 ;;
  "stack deploy") echo "stand-in: no deploy here" >&2; exit 1 ;;
  *) exit 0 ;;
esac
`;

function scene() {
  const dir = testDir('vbt-init-prod-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker'), FAKE_DOCKER);
  chmodSync(join(bin, 'docker'), 0o755);
  const mount = join(dir, 'storagebox');
  mkdirSync(mount);
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  // The TLS folder cert-distributor fills on every manager (the script checks the three files are there).
  const certs = join(dir, 'ssl');
  mkdirSync(certs);
  for (const f of ['ca.pem', 'fullchain.pem', 'privkey.pem']) writeFileSync(join(certs, f), '');
  const run = (env: Record<string, string>) => {
    const res = spawnSync('bash', [join(REPO, 'init-infra-prod.sh')], {
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        DOCKER_CALLS: calls,
        VAULT_BOOTSTRAP_IMAGE: 'vault-bootstrap-worker:test',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DOCKER_SOCKET_GID: '999',
        VAULT_BACKUP_MOUNT: mount,
        VAULT_CERT_DIR: certs,
        ...env,
      },
      encoding: 'utf8',
    });
    return { code: res.status, out: `${res.stdout}${res.stderr}` };
  };
  const callsStarting = (prefix: string) =>
    readFileSync(calls, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(prefix));
  const secretCreates = () => callsStarting('secret create');
  return { dir, mount, certs, run, secretCreates, callsStarting };
}

describe('init-infra-prod.sh: the Vault TLS files', () => {
  it('a file missing from VAULT_CERT_DIR: named, exit 2, before any secret or deploy (the worker cannot see privkey.pem to check it)', () => {
    const s = scene();
    rmSync(join(s.certs, 'privkey.pem'));
    const res = s.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: join(s.dir, 'key-i-keep') });
    assert.equal(res.code, 2, res.out);
    assert.match(
      res.out,
      /TLS: VAULT_CERT_DIR=.*ssl lacks privkey\.pem: cert-distributor puts ca\.pem fullchain\.pem privkey\.pem there/,
    );
    assert.deepEqual(s.secretCreates(), []);
    assert.deepEqual(s.callsStarting('stack deploy'), []);
    // All three there: said, and the script goes on.
    writeFileSync(join(s.certs, 'privkey.pem'), '');
    const ok = s.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: join(s.dir, 'key-i-keep') });
    assert.match(ok.out, /TLS: .*ssl holds ca\.pem fullchain\.pem privkey\.pem/);
    assert.equal(s.callsStarting('stack deploy').length, 1);
  });

  it('DOCKER_HOST names another host: the files are there, not checked here', () => {
    const s = scene();
    const res = s.run({ DOCKER_HOST: 'tcp://10.0.0.11:2376', VAULT_CERT_DIR: join(s.dir, 'nowhere') });
    assert.match(res.out, /TLS: .*nowhere is on the managers, not here/);
  });
});

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

/** A CA and role certificates made with openssl in `dir`: `<name>.pem`/`.key`, `expired` already expired. */
function roleCerts(dir: string): void {
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=test CA',
  );
  for (const [name, days] of [
    ['worker', '30'],
    ['agent', '30'],
    ['expired', '-1'],
  ] as const) {
    ssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/O=vault-bootstrap/OU=${name}/CN=${name}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      days,
      '-out',
      `${name}.pem`,
    );
  }
}

describe('init-infra-prod.sh: break-glass pins and Temporal TLS for the worker stack', () => {
  const keySource = (dir: string) => {
    const file = join(dir, 'key-i-keep');
    writeFileSync(file, 'a key\n', { mode: 0o600 });
    return file;
  };

  it("pins: the operators' public keys become a config named by their hash; none given: a config that pins none, said", () => {
    const s = scene();
    const pins = join(s.dir, 'pins.pem');
    const r = spawnSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'], {
      encoding: 'utf8',
    });
    const pub = spawnSync('openssl', ['pkey', '-pubout'], { input: r.stdout, encoding: 'utf8' }).stdout;
    writeFileSync(pins, pub);
    const res = s.run({
      VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: keySource(s.dir),
      VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: pins,
    });
    assert.match(res.out, /break glass: pinning the 1 public key\(s\)/);
    const [create] = s.callsStarting('config create');
    assert.match(
      create ?? '',
      new RegExp(
        `^config create --label io\\.iklimco\\.vault-bootstrap\\.worker-stack=vault-bootstrap vault_bootstrap_break_glass_[0-9a-f]{12} ${pins}$`,
      ),
    );
    assert.deepEqual(s.callsStarting('stack deploy').length, 1);
    assert.doesNotMatch(s.callsStarting('stack deploy')[0]!, /tls\.yml/, 'no TLS overlay without a CA');

    const none = scene();
    const out = none.run({ VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: keySource(none.dir) }).out;
    assert.match(out, /no recipient keys pinned .*root-token is refused/);
    assert.equal(
      none.callsStarting('config create vault').length + none.callsStarting('config create --label').length,
      1,
    );

    const bad = scene();
    writeFileSync(join(bad.dir, 'not-pins'), 'hello\n');
    const refused = bad.run({
      VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: keySource(bad.dir),
      VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS: join(bad.dir, 'not-pins'),
    });
    assert.equal(refused.code, 2);
    assert.match(refused.out, /holds no PEM public key/);
    assert.deepEqual(bad.callsStarting('stack deploy'), []);
  });

  it("TLS: each role's certificate and key become secrets and the overlay is deployed; an expired or mismatched one is named, nothing deployed", () => {
    const s = scene();
    roleCerts(s.dir);
    const tls = (over: Record<string, string> = {}) => ({
      VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: keySource(s.dir),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(s.dir, 'ca.pem'),
      VAULT_BOOTSTRAP_WORKER_TLS_CERT: join(s.dir, 'worker.pem'),
      VAULT_BOOTSTRAP_WORKER_TLS_KEY: join(s.dir, 'worker.key'),
      VAULT_BOOTSTRAP_AGENT_TLS_CERT: join(s.dir, 'agent.pem'),
      VAULT_BOOTSTRAP_AGENT_TLS_KEY: join(s.dir, 'agent.key'),
      ...over,
    });
    const expired = s.run(
      tls({
        VAULT_BOOTSTRAP_AGENT_TLS_CERT: join(s.dir, 'expired.pem'),
        VAULT_BOOTSTRAP_AGENT_TLS_KEY: join(s.dir, 'expired.key'),
      }),
    );
    assert.equal(expired.code, 2);
    assert.match(expired.out, /VAULT_BOOTSTRAP_AGENT_TLS_CERT=.*expired\.pem has expired/);
    const mismatched = s.run(tls({ VAULT_BOOTSTRAP_WORKER_TLS_KEY: join(s.dir, 'agent.key') }));
    assert.equal(mismatched.code, 2);
    assert.match(
      mismatched.out,
      /VAULT_BOOTSTRAP_WORKER_TLS_KEY=.*agent\.key is not the private key of VAULT_BOOTSTRAP_WORKER_TLS_CERT/,
    );
    const missing = s.run(tls({ VAULT_BOOTSTRAP_AGENT_TLS_KEY: '' }));
    assert.match(missing.out, /VAULT_BOOTSTRAP_AGENT_TLS_KEY must name a readable file/);
    assert.deepEqual(s.callsStarting('stack deploy'), [], 'nothing deployed with a bad certificate');
    assert.deepEqual(
      s.secretCreates().filter((c) => c.includes('worker_cert')),
      [],
    );

    const res = s.run(tls());
    assert.match(res.out, /Temporal TLS: on/);
    const made = s.secretCreates().map((c) => c.split(' ')[4]);
    for (const base of ['temporal_ca', 'worker_cert', 'worker_key', 'agent_cert', 'agent_key'])
      assert.ok(
        made.some((n) => new RegExp(`^vault_bootstrap_${base}_[0-9a-f]{12}$`).test(n ?? '')),
        `${base} in ${made.join(' ')}`,
      );
    const [deploy] = s.callsStarting('stack deploy');
    assert.match(
      deploy ?? '',
      /-c \S+docker-stack-vault-bootstrap\.yml -c \S+docker-stack-vault-bootstrap\.tls\.yml vault-bootstrap$/,
    );
    assert.ok(!res.out.includes('PRIVATE KEY'), 'no key in the output');
  });
});
