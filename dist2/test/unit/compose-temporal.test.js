"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Shape of `docker-compose.temporal.yml`, the production-like Temporal for operators. No image can be pulled on
 * the test bed, so the file is never started here: these checks are what keeps it honest.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const yaml_1 = require("yaml");
const search_attributes_1 = require("../../src/shared/search-attributes");
const testbed_1 = require("../support/testbed");
function load() {
    const doc = (0, yaml_1.parse)((0, node_fs_1.readFileSync)((0, node_path_1.join)(testbed_1.REPO, 'docker-compose.temporal.yml'), 'utf8'));
    strict_1.default.ok(doc !== null && typeof doc === 'object', 'the file is a YAML mapping');
    const services = doc.services;
    strict_1.default.ok(services !== null && typeof services === 'object', 'it has a services mapping');
    return doc;
}
function service(file, name) {
    const svc = file.services[name];
    strict_1.default.ok(svc, `service ${name} exists`);
    return svc;
}
/** `environment` as a map, from either the mapping or the `KEY=value` list form. */
function environment(svc) {
    const env = svc.environment;
    if (env === undefined)
        return {};
    if (Array.isArray(env)) {
        return Object.fromEntries(env.map((e) => {
            const s = String(e);
            const i = s.indexOf('=');
            return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
        }));
    }
    strict_1.default.ok(typeof env === 'object' && env !== null);
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
/** Host IP and host port of every published port, from the short (`ip:host:container`) or long syntax. */
function published(svc) {
    if (svc.ports === undefined)
        return [];
    strict_1.default.ok(Array.isArray(svc.ports), 'ports is a list');
    return svc.ports.map((p) => {
        if (typeof p === 'object' && p !== null) {
            const long = p;
            const scalar = (v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
            return { hostIp: scalar(long.host_ip), hostPort: scalar(long.published) ?? '', raw: JSON.stringify(p) };
        }
        const raw = String(p).replace(/\/(tcp|udp)$/, '');
        // [ip:]host:container, where ip may be a bracketed IPv6 address; a lone "container" publishes a random port.
        const m = /^(?:(\[[^\]]+\]|[^:]+):)?([^:]+):([^:]+)$/.exec(raw);
        if (!m)
            return { hostIp: undefined, hostPort: '', raw };
        return { hostIp: m[1], hostPort: m[2] ?? '', raw };
    });
}
const file = load();
const services = Object.entries(file.services);
void (0, node_test_1.describe)('docker-compose.temporal.yml', () => {
    void (0, node_test_1.it)('has the database, the server and the UI', () => {
        for (const name of ['postgresql', 'temporal', 'temporal-ui'])
            service(file, name);
    });
    void (0, node_test_1.it)('pins every image to an exact version', () => {
        for (const [name, svc] of services) {
            strict_1.default.equal(typeof svc.image, 'string', `${name} names an image`);
            const image = String(svc.image);
            strict_1.default.doesNotMatch(image, /\$\{?/, `${name}: the version is written in the file, not in a variable`);
            const m = /^([a-z0-9._/-]+):([A-Za-z0-9._-]+)(@sha256:[a-f0-9]{64})?$/.exec(image);
            strict_1.default.ok(m, `${name}: ${image} has a tag`);
            const tag = m[2] ?? '';
            strict_1.default.notEqual(tag.toLowerCase(), 'latest', `${name}: ${image} is not latest`);
            // postgres versions are major.minor (16.10); Temporal's are major.minor.patch (1.29.1, 2.34.0).
            const exact = m[1] === 'postgres' ? /^\d+\.\d+(-[a-z0-9.]+)?$/ : /^\d+\.\d+\.\d+(-[A-Za-z0-9.-]+)?$/;
            strict_1.default.match(tag, exact, `${name}: ${image} is pinned to an exact version, not a floating one`);
        }
        strict_1.default.match(String(service(file, 'postgresql').image), /^postgres:16\./, 'PostgreSQL 16');
        // The schema tool and the server must be the same release, or the schema may not match the server.
        const serverVersion = /:(\d+\.\d+\.\d+)/.exec(String(service(file, 'temporal').image))?.[1];
        strict_1.default.ok(serverVersion);
        for (const [name, svc] of services) {
            const image = String(svc.image);
            if (image.startsWith('temporalio/admin-tools:')) {
                strict_1.default.ok(image.startsWith(`temporalio/admin-tools:${serverVersion}`), `${name} matches server ${serverVersion}`);
            }
        }
    });
    void (0, node_test_1.it)('publishes ports on 127.0.0.1 only: 7233 for gRPC, 8080 for the UI', () => {
        const all = [];
        for (const [name, svc] of services) {
            for (const p of published(svc)) {
                strict_1.default.equal(p.hostIp, '127.0.0.1', `${name}: ${p.raw} binds 127.0.0.1`);
                all.push(`${name}:${p.hostPort}`);
            }
        }
        strict_1.default.ok(all.includes('temporal:7233'), `temporal publishes 7233 (got ${all.join(', ')})`);
        strict_1.default.ok(all.includes('temporal-ui:8080'), `temporal-ui publishes 8080 (got ${all.join(', ')})`);
        strict_1.default.deepEqual(published(service(file, 'postgresql')), [], 'the database is not published');
    });
    void (0, node_test_1.it)('keeps the database in a named volume', () => {
        const volumes = service(file, 'postgresql').volumes;
        strict_1.default.ok(Array.isArray(volumes), 'postgresql has volumes');
        const data = volumes
            .map((v) => typeof v === 'object' && v !== null
            ? {
                source: String(v.source),
                target: String(v.target),
            }
            : { source: String(v).split(':')[0] ?? '', target: String(v).split(':')[1] ?? '' })
            .find((v) => v.target === '/var/lib/postgresql/data');
        strict_1.default.ok(data, 'a volume is mounted at /var/lib/postgresql/data');
        strict_1.default.match(data.source, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, `${data.source} is a volume name, not a host path`);
        strict_1.default.ok(file.volumes && data.source in file.volumes, `${data.source} is declared under top-level volumes`);
    });
    void (0, node_test_1.it)('has health checks and starts in order: the server waits for a healthy database', () => {
        for (const name of ['postgresql', 'temporal', 'temporal-ui']) {
            const hc = service(file, name).healthcheck;
            strict_1.default.ok(hc && hc.test, `${name} has a healthcheck`);
        }
        const deps = service(file, 'temporal').depends_on;
        strict_1.default.ok(deps && !Array.isArray(deps), 'temporal.depends_on uses the long syntax with conditions');
        strict_1.default.equal(deps.postgresql?.condition, 'service_healthy');
        for (const [name, dep] of Object.entries(deps)) {
            strict_1.default.ok(dep.condition, `temporal waits for ${name} with a condition`);
        }
        const ui = service(file, 'temporal-ui').depends_on;
        strict_1.default.equal(ui?.temporal?.condition, 'service_healthy', 'the UI waits for a healthy server');
    });
    void (0, node_test_1.it)('registers the search attributes the workflows write, with their types', () => {
        // The CLI's names for the SDK's types.
        const cliType = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
        const wanted = [
            search_attributes_1.VAULT_BOOTSTRAP_STEP,
            search_attributes_1.VAULT_HEALTH_VERDICT,
            search_attributes_1.VAULT_HEALTH_FINDINGS,
            search_attributes_1.VAULT_RESTORE_DRILL,
        ].map((k) => `${k.name}=${cliType[k.type] ?? k.type}`);
        strict_1.default.deepEqual(wanted, [
            'VaultBootstrapStep=Keyword',
            'VaultHealthVerdict=Keyword',
            'VaultHealthFindings=KeywordList',
            'VaultRestoreDrill=Keyword',
        ]);
        const registrars = services.filter(([, svc]) => environment(svc).VAULT_SEARCH_ATTRIBUTES !== undefined);
        strict_1.default.equal(registrars.length, 1, 'one service registers the search attributes');
        const [name, svc] = registrars[0];
        const pairs = environment(svc).VAULT_SEARCH_ATTRIBUTES.split(/\s+/).filter(Boolean);
        strict_1.default.deepEqual([...pairs].sort(), [...wanted].sort(), `${name} registers exactly these`);
        const command = JSON.stringify(svc.command);
        strict_1.default.match(command, /temporal operator search-attribute create/, `${name} runs search-attribute create`);
        strict_1.default.match(command, /VAULT_SEARCH_ATTRIBUTES/, `${name} reads the list it is given`);
        const deps = svc.depends_on;
        strict_1.default.equal(deps?.temporal?.condition, 'service_healthy', `${name} waits for a healthy server`);
    });
});
//# sourceMappingURL=compose-temporal.test.js.map