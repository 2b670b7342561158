import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { AUDIT_DEVICE, AUDIT_LOG_FILE } from '../../src/activities/cluster/audit';
import { checkStackFiles } from '../../src/activities/stack';
import { localFiles } from '../../src/fs/local-files';
import { REPO } from '../support/testbed';
import { testDir } from '../support/tmp';

describe('stack file checks', () => {
  const prod = join(REPO, 'docker-stack-vault.yml');
  const testbed = join(REPO, 'testbed', 'docker-stack-vault.testbed.yml');
  const openbao = join(REPO, 'docker-stack-vault.openbao.yml');
  const tmp = testDir('vbt-stack-');
  const write = (name: string, text: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('accepts the production file and the test-bed override', async () => {
    await checkStackFiles([prod], localFiles.readText);
    await checkStackFiles([prod, testbed], localFiles.readText);
    await checkStackFiles([prod, openbao, testbed], localFiles.readText);
  });

  it('the OpenBao overlay: the production config first, then the audit file; its config key pinned to its content', () => {
    const text = readFileSync(openbao, 'utf8');
    const doc = parse(text) as {
      services: { vault: { entrypoint: string[]; configs: { source: string; target: string }[] } };
      configs: Record<string, { file: string }>;
    };
    const prodVault = (parse(readFileSync(prod, 'utf8')) as { services: { vault: { entrypoint: string[] } } })
      .services.vault;
    // Everything the production entrypoint runs, and the audit file after it.
    assert.deepEqual(doc.services.vault.entrypoint, [
      ...prodVault.entrypoint,
      '-config=/vault/config/audit.hcl',
    ]);
    const [key] = Object.keys(doc.configs);
    assert.deepEqual(doc.configs[key!], { file: './init/vault/openbao-audit.hcl' });
    assert.deepEqual(doc.services.vault.configs, [{ source: key, target: '/vault/config/audit.hcl' }]);
    const pinned = new RegExp(`# ${key} content sha256: ([0-9a-f]{64})$`, 'm').exec(text)?.[1];
    const actual = createHash('sha256')
      .update(readFileSync(join(REPO, 'init', 'vault', 'openbao-audit.hcl')))
      .digest('hex');
    assert.equal(actual, pinned, `init/vault/openbao-audit.hcl changed: give it a new key (after ${key})`);
    // The device the file declares is the one the tool looks for (src/activities/cluster/audit.ts).
    const hcl = readFileSync(join(REPO, 'init', 'vault', 'openbao-audit.hcl'), 'utf8');
    assert.match(hcl, new RegExp(`^audit "${AUDIT_DEVICE.type}" "${AUDIT_DEVICE.path}" \\{`, 'm'));
    assert.match(hcl, new RegExp(`^\\s*file_path = "${AUDIT_LOG_FILE}"$`, 'm'));
  });

  it("keeps the seed's template name, and a key that changes with the template's content", () => {
    const text = readFileSync(prod, 'utf8');
    const configs = (parse(text) as { configs: Record<string, { file: string }> }).configs;
    assert.deepEqual(Object.values(configs), [{ file: './init/vault/vault-template-v2.json' }]);
    const [key] = Object.keys(configs);
    const pinned = new RegExp(`# ${key} content sha256: ([0-9a-f]{64})$`, 'm').exec(text)?.[1];
    const actual = createHash('sha256')
      .update(readFileSync(join(REPO, 'init', 'vault', 'vault-template-v2.json')))
      .digest('hex');
    assert.equal(
      actual,
      pinned,
      `init/vault/vault-template-v2.json changed: Swarm configs are immutable, so give it a new key (after ${key}) ` +
        'in docker-stack-vault.yml, with the new sha256 in the comment above it',
    );
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
      'docker-stack-vault.openbao.yml',
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

describe('the worker stack: each container holds only what it needs', () => {
  type Mount = string | { type?: string; source?: string; target?: string; read_only?: boolean };
  interface Service {
    user?: string;
    read_only?: boolean;
    cap_drop?: string[];
    security_opt?: string[];
    environment?: Record<string, string>;
    volumes?: Mount[];
    networks?: string[];
    healthcheck?: { test?: string[] };
    deploy?: { mode?: string };
  }
  const file = parse(readFileSync(join(REPO, 'docker-stack-vault-bootstrap.yml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<string, Service>;
    volumes: Record<string, { name?: string }>;
    networks: Record<string, { driver?: string; internal?: boolean; external?: boolean }>;
  };
  const services = file.services;
  /** `[source, target]` of each mount, short or long syntax. */
  const mounts = (s: Service): [string, string][] =>
    (s.volumes ?? []).map((m) => {
      if (typeof m !== 'string') return [m.source ?? '', m.target ?? ''];
      const [source = '', target = ''] = m.split(':');
      return [source, target];
    });
  const socketMounted = (s: Service) => mounts(s).some(([src]) => src === '/var/run/docker.sock');

  it('every service: a read-only root, no capability, /tmp (where a Node process writes) a tmpfs; no ignored security_opt', () => {
    assert.deepEqual(Object.keys(services).sort(), ['agent', 'docker-proxy', 'worker']);
    for (const [name, s] of Object.entries(services)) {
      assert.equal(s.read_only, true, name);
      assert.deepEqual(s.cap_drop, ['ALL'], name);
      // `docker stack deploy` drops security_opt with a warning: one here would promise what Swarm does not do.
      assert.equal(s.security_opt, undefined, name);
      assert.match(s.user ?? '', /^1000:/, name);
    }
    for (const name of ['worker', 'agent'])
      assert.ok(
        services[name]!.volumes!.some(
          (m) => typeof m === 'object' && m.type === 'tmpfs' && m.target === '/tmp',
        ),
        name,
      );
  });

  it('the Docker socket: the worker and the proxy; the agent only the proxy’s socket, on a volume it shares with it alone', () => {
    assert.ok(socketMounted(services.worker!));
    assert.ok(socketMounted(services['docker-proxy']!));
    assert.ok(!socketMounted(services.agent!), 'the agent mounts no Engine socket');
    assert.equal(services.agent!.user, '1000:1000', 'no Docker socket group for the agent');
    assert.equal(services.agent!.environment?.DOCKER_SOCKET, '/run/vault-bootstrap-docker/docker.sock');
    assert.equal(
      services['docker-proxy']!.environment?.VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET,
      services.agent!.environment?.DOCKER_SOCKET,
    );
    const sharers = Object.entries(services)
      .filter(([, s]) => mounts(s).some(([src]) => src === 'docker-proxy'))
      .map(([n]) => n)
      .sort();
    assert.deepEqual(sharers, ['agent', 'docker-proxy']);
    assert.match(
      file.volumes['docker-proxy']?.name ?? '',
      /^vault-bootstrap-docker-proxy\$\{VAULT_BOOTSTRAP_SUFFIX:-\}$/,
    );
    // The proxy is global wherever the agents are, on an internal network of its own.
    assert.equal(services['docker-proxy']!.deploy?.mode, 'global');
    assert.deepEqual(services['docker-proxy']!.networks, ['docker-proxy']);
    assert.deepEqual(file.networks['docker-proxy'], { driver: 'overlay', internal: true });
    assert.deepEqual(services['docker-proxy']!.healthcheck?.test, [
      'CMD',
      'node',
      'dist/src/docker-proxy.js',
      'check',
    ]);
  });

  it('the worker gets ca.pem and fullchain.pem of the TLS folder, read-only, and never the folder or privkey.pem', () => {
    const dir = '${VAULT_CERT_DIR:-/opt/iklimco/ssl}';
    const certMounts = (services.worker!.volumes ?? []).filter((m) =>
      typeof m === 'string' ? m.startsWith(dir) : (m.source ?? '').startsWith(dir),
    );
    assert.deepEqual(certMounts, [
      { type: 'bind', source: `${dir}/ca.pem`, target: `${dir}/ca.pem`, read_only: true },
      { type: 'bind', source: `${dir}/fullchain.pem`, target: `${dir}/fullchain.pem`, read_only: true },
    ]);
    assert.equal(services.worker!.environment?.VAULT_CERT_DIR_CONTENTS, 'public');
    for (const [name, s] of Object.entries(services))
      assert.ok(!mounts(s).some(([src]) => /privkey/.test(src)), `${name} mounts no private key`);
  });
});
