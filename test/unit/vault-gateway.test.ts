/**
 * The Vault gateway against a small local HTTPS server (127.0.0.1, a certificate made with openssl for this
 * test, server name vault-1, `direct` addressing): a node answering with a version this bootstrap does not
 * know is refused as a VaultProtocolError, which the activities turn into the non-retryable
 * `UnexpectedVaultResponse`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { createRequire } from 'node:module';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure, VaultProtocolError, VaultRequestError } from '../../src/shared/errors';
import type { VaultServer } from '../../src/shared/vault-server';
import { VaultNodeClient } from '../../src/vault/gateway';
import type { VaultTimeouts } from '../../src/vault/gateway';
import { TestCertificates } from '../support/certs';
import { fakeWorld } from '../support/fakes';
import { testDir } from '../support/tmp';

/** A CA and a server certificate for vault-1 and 127.0.0.1, made once per test file. */
const certificates = (async () => {
  const certs = new TestCertificates(testDir('vbt-gw-'));
  await certs.createCa();
  await certs.issueServer(1);
  return certs.dir;
})();

/** What the fake node answers on seal-status and unseal; the tests change it between calls. */
let sealStatus: Record<string, unknown> = {};

function answer(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'shamir',
    initialized: true,
    sealed: true,
    t: 1,
    n: 1,
    progress: 0,
    version: '2.7.2',
    ...overrides,
  };
}

/** What the fake node answers to one request path. */
interface Reply {
  status?: number;
  body: unknown;
  delayMs?: number;
}

/**
 * A fake Vault node for the surrounding `describe`: an HTTPS server on 127.0.0.1 with the test bed's
 * certificate, answering `route(url)`. Returns a factory of gateway clients for it (`direct`, vault-1).
 */
function fakeNode(
  route: (url: string, headers: IncomingHttpHeaders) => Reply,
): (timeouts: VaultTimeouts) => VaultNodeClient {
  let ca = Buffer.alloc(0);
  let server: Server | undefined;
  let port = 0;
  before(async () => {
    const dir = await certificates;
    ca = readFileSync(join(dir, 'ca.pem'));
    server = createServer(
      { cert: readFileSync(join(dir, 'fullchain.pem')), key: readFileSync(join(dir, 'privkey.pem')) },
      (req, res) => {
        req.resume();
        const reply = route(req.url ?? '', req.headers);
        setTimeout(() => {
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(reply.body));
        }, reply.delayMs ?? 0);
      },
    );
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server?.closeAllConnections();
    return new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });
  return (timeouts) =>
    new VaultNodeClient(
      'vault-1',
      { host: '127.0.0.1', port, serverName: 'vault-1' },
      { mode: 'direct' },
      ca,
      timeouts,
    );
}

