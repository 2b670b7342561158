/**
 * Shape of `docker-compose.temporal.yml`, production's Temporal: the test bed's cluster in containers. It is started
 * and proven by `npm run test:compose` (test/faults/temporal-compose.test.ts, not in `npm test`); these checks run
 * everywhere and keep what that proof relies on from drifting: the images are the project's own at the versions of
 * its go.mod files, the start order, mTLS with the bed's certificate file names (each key only where it is used),
 * the password only from the environment, loopback ports, the volume, and a file Compose v1 accepts too.
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
  build?: unknown;
  ports?: unknown;
  volumes?: unknown;
  depends_on?: unknown;
  healthcheck?: unknown;
  environment?: unknown;
  command?: unknown;
  user?: unknown;
  cap_drop?: unknown;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

const read = (...path: string[]) => readFileSync(join(REPO, ...path), 'utf8');

function load(): ComposeFile {
  const doc: unknown = parse(read('docker-compose.temporal.yml'));
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

/** The value `${VAR:-default}` or a literal takes when the variable is unset. */
function byDefault(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

/** Host address and host port of every published port, from the short (`ip:host:container`) or long syntax. */
function published(svc: Service): { hostIp: string | undefined; hostPort: string; raw: string }[] {
  if (svc.ports === undefined) return [];
  assert.ok(Array.isArray(svc.ports), 'ports is a list');
  return svc.ports.map((p: unknown) => {
    if (typeof p === 'object' && p !== null) {
      const long = p as { host_ip?: unknown; published?: unknown };
      const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
      return { hostIp: scalar(long.host_ip), hostPort: scalar(long.published) ?? '', raw: JSON.stringify(p) };
    }
    const raw = byDefault(String(p)).replace(/\/(tcp|udp)$/, '');
    // [ip:]host:container, where ip may be a bracketed IPv6 address; a lone "container" publishes a random port.
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?([^:]+):([^:]+)$/.exec(raw);
    if (!m) return { hostIp: undefined, hostPort: '', raw };
    return { hostIp: m[1], hostPort: m[2] ?? '', raw: String(p) };
  });
}

/** The short-syntax mounts: source, target, read-only. */
function mounts(svc: Service): { source: string; target: string; readOnly: boolean }[] {
  const volumes = svc.volumes ?? [];
  assert.ok(Array.isArray(volumes), 'volumes is a list');
  return volumes.map((v: unknown) => {
    assert.equal(typeof v, 'string', `short syntax: ${JSON.stringify(v)}`);
    // The source may hold ${VAR:?message} (with spaces, never a colon in this file) before the first ':/'.
    const m = /^(.+?):(\/[^:]*)(?::(ro|rw))?$/.exec(String(v));
    assert.ok(m, `a mount: ${String(v)}`);
    return { source: m[1]!, target: m[2]!, readOnly: m[3] === 'ro' };
  });
}

/** The PKI files a service mounts from TEMPORAL_PKI_DIR, by file name. */
function pkiFiles(svc: Service): string[] {
  return mounts(svc)
    .filter((m) => m.source.startsWith('${TEMPORAL_PKI_DIR'))
    .map((m) => {
      assert.ok(m.readOnly, `${m.source} is mounted read-only`);
      const name = m.source.replace(/^\$\{[^}]*\}\//, '');
      assert.equal(m.target, `/etc/temporal/pki/${name}`, `${name} is mounted under its own name`);
      return name;
    })
    .sort();
}

/** The go.mod version of a module, without the v. */
function goModVersion(dir: string, module: string): string {
  const m = new RegExp(
    `^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')} v(\\d+\\.\\d+\\.\\d+)\\s*$`,
    'm',
  ).exec(read('temporal-cluster', dir, 'go.mod'));
  assert.ok(m, `${dir}/go.mod requires ${module}`);
  return m[1]!;
}

const file = load();
const services = Object.entries(file.services);
const SERVER_IMAGE = `vault-bootstrap/temporal-server:${goModVersion('server', 'go.temporal.io/server')}`;
const UI_IMAGE = `vault-bootstrap/temporal-ui:${goModVersion('ui', 'github.com/temporalio/ui-server/v2')}`;
/** The server's config, its template actions made plain strings. */
const serverConfig = parse(
  read('temporal-cluster', 'compose', 'config.yaml').replace(/\{\{(.*?)\}\}/g, (_, t: string) =>
    JSON.stringify(`template:${t.trim()}`),
  ),
) as {
  persistence: { datastores: Record<string, { sql: { password: unknown; connectAddr: string } }> };
  global: { tls: Record<string, Record<string, unknown>> };
};

void describe('docker-compose.temporal.yml', () => {
  void it('has the database, the schema one-shot, the server, the setup one-shot and the UI; nothing else', () => {
    assert.deepEqual(services.map(([name]) => name).sort(), [
      'postgresql',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
    ]);
  });

  void it('is valid for Compose v1 too: no top-level name (the project name is -p or COMPOSE_PROJECT_NAME)', () => {
    assert.deepEqual(Object.keys(file).sort(), ['services', 'volumes']);
    assert.match(
      read('docker-compose.temporal.yml'),
      /COMPOSE_PROJECT_NAME/,
      'the header says how to name it',
    );
  });

  void it("runs only the project's own images, at the versions of its go.mod files and the bed's PostgreSQL", () => {
    for (const [name, svc] of services) {
      assert.equal(
        svc.build,
        undefined,
        `${name}: built by temporal-cluster/build-images.sh, not by compose`,
      );
      assert.equal(typeof svc.image, 'string', `${name} names an image`);
      assert.doesNotMatch(
        String(svc.image),
        /\$\{?/,
        `${name}: the tag is written in the file, not in a variable`,
      );
      assert.match(
        String(svc.image),
        /^vault-bootstrap\/temporal-[a-z]+:[0-9][A-Za-z0-9.-]*$/,
        `${name}: pinned`,
      );
    }
    for (const name of ['temporal-schema', 'temporal', 'temporal-setup'])
      assert.equal(
        service(file, name).image,
        SERVER_IMAGE,
        `${name}: the server's image, the schema tool's release`,
      );
    assert.equal(service(file, 'temporal-ui').image, UI_IMAGE);
    // The bed's cluster runs Debian's PostgreSQL 15 (testbed/temporal-cluster.sh); the image the same major.
    const bedMajor = /^PG_BIN=\/usr\/lib\/postgresql\/(\d+)\/bin$/m.exec(
      read('testbed', 'temporal-cluster.sh'),
    )?.[1];
    const imageMajor = /^ARG PG_MAJOR=(\d+)$/m.exec(read('temporal-cluster', 'postgres', 'Dockerfile'))?.[1];
    assert.ok(bedMajor && imageMajor);
    assert.equal(imageMajor, bedMajor, 'the same PostgreSQL major as the bed');
    assert.equal(service(file, 'postgresql').image, `vault-bootstrap/temporal-postgres:${imageMajor}`);
  });

  void it('publishes the frontend and the UI on 127.0.0.1 by default (7233, 8080), and the database nowhere', () => {
    const all: string[] = [];
    for (const [name, svc] of services) {
      for (const p of published(svc)) {
        assert.equal(p.hostIp, '127.0.0.1', `${name}: ${p.raw} binds 127.0.0.1 unless told otherwise`);
        all.push(`${name}:${p.hostPort}`);
      }
    }
    assert.deepEqual(all.sort(), ['temporal-ui:8080', 'temporal:7233']);
    // Overridable, for a swarm's private address and for tests on free ports.
    assert.match(
      JSON.stringify(service(file, 'temporal').ports),
      /\$\{TEMPORAL_PUBLISH_ADDRESS:-127\.0\.0\.1\}/,
    );
    assert.match(JSON.stringify(service(file, 'temporal').ports), /\$\{TEMPORAL_PORT:-7233\}/);
    assert.match(JSON.stringify(service(file, 'temporal-ui').ports), /\$\{TEMPORAL_UI_PORT:-8080\}/);
  });

  void it('keeps the database in a named volume', () => {
    const data = mounts(service(file, 'postgresql')).find((v) => v.target === '/var/lib/postgresql/data');
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

  void it('has health checks that need no shell, and starts in order', () => {
    const test = (name: string) => (service(file, name).healthcheck as { test?: unknown } | undefined)?.test;
    assert.deepEqual((test('temporal') as string[]).slice(0, 3), [
      'CMD',
      '/usr/local/bin/vbt-temporal-server',
      'health',
    ]);
    assert.deepEqual(test('temporal-ui'), ['CMD', '/usr/local/bin/vbt-temporal-ui', '-healthcheck']);
    assert.deepEqual((test('postgresql') as string[]).slice(0, 2), ['CMD', 'pg_isready']);
    const deps = (name: string) =>
      Object.fromEntries(
        Object.entries((service(file, name).depends_on ?? {}) as Record<string, { condition?: string }>).map(
          ([k, v]) => [k, v.condition],
        ),
      );
    assert.deepEqual(deps('temporal-schema'), { postgresql: 'service_healthy' });
    assert.deepEqual(deps('temporal'), {
      postgresql: 'service_healthy',
      'temporal-schema': 'service_completed_successfully',
    });
    assert.deepEqual(deps('temporal-setup'), { temporal: 'service_healthy' });
    assert.deepEqual(deps('temporal-ui'), {
      temporal: 'service_healthy',
      'temporal-setup': 'service_completed_successfully',
    });
  });

  void it("mounts the bed's certificate files by their names, each key only where it is used; mTLS everywhere", () => {
    // The names testbed/temporal-cluster.sh issues (so the bed's PKI folder mounts as it is).
    const roles =
      /^CLIENT_ROLES=\(([^)]*)\)$/m.exec(read('testbed', 'temporal-cluster.sh'))?.[1]?.split(/\s+/) ?? [];
    assert.ok(
      roles.includes('admin') && roles.includes('viewer'),
      `the bed issues admin and viewer (${roles.join(' ')})`,
    );
    assert.deepEqual(pkiFiles(service(file, 'temporal')), [
      'ca.pem',
      'internode.key',
      'internode.pem',
      'server.key',
      'server.pem',
    ]);
    assert.deepEqual(pkiFiles(service(file, 'temporal-setup')), ['admin.key', 'admin.pem', 'ca.pem']);
    assert.deepEqual(pkiFiles(service(file, 'temporal-ui')), ['ca.pem', 'viewer.key', 'viewer.pem']);
    assert.deepEqual(
      pkiFiles(service(file, 'temporal-schema')),
      [],
      'the schema one-shot speaks only to the database',
    );
    assert.deepEqual(pkiFiles(service(file, 'postgresql')), []);
    const setup = JSON.stringify(service(file, 'temporal-setup').command);
    assert.match(setup, /-tls-cert=\/etc\/temporal\/pki\/admin\.pem/);
    assert.match(setup, /-tls-server-name=temporal/);
    const ui = environment(service(file, 'temporal-ui'));
    assert.equal(ui.VBT_UI_TLS_CERT, '/etc/temporal/pki/viewer.pem');
    assert.equal(ui.VBT_UI_TLS_SERVER_NAME, 'temporal', 'the name the bed issues the server certificate for');
    // The server: client certificates required on the frontend and between its services.
    const tls = serverConfig.global.tls;
    for (const side of ['frontend', 'internode']) {
      const server = tls[side]?.server as { requireClientAuth?: unknown; certFile?: unknown } | undefined;
      assert.equal(server?.requireClientAuth, true, `${side} requires client certificates`);
      assert.match(String(server?.certFile), /^\/etc\/temporal\/pki\/(server|internode)\.pem$/);
    }
    assert.match(String(service(file, 'temporal').command), /-config,\/etc\/temporal\/config\.yaml/);
  });

  void it('takes the database password from the environment only: required, in no file and no command', () => {
    for (const name of ['postgresql', 'temporal-schema', 'temporal']) {
      assert.match(
        environment(service(file, name)).TEMPORAL_DB_PASSWORD ?? '',
        /^\$\{TEMPORAL_DB_PASSWORD:\?[^}]+\}$/,
        `${name}: TEMPORAL_DB_PASSWORD is required`,
      );
    }
    for (const [name, svc] of services) {
      assert.doesNotMatch(JSON.stringify([svc.command, svc.healthcheck]), /PASSWORD/, `${name}: not in argv`);
    }
    for (const store of ['default', 'visibility'])
      assert.equal(
        serverConfig.persistence.datastores[store]?.sql.password,
        'template:env "TEMPORAL_DB_PASSWORD" | toJson',
        `${store}: the server renders the password from its environment`,
      );
  });

  void it('runs the containers without capabilities', () => {
    for (const name of ['temporal-schema', 'temporal', 'temporal-setup', 'temporal-ui']) {
      assert.deepEqual(service(file, name).cap_drop, ['ALL'], `${name} drops every capability`);
    }
  });

  void it('registers the search attributes the workflows write, with their types, as the admin role', () => {
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
    assert.deepEqual(
      registrars.map(([name]) => name),
      ['temporal-setup'],
      'one service registers the search attributes',
    );
    const svc = service(file, 'temporal-setup');
    const pairs = environment(svc).VAULT_SEARCH_ATTRIBUTES!.split(/\s+/).filter(Boolean);
    assert.deepEqual([...pairs].sort(), [...wanted].sort(), 'temporal-setup registers exactly these');
    assert.ok(Array.isArray(svc.command) && svc.command[0] === 'setup', "it runs the server image's setup");
    assert.match(JSON.stringify(svc.command), /-address=temporal:7233/);
  });
});
