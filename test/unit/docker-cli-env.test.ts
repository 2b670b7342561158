/**
 * The docker CLI (used for `docker stack deploy` only) gets a minimal, explicit environment built from
 * configuration (issue 10, item 2): no `TEMPORAL_*` (API keys), no inherited `DOCKER_HOST`/context, the
 * Engine pinned to the socket dockerode uses.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadWorkerConfig } from '../../src/config/worker';
import { dockerCliInvocation } from '../../src/docker/gateway';
import { REPO } from '../support/testbed';
import { testDir } from '../support/tmp';

describe('docker CLI environment', () => {
  it('holds PATH, HOME, the stack variables and DOCKER_HOST pinned to the socket, nothing else', () => {
    const { args, env } = dockerCliInvocation(
      '/run/engine.sock',
      { PATH: '/usr/bin', HOME: '/root' },
      's1',
      ['/x/a.yml', '/x/b.yml'],
      {
        VAULT_IMAGE: 'openbao:test',
        VAULT_UNSEAL_KEY_SECRET: 'vault_unseal_key_v2',
        TEMPORAL_API_KEY: 'tk-should-not-leak',
        DOCKER_HOST: 'tcp://elsewhere:2375',
        DOCKER_CONTEXT: 'prod',
      },
    );
    assert.deepEqual(env, {
      VAULT_IMAGE: 'openbao:test',
      VAULT_UNSEAL_KEY_SECRET: 'vault_unseal_key_v2',
      PATH: '/usr/bin',
      HOME: '/root',
      DOCKER_HOST: 'unix:///run/engine.sock',
    });
    assert.deepEqual(args.slice(0, 2), ['--host', 'unix:///run/engine.sock']);
    assert.deepEqual(args.slice(2), [
      'stack',
      'deploy',
      '--resolve-image',
      'never',
      '-c',
      '/x/a.yml',
      '-c',
      '/x/b.yml',
      's1',
    ]);
  });

  it("configuration passes on only the variables the stack files reference, never TEMPORAL_* or the proxy's", () => {
    const dir = testDir('vbt-cli-');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = loadWorkerConfig(
      {
        VAULT_CERT_DIR: dir,
        VAULT_STACK_FILES: join(REPO, 'docker-stack-vault.yml'),
        VAULT_IMAGE: 'openbao:test',
        TEMPORAL_API_KEY: 'tk-should-not-leak',
        HTTPS_PROXY: 'http://proxy:3128',
        DOCKER_HOST: 'tcp://elsewhere:2375',
        PATH: '/usr/bin',
        HOME: '/root',
      },
      REPO,
    );
    assert.equal(c.stack.deployEnv.VAULT_IMAGE, 'openbao:test');
    assert.equal(c.stack.deployEnv.VAULT_CERT_DIR, dir);
    for (const k of Object.keys(c.stack.deployEnv)) assert.ok(!/^(TEMPORAL|DOCKER)_|PROXY/.test(k), k);
    assert.deepEqual(c.stack.cliBaseEnv, { PATH: '/usr/bin', HOME: '/root' });
  });
});