describe('Vault gateway: version check', () => {
  const node = fakeNode((url) =>
    url === '/v1/sys/seal-status' || url === '/v1/sys/unseal'
      ? { body: sealStatus }
      : { status: 404, body: { errors: [] } },
  );
  const client = (): VaultNodeClient => node({ requestMs: 5_000, initMs: 5_000 });

  for (const version of ['2.7.2', '1.17.6', '1.17.6+ent', '1.4.0-rc1', '10.0.0']) {
    it(`accepts version ${version}`, async () => {
      sealStatus = answer({ version });
      const s = await client().sealStatus();
      assert.equal(s.version, version);
      assert.equal(s.sealed, true);
    });
  }

  for (const version of ['0.11.6', 'v1.17.6', '1.17', '', 'OpenBao', 17, null, undefined]) {
    it(`refuses version ${JSON.stringify(version) ?? 'absent'} as a VaultProtocolError`, async () => {
      sealStatus = answer({ version });
      await assert.rejects(client().sealStatus(), (err: unknown) => {
        assert.ok(err instanceof VaultProtocolError, String(err));
        assert.match(
          err.message,
          /vault-1 reports version .* in seal-status; expected .*major\.minor\.patch/,
        );
        return true;
      });
    });
  }

  it('names the server: OpenBao 2.7.2 from commit_date, no removed_from_cluster to report', async () => {
    // OpenBao 2.6.0 changelog: seal-status's build_date renamed commit_date (GH-2678).
    sealStatus = answer({ commit_date: '2026-11-02T10:00:00Z' });
    const s = await client().sealStatus();
    assert.deepEqual(s.server, { product: 'openbao', version: '2.7.2' });
    assert.equal(s.removedFromCluster, undefined);
  });

  it('names the server: Vault 1.19 from removed_from_cluster, and reports a removed node', async () => {
    // developer.hashicorp.com/vault/api-docs/system/seal-status, "Sample response", with the node removed.
    sealStatus = answer({
      build_date: '2024-11-15T14:17:42Z',
      removed_from_cluster: true,
      storage_type: 'raft',
      version: '1.19.0-beta1',
    });
    const s = await client().sealStatus();
    assert.deepEqual(s.server, { product: 'vault', version: '1.19.0-beta1' });
    assert.equal(s.removedFromCluster, true);
  });

  it('checks the version in the answer to an unseal too, and never echoes the key', async () => {
    sealStatus = answer({ version: '0.9.0', sealed: false });
    const key = 'c2VjcmV0LXVuc2VhbC1rZXktZm9yLXRlc3Rz';
    await assert.rejects(client().unseal(key), (err: unknown) => {
      assert.ok(err instanceof VaultProtocolError, String(err));
      assert.ok(!err.message.includes(key));
      return true;
    });
  });

  it('still refuses a seal type other than Shamir', async () => {
    sealStatus = answer({ type: 'awskms' });
    await assert.rejects(client().sealStatus(), /uses seal type "awskms"/);
  });

  it('activities turn a VaultProtocolError into the non-retryable UnexpectedVaultResponse', () => {
    const failure = toFailure(new VaultProtocolError('vault-1 reports version "0.9.0"'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'UnexpectedVaultResponse');
    assert.equal(failure.nonRetryable, true);
  });

  it('an activity meeting that node fails by name at once (not after its wait deadline)', async () => {
    sealStatus = answer({ version: '0.9.0' });
    const w = fakeWorld({ vaultNode: () => client() });
    await w.swarm.createSecret(w.secretBase, Buffer.from('placeholder'), {});
    await w.swarm.givenService(w.stack, w.secretBase);
    w.custody.put(w.stack, { unsealKey: 'a2V5', rootToken: 't' });
    await assert.rejects(w.run(w.acts.unsealLeader, w.input), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'UnexpectedVaultResponse');
      return true;
    });
    assert.deepEqual(w.clock.sleeps, [], 'no wait: the first answer ended the step');
  });
});

describe('Vault gateway: timeouts', () => {
  /** How long the fake node takes to answer seal-status and sys/init, in milliseconds. */
  let delays = { sealStatus: 0, init: 0 };
  const node = fakeNode((url) =>
    url === '/v1/sys/init'
      ? { body: { keys_base64: ['a2V5'], keys: ['6b6579'], root_token: 'hvs.test' }, delayMs: delays.init }
      : { body: answer({ initialized: false, sealed: true }), delayMs: delays.sealStatus },
  );
  const client = (): VaultNodeClient => node({ requestMs: 300, initMs: 5_000 });

  it('gives up on an ordinary call after the request timeout', async () => {
    delays = { sealStatus: 1_500, init: 0 };
    await assert.rejects(client().sealStatus(), /reading seal status on vault-1: no answer in time/);
  });

  it('waits for a sys/init answer slower than the request timeout, so the key is not dropped', async () => {
    delays = { sealStatus: 0, init: 1_500 };
    const answered = await client().init();
    assert.equal(answered.unsealKey, 'a2V5');
    assert.equal(answered.rootToken, 'hvs.test');
  });
});

