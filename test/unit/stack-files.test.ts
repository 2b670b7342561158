import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkStackFiles } from '../../src/activities/stack';
import { localFiles } from '../../src/fs/local-files';
import { REPO } from '../support/testbed';

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

describe('the stack files the project ships', () => {
  it('no ${VAR:?message} message holds a "-": the docker CLI reads it as ${VAR-default} and uses the rest', () => {
    // Seen: `name: ${X:?... break-glass keys ...}` deployed a config named "glass keys ..." (not found).
    for (const name of [
      'docker-stack-vault.yml',
      'docker-stack-vault-bootstrap.yml',
      'docker-stack-vault-bootstrap.tls.yml',
      join('testbed', 'docker-stack-vault.testbed.yml'),
    ]) {
      const text = readFileSync(join(REPO, name), 'utf8');
      const bad = [...text.matchAll(/\$\{[A-Za-z_][A-Za-z0-9_]*:\?([^}]*)\}/g)].filter((m) =>
        m[1]!.includes('-'),
      );
      assert.deepEqual(
        bad.map((m) => m[0]),
        [],
        name,
      );
    }
  });
});
