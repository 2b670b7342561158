/**
 * Shape of `docker-compose.temporal.yml`, the production-like Temporal for operators. No image can be pulled on
 * the test bed, so the file is never started here: these checks are what keeps it honest.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_RESTORE_DRILL,
  VAULT_HEALTH_VERDICT,
} from '../../src/shared/search-attributes';
import { REPO } from '../support/testbed';

interface Service {
  image?: unknown;
  ports?: unknown;
  volumes?: unknown;
  depends_on?: unknown;
  healthcheck?: unknown;
  environment?: unknown;
  command?: unknown;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function load(): ComposeFile {
  const doc: unknown = parse(readFileSync(join(REPO, 'docker-compose.temporal.yml'), 'utf8'));
  assert.ok(doc !== null && typeof doc === 'object', 'the file is a YAML mapping');
  const services = (doc as { services?: unknown }).services;
  assert.ok(services !== null && typeof services === 'object', 'it has a services mapping');
  return doc as ComposeFile;
}

function service(file: ComposeFile, name: string): Service {
  const svc = file.services[name];
  assert.ok(svc, `service ${name} exists`);
  return svc;
}

/** `environment` as a map, from either the mapping or the `KEY=value` list form. */
function environment(svc: Service): Record<string, string> {
  const env = svc.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const s = String(e);
        const i = s.indexOf('=');
        return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  assert.ok(typeof env === 'object' && env !== null);
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Host IP and host port of every published port, from the short (`ip:host:container`) or long syntax. */
function published(svc: Service): { hostIp: string | undefined; hostPort: string; raw: string }[] {
  if (svc.ports === undefined) return [];
  assert.ok(Array.isArray(svc.ports), 'ports is a list');
  return svc.ports.map((p: unknown) => {
    if (typeof p === 'object' && p !== null) {
      const long = p as { host_ip?: unknown; published?: unknown };
      const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
      return { hostIp: scalar(long.host_ip), hostPort: scalar(long.published) ?? '', raw: JSON.stringify(p) };
    }
    const raw = String(p).replace(/\/(tcp|udp)$/, '');
    // [ip:]host:container, where ip may be a bracketed IPv6 address; a lone "container" publishes a random port.
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?([^:]+):([^:]+)$/.exec(raw);
    if (!m) return { hostIp: undefined, hostPort: '', raw };
    return { hostIp: m[1], hostPort: m[2] ?? '', raw };
  });
}

const file = load();
const services = Object.entries(file.services);

void describe('docker-compose.temporal.yml', () => {
  void it('has the database, the server and the UI', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui']) service(file, name);
  });

  void it('pins every image to an exact version', () => {
    for (const [name, svc] of services) {
      assert.equal(typeof svc.image, 'string', `${name} names an image`);
      const image = String(svc.image);
      assert.doesNotMatch(image, /\$\{?/, `${name}: the version is written in the file, not in a variable`);
      const m = /^([a-z0-9._/-]+):([A-Za-z0-9._-]+)(@sha256:[a-f0-9]{64})?$/.exec(image);
      assert.ok(m, `${name}: ${image} has a tag`);
      const tag = m[2] ?? '';
      assert.notEqual(tag.toLowerCase(), 'latest', `${name}: ${image} is not latest`);
      // postgres versions are major.minor (16.10); Temporal's are major.minor.patch (1.29.1, 2.34.0).
      const exact = m[1] === 'postgres' ? /^\d+\.\d+(-[a-z0-9.]+)?$/ : /^\d+\.\d+\.\d+(-[A-Za-z0-9.-]+)?$/;
      assert.match(tag, exact, `${name}: ${image} is pinned to an exact version, not a floating one`);
    }
    assert.match(String(service(file, 'postgresql').image), /^postgres:16\./, 'PostgreSQL 16');
    // The schema tool and the server must be the same release, or the schema may not match the server.
    const serverVersion = /:(\d+\.\d+\.\d+)/.exec(String(service(file, 'temporal').image))?.[1];
    assert.ok(serverVersion);
    for (const [name, svc] of services) {
      const image = String(svc.image);
      if (image.startsWith('temporalio/admin-tools:')) {
        assert.ok(
          image.startsWith(`temporalio/admin-tools:${serverVersion}`),
          `${name} matches server ${serverVersion}`,
        );
      }
    }
  });

  void it('publishes ports on 127.0.0.1 only: 7233 for gRPC, 8080 for the UI', () => {
    const all: string[] = [];
    for (const [name, svc] of services) {
      for (const p of published(svc)) {
        assert.equal(p.hostIp, '127.0.0.1', `${name}: ${p.raw} binds 127.0.0.1`);
        all.push(`${name}:${p.hostPort}`);
      }
    }
    assert.ok(all.includes('temporal:7233'), `temporal publishes 7233 (got ${all.join(', ')})`);
    assert.ok(all.includes('temporal-ui:8080'), `temporal-ui publishes 8080 (got ${all.join(', ')})`);
    assert.deepEqual(published(service(file, 'postgresql')), [], 'the database is not published');
  });

  void it('keeps the database in a named volume', () => {
    const volumes = service(file, 'postgresql').volumes;
    assert.ok(Array.isArray(volumes), 'postgresql has volumes');
    const data = volumes
      .map((v: unknown) =>
        typeof v === 'object' && v !== null
          ? {
              source: String((v as { source?: unknown }).source),
              target: String((v as { target?: unknown }).target),
            }
          : { source: String(v).split(':')[0] ?? '', target: String(v).split(':')[1] ?? '' },
      )
      .find((v) => v.target === '/var/lib/postgresql/data');
    assert.ok(data, 'a volume is mounted at /var/lib/postgresql/data');
    assert.match(
      data.source,
      /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
      `${data.source} is a volume name, not a host path`,
    );
    assert.ok(
      file.volumes && data.source in file.volumes,
      `${data.source} is declared under top-level volumes`,
    );
  });

  void it('has health checks and starts in order: the server waits for a healthy database', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui']) {
      const hc = service(file, name).healthcheck as { test?: unknown } | undefined;
      assert.ok(hc && hc.test, `${name} has a healthcheck`);
    }
    const deps = service(file, 'temporal').depends_on as Record<string, { condition?: string }> | undefined;
    assert.ok(deps && !Array.isArray(deps), 'temporal.depends_on uses the long syntax with conditions');
    assert.equal(deps.postgresql?.condition, 'service_healthy');
    for (const [name, dep] of Object.entries(deps)) {
      assert.ok(dep.condition, `temporal waits for ${name} with a condition`);
    }
    const ui = service(file, 'temporal-ui').depends_on as Record<string, { condition?: string }> | undefined;
    assert.equal(ui?.temporal?.condition, 'service_healthy', 'the UI waits for a healthy server');
  });

  void it('registers the search attributes the workflows write, with their types', () => {
    // The CLI's names for the SDK's types.
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
    const wanted = [
      VAULT_BOOTSTRAP_STEP,
      VAULT_HEALTH_VERDICT,
      VAULT_HEALTH_FINDINGS,
      VAULT_RESTORE_DRILL,
    ].map((k) => `${k.name}=${cliType[k.type] ?? k.type}`);
    assert.deepEqual(wanted, [
      'VaultBootstrapStep=Keyword',
      'VaultHealthVerdict=Keyword',
      'VaultHealthFindings=KeywordList',
      'VaultRestoreDrill=Keyword',
    ]);
    const registrars = services.filter(([, svc]) => environment(svc).VAULT_SEARCH_ATTRIBUTES !== undefined);
    assert.equal(registrars.length, 1, 'one service registers the search attributes');
    const [name, svc] = registrars[0]!;
    const pairs = environment(svc).VAULT_SEARCH_ATTRIBUTES!.split(/\s+/).filter(Boolean);
    assert.deepEqual([...pairs].sort(), [...wanted].sort(), `${name} registers exactly these`);
    const command = JSON.stringify(svc.command);
    assert.match(
      command,
      /temporal operator search-attribute create/,
      `${name} runs search-attribute create`,
    );
    assert.match(command, /VAULT_SEARCH_ATTRIBUTES/, `${name} reads the list it is given`);
    const deps = svc.depends_on as Record<string, { condition?: string }> | undefined;
    assert.equal(deps?.temporal?.condition, 'service_healthy', `${name} waits for a healthy server`);
  });
});