describe('Vault gateway: an address that accepts but never answers', () => {
  it('fails the call after the 3 s TLS handshake limit, not the whole request timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket)); // accepts, never speaks TLS
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const client = new VaultNodeClient(
        'vault-2',
        { host: '127.0.0.1', port: (silent.address() as AddressInfo).port, serverName: 'vault-2' },
        { mode: 'direct' },
        Buffer.from(''),
        { requestMs: 60_000, initMs: 60_000 },
      );
      // The handshake limit's own error, not the request timeout's (ETIMEDOUT after 60 s).
      await assert.rejects(client.sealStatus(), /no TLS handshake from vault-2 within 3s/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('Vault gateway: only src/config/ decides where it connects and what it sends (issue 10, item 2)', () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const node = fakeNode((url, headers) => {
    seen.push({ url, headers });
    return url === '/v1/sys/seal-status' ? { body: answer({}) } : { status: 404, body: { errors: [] } };
  });
  const names = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
  const more = ['VAULT_TOKEN', 'VAULT_PREFIX', 'VAULT_NAMESPACE', 'VAULT_SKIP_VERIFY'] as const;
  const saved = new Map<string, string | undefined>();
  let proxyHits = 0;
  const proxy = createHttpServer((_req, res) => {
    proxyHits++;
    res.writeHead(502).end();
  }).on('connect', (_req, socket) => {
    proxyHits++;
    socket.destroy();
  });

  before(async () => {
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    for (const n of [...names, ...more]) saved.set(n, process.env[n]);
    for (const n of names) delete process.env[n];
    process.env.HTTPS_PROXY = proxyUrl;
    process.env.https_proxy = proxyUrl;
    process.env.VAULT_TOKEN = 'hvs.token-from-the-environment';
    process.env.VAULT_PREFIX = '/prefix-from-env';
    process.env.VAULT_NAMESPACE = 'ns-from-env';
  });
  after(async () => {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it('with HTTPS_PROXY set, the node is reached directly through the agent, never the proxy', async () => {
    const s = await node({ requestMs: 5_000, initMs: 5_000 }).sealStatus();
    assert.equal(s.initialized, true);
    assert.equal(proxyHits, 0, 'the proxy saw no request');
  });

  it('VAULT_TOKEN, VAULT_PREFIX, VAULT_NAMESPACE from the environment are not used', async () => {
    seen.length = 0;
    await node({ requestMs: 5_000, initMs: 5_000 }).sealStatus();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.url, '/v1/sys/seal-status', 'no prefix from VAULT_PREFIX');
    assert.equal(seen[0]?.headers['x-vault-token'], undefined, 'no token on an unauthenticated call');
    assert.equal(seen[0]?.headers['x-vault-namespace'], undefined);
  });
});

/**
 * `sys/health` (src/vault/gateway.ts, `health`): its status code is the answer, read whatever it is, with the
 * codes of the node's server. The answers are built from developer.hashicorp.com/vault/api-docs/system/health
 * ("The default status codes are": 200 active, 429 standby, 472 DR secondary, 473 performance standby, 474
 * standby that cannot connect to the active node, 501 not initialized, 503 sealed, 530 removed; its sample
 * response for the fields), and for OpenBao from openbao.org/api-docs/system/health (200, 429, 501, 503).
 */
describe("Vault gateway: sys/health, its status code read with the server's codes", () => {
  let reply: Reply = { body: {} };
  const seen: { url: string; token: string | string[] | undefined }[] = [];
  const node = fakeNode((url, headers) => {
    seen.push({ url, token: headers['x-vault-token'] });
    return url === '/v1/sys/health' ? reply : { status: 404, body: { errors: [] } };
  });
  const client = (): VaultNodeClient => node({ requestMs: 500, initMs: 500 });
  const vault119: VaultServer = { product: 'vault', version: '1.19.0' };
  const openbao: VaultServer = { product: 'openbao', version: '2.7.2' };

  /** Vault 1.19's body, after the page's sample response (removed_from_cluster: a Raft node of 1.19+). */
  function vaultBody(overrides: Record<string, unknown>): Record<string, unknown> {
    return {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: 1516639589,
      version: '1.19.0',
      enterprise: false,
      cluster_name: 'vault-cluster-3bd69ca2',
      cluster_id: '00af5aa8-c87d-b5fc-e82e-97cd8dfaf731',
      echo_duration_ms: 0,
      clock_skew_ms: 0,
      replication_primary_canary_age_ms: 0,
      removed_from_cluster: false,
      ...overrides,
    };
  }

  const cases: [string, number, Record<string, unknown>, string][] = [
    ['active', 200, {}, 'active'],
    ['standby', 429, { standby: true, ha_connection_healthy: true }, 'standby'],
    [
      'DR secondary',
      472,
      { replication_dr_mode: 'secondary', version: '1.19.0+ent', enterprise: true },
      'drSecondary',
    ],
    [
      'performance standby',
      473,
      { standby: true, performance_standby: true, version: '1.19.0+ent', enterprise: true },
      'performanceStandby',
    ],
    [
      'standby that cannot reach the active node',
      474,
      { standby: true, ha_connection_healthy: false, last_request_forwarding_heartbeat_ms: 12000 },
      'standbyCannotReachActive',
    ],
    ['not initialized', 501, { initialized: false, sealed: true, standby: true }, 'uninitialized'],
    ['sealed', 503, { sealed: true, standby: true }, 'sealed'],
    ['removed (and sealed)', 530, { sealed: true, standby: true, removed_from_cluster: true }, 'removed'],
  ];
  for (const [what, status, overrides, state] of cases) {
    it(`Vault 1.19, ${what}: HTTP ${status} is ${state}, with the body's fields`, async () => {
      reply = { status, body: vaultBody(overrides) };
      const h = await client().health(vault119);
      assert.equal(h.state, state);
      assert.equal(h.status, status);
      assert.equal(h.initialized, overrides.initialized ?? true);
      assert.equal(h.sealed, overrides.sealed ?? false);
      assert.equal(h.standby, overrides.standby ?? false);
      assert.equal(h.version, overrides.version ?? '1.19.0');
      assert.equal(h.removedFromCluster, overrides.removed_from_cluster ?? false);
    });
  }

  it('sends GET /v1/sys/health with no parameter (the default codes) and no token', async () => {
    seen.length = 0;
    reply = { status: 429, body: vaultBody({ standby: true }) };
    await client().health(vault119);
    assert.deepEqual(seen, [{ url: '/v1/sys/health', token: undefined }]);
  });

  it('OpenBao 2.7.2: a standby is 429, no removed_from_cluster in its answer', async () => {
    reply = { status: 429, body: { initialized: true, sealed: false, standby: true, version: '2.7.2' } };
    const h = await client().health(openbao);
    assert.equal(h.state, 'standby');
    assert.equal(h.removedFromCluster, undefined);
  });

  it("a code the server does not document (a 474 from OpenBao, a proxy's 502) is a VaultProtocolError", async () => {
    reply = { status: 474, body: { initialized: true, sealed: false, standby: true, version: '2.7.2' } };
    await assert.rejects(client().health(openbao), (err: unknown) => {
      assert.ok(err instanceof VaultProtocolError, String(err));
      assert.equal(
        err.message,
        'vault-1 answered sys/health with HTTP 474, which OpenBao 2.7.2 does not document',
      );
      return true;
    });
    reply = { status: 502, body: '<html>Bad Gateway</html>' };
    await assert.rejects(client().health(vault119), (err: unknown) => {
      assert.ok(err instanceof VaultProtocolError, String(err));
      assert.match(err.message, /HTTP 502, which HashiCorp Vault 1\.19\.0 does not document/);
      return true;
    });
  });

  it('a body that contradicts its code, or has no fields, is a VaultProtocolError naming both', async () => {
    reply = { status: 503, body: vaultBody({}) }; // sealed code, unsealed body
    await assert.rejects(
      client().health(vault119),
      (err: unknown) =>
        err instanceof VaultProtocolError &&
        err.message ===
          'vault-1 answered sys/health with HTTP 503 (sealed) but a body that says initialized true, sealed false, ' +
            'standby false, removed_from_cluster false',
    );
    reply = { status: 200, body: vaultBody({ standby: true }) }; // active code, standby body
    await assert.rejects(client().health(vault119), VaultProtocolError);
    reply = { status: 429, body: {} };
    await assert.rejects(
      client().health(vault119),
      /vault-1 answered sys\/health with HTTP 429 without boolean initialized\/sealed\/standby fields/,
    );
  });

  it('no answer in time is a VaultRequestError of the call, like any other', async () => {
    reply = { status: 200, body: vaultBody({}), delayMs: 1_500 };
    await assert.rejects(client().health(vault119), (err: unknown) => {
      assert.ok(err instanceof VaultRequestError, String(err));
      assert.match(err.message, /^reading sys\/health on vault-1: no answer in time/);
      return true;
    });
  });
});

/**
 * What node-vault still does (src/vault/gateway.ts, its header): build each call's URL, and turn an answer
 * other than 200 or 204 into an error carrying the status and Vault's error text. Everything else of it is
 * replaced or off; these pin both, so that a node-vault upgrade that changes them fails here.
 */
describe('Vault gateway: the thin node-vault client', () => {
  const seen: { url: string; token: string | string[] | undefined }[] = [];
  const KEY = 'a2V5LW1hdGVyaWFsLW5ldmVyLXByaW50ZWQ=';
  const node = fakeNode((url, headers) => {
    seen.push({ url, token: headers['x-vault-token'] });
    if (url === '/v1/secret/ok') return { status: 204, body: undefined };
    if (url === '/v1/secret/denied') return { status: 403, body: { errors: ['permission denied', 'twice'] } };
    if (url === '/v1/secret/bare') return { status: 500, body: {} };
    if (url === '/v1/sys/unseal') return { body: answer({ sealed: false }) };
    return { status: 404, body: { errors: [] } };
  });

  it('sends the path under /v1 with the token of the call; 204 is success, 404 absent', async () => {
    seen.length = 0;
    const client = node({ requestMs: 5_000, initMs: 5_000 });
    await client.writeKv('hvs.call-token', 'secret/ok', { a: 'b' });
    assert.equal(await client.readKv('hvs.other-token', 'secret/missing'), undefined);
    assert.deepEqual(seen, [
      { url: '/v1/secret/ok', token: 'hvs.call-token' },
      { url: '/v1/secret/missing', token: 'hvs.other-token' },
    ]);
  });

  it("an answer other than 200/204 is a VaultRequestError with the status and Vault's errors, nothing more", async () => {
    const client = node({ requestMs: 5_000, initMs: 5_000 });
    await assert.rejects(client.writeKv('hvs.call-token', 'secret/denied', { k: 'v' }), (err: unknown) => {
      assert.equal((err as Error).name, 'VaultRequestError');
      assert.equal((err as { status?: number }).status, 403);
      assert.equal(
        (err as Error).message,
        'writing secret/denied on vault-1: HTTP 403: permission denied; twice',
      );
      return true;
    });
    await assert.rejects(
      client.writeKv('hvs.call-token', 'secret/bare', { k: 'v' }),
      /^VaultRequestError: writing secret\/bare on vault-1: HTTP 500$/,
    );
  });

  it("node-vault's debug output stays off with DEBUG=node-vault: request bodies (keys) are never printed", async () => {
    const debug = createRequire(require.resolve('node-vault'))('debug') as DebugModule;
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const previous = debug.disable();
    debug.enable('node-vault');
    process.stderr.write = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    try {
      debug('node-vault')('probe'); // the capture works: node-vault's own namespace would print
      await node({ requestMs: 5_000, initMs: 5_000 }).unseal(KEY);
    } finally {
      process.stderr.write = write;
      debug.disable();
      if (previous) debug.enable(previous);
    }
    assert.equal(written.filter((l) => l.includes('probe')).length, 1, written.join(''));
    assert.deepEqual(
      written.filter((l) => !l.includes('probe')),
      [],
      'nothing else from node-vault',
    );
  });
});

/** The `debug` package node-vault logs through (no types are installed for it). */
interface DebugModule {
  (namespace: string): (...args: unknown[]) => void;
  enable(namespaces: string): void;
  disable(): string;
}
