/**
 * The node agent's Docker proxy (src/docker/proxy.ts) between the agent's own gateway (DockerGateway, the code
 * the node-local activities run) and a stand-in Engine on a Unix socket that records what reaches it: the
 * agent's calls get through, and only to Vault tasks; everything else is refused with 403 and a message, and
 * never reaches the Engine. The real Engine behind it is the worker-stack tests' (e2e 11).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerGateway } from '../../src/docker/gateway';
import { startDockerProxy } from '../../src/docker/proxy';
import type { DockerProxy } from '../../src/docker/proxy';
import { testDir } from '../support/tmp';

const VAULT_ID = 'a'.repeat(64);
const OTHER_ID = 'b'.repeat(64);
const VAULT_LABELS = {
  'com.docker.stack.namespace': 'iklimco',
  'com.docker.swarm.service.name': 'iklimco_vault',
  'com.docker.swarm.task.id': 'task1',
  'com.docker.swarm.task.name': 'iklimco_vault.1.task1',
};

/** A stand-in Engine: answers what the agent asks, records every request line it gets. */
class StandInEngine {
  readonly seen: string[] = [];
  readonly eventStreams: ServerResponse[] = [];
  private server = http.createServer((req, res) => this.answer(req, res));

  constructor(readonly path: string) {}

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, r));
  }

  close(): Promise<void> {
    for (const s of this.eventStreams) s.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.seen.push(`${req.method} ${req.url}`);
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    const url = req.url ?? '';
    if (url === '/_ping') return void res.end('OK');
    if (url === '/info')
      return json(200, {
        Swarm: { NodeID: 'node-1', LocalNodeState: 'active', RemoteManagers: [{ Addr: '10.0.0.1:2377' }] },
        HttpProxy: 'http://user:pass@proxy',
        Name: 'host',
      });
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(url);
    if (inspect) {
      const ref = inspect[1]!;
      if (VAULT_ID.startsWith(ref))
        return json(200, {
          Id: VAULT_ID,
          Config: { Labels: VAULT_LABELS, Env: ['VAULT_ADDR=x'] },
          State: { Running: true, StartedAt: '2026-12-06T20:00:00.5Z', Pid: 4242 },
        });
      if (OTHER_ID.startsWith(ref))
        return json(200, { Id: OTHER_ID, Config: { Labels: { app: 'db' }, Env: ['DB_PASSWORD=hunter2'] } });
      return json(404, { message: `No such container: ${ref}` });
    }
    if (url === `/containers/${VAULT_ID}/kill?signal=SIGHUP`) {
      res.writeHead(204);
      return void res.end();
    }
    if (url.startsWith('/containers/json?'))
      // An Engine that ignored the filter: the proxy passes on only the Vault task, and only its id.
      return json(200, [
        { Id: VAULT_ID, Labels: VAULT_LABELS, Names: ['/iklimco_vault.1.task1'], Mounts: [{ Source: '/x' }] },
        { Id: OTHER_ID, Labels: { app: 'db' }, Names: ['/db'] },
      ]);
    if (url.startsWith('/events?')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`{"status":"start","id":"${VAULT_ID}","timeNano":1733500000123000000}\n`);
      this.eventStreams.push(res);
      return;
    }
    json(500, { message: `the stand-in has no answer for ${req.method} ${url}` });
  }
}

/** A raw request on the proxy's socket: the status and the parsed JSON message. */
function request(
  socketPath: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; message: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: { Host: 'docker', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let message = '';
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? '';
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, message, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the node agent’s Docker proxy', () => {
  const dir = testDir('vbt-docker-proxy-');
  const engine = new StandInEngine(join(dir, 'engine.sock'));
  const listen = join(dir, 'agent.sock');
  let proxy: DockerProxy;
  const logged: string[] = [];

  before(async () => {
    await engine.listen();
    proxy = await startDockerProxy({
      listen,
      upstream: engine.path,
      log: (level, m) => logged.push(`${level} ${m}`),
    });
  });

  after(async () => {
    await proxy.close();
    await engine.close();
  });

  it('serves an owner-only socket', () => {
    const st = statSync(listen);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('the agent’s own gateway works through it: node id, SIGHUP to a Vault task, its start events', async () => {
    const gw = new DockerGateway(listen);
    await gw.ping();
    assert.equal(await gw.localNodeId(), 'node-1');
    // A short id, as the health report carries it: the kill goes to the full id the proxy inspected.
    assert.equal(
      await gw.signalServiceContainer('iklimco_vault', VAULT_ID.slice(0, 12), 'SIGHUP'),
      'signalled',
    );
    assert.ok(
      engine.seen.includes(`POST /containers/${VAULT_ID}/kill?signal=SIGHUP`),
      engine.seen.join('\n'),
    );
    const starts = await gw.containerStarts('iklimco_vault', 1733500000000);
    const first = await starts.next();
    starts.close();
    assert.equal(first.containerId, VAULT_ID);
    const events = engine.seen.find((l) => l.startsWith('GET /events?'))!;
    const params = new URLSearchParams(events.slice('GET /events?'.length));
    assert.equal(params.get('since'), '1733500000');
    assert.deepEqual(JSON.parse(params.get('filters')!), {
      type: ['container'],
      event: ['start'],
      label: ['com.docker.swarm.service.name=iklimco_vault'],
    });
  });

  it('the reconcile on (re)connect: the running Vault tasks and when each started, nothing else', async () => {
    const gw = new DockerGateway(listen);
    assert.deepEqual(await gw.runningContainers('iklimco_vault'), [
      { containerId: VAULT_ID, atMs: Date.parse('2026-12-06T20:00:00.5Z') },
    ]);
    const list = engine.seen.find((l) => l.startsWith('GET /containers/json?'))!;
    const params = new URLSearchParams(list.slice('GET /containers/json?'.length));
    assert.deepEqual(JSON.parse(params.get('filters')!), {
      label: ['com.docker.swarm.service.name=iklimco_vault'],
      status: ['running'],
    });
    const listed = JSON.parse((await request(listen, 'GET', list.slice(4))).body) as unknown;
    assert.deepEqual(listed, [{ Id: VAULT_ID }]);
  });

  it('answers /info and an inspect with only what the agent reads', async () => {
    const info = JSON.parse((await request(listen, 'GET', '/info')).body) as Record<string, unknown>;
    assert.deepEqual(info, { Swarm: { NodeID: 'node-1', LocalNodeState: 'active' } });
    const inspected = JSON.parse(
      (await request(listen, 'GET', `/containers/${VAULT_ID}/json`)).body,
    ) as Record<string, unknown>;
    assert.deepEqual(inspected, {
      Id: VAULT_ID,
      Config: { Labels: VAULT_LABELS },
      State: { Running: true, StartedAt: '2026-12-06T20:00:00.5Z' },
    });
  });

  it('another container: neither inspected for the agent nor signalled (the gateway calls it another service)', async () => {
    const before = engine.seen.length;
    const res = await request(listen, 'GET', `/containers/${OTHER_ID}/json`);
    assert.equal(res.status, 403);
    assert.match(
      res.message,
      /refused by the node agent’s Docker proxy: container bbbbbbbbbbbb is not a task of a stack's vault service/,
    );
    assert.doesNotMatch(res.body, /hunter2/);
    assert.equal((await request(listen, 'POST', `/containers/${OTHER_ID}/kill?signal=SIGHUP`)).status, 403);
    assert.ok(!engine.seen.slice(before).some((l) => l.includes('/kill')), 'no kill reached the Engine');
    const gw = new DockerGateway(listen);
    assert.equal(await gw.signalServiceContainer('iklimco_vault', OTHER_ID, 'SIGHUP'), 'other-service');
  });

  it('a container the node does not have: the Engine’s 404 passes through (the agent reports ContainerNotOnNode)', async () => {
    const res = await request(listen, 'POST', '/containers/cccccccccccc/kill?signal=SIGHUP');
    assert.equal(res.status, 404);
    assert.match(res.message, /No such container/);
    await assert.rejects(
      new DockerGateway(listen).signalServiceContainer('iklimco_vault', 'cccccccccccc', 'SIGHUP'),
      (err: { statusCode?: number }) => err.statusCode === 404,
    );
  });

  it('refuses create, exec, SIGKILL, a list, a version prefix and an unfiltered events stream with 403; none reaches the Engine', async () => {
    const before = engine.seen.length;
    const cases: [string, string, RegExp, string?][] = [
      [
        'POST',
        '/containers/create',
        /POST \/containers\/create is not a call the node agent makes/,
        '{"Image":"x"}',
      ],
      ['POST', `/containers/${VAULT_ID}/exec`, /is not a call the node agent makes/, '{"Cmd":["sh"]}'],
      ['POST', `/containers/${VAULT_ID}/kill?signal=SIGKILL`, /only signal SIGHUP, not SIGKILL/],
      ['POST', `/containers/${VAULT_ID}/kill`, /not the default SIGKILL/],
      ['GET', '/containers/json?all=1', /query parameter "all" is not one the node agent sends/],
      ['GET', '/v1.41/info', /not a call the node agent makes/],
      ['GET', '/events', /no filter/],
      ['GET', '/secrets', /not a call the node agent makes/],
    ];
    for (const [method, path, reason, body] of cases) {
      const res = await request(
        listen,
        method,
        path,
        body ? { 'Content-Type': 'application/json' } : {},
        body,
      );
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.message, reason, `${method} ${path}`);
    }
    assert.deepEqual(engine.seen.slice(before), [], 'nothing refused reached the Engine');
    assert.ok(
      logged.some((l) => /^warn refused: POST \/containers\/create/.test(l)),
      logged.join('\n'),
    );
  });

  it('a connection upgrade (attach, exec start) is refused on the raw connection', async () => {
    const before = engine.seen.length;
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.createConnection(listen);
      let text = '';
      c.on('data', (d) => (text += d.toString()));
      c.on('end', () => resolve(text));
      c.on('error', reject);
      c.write(
        `POST /containers/${VAULT_ID}/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
      );
    });
    assert.match(answer, /^HTTP\/1\.1 403 Forbidden/);
    assert.match(answer, /asks for a connection upgrade/);
    assert.deepEqual(engine.seen.slice(before), []);
  });

  it('replaces a stale socket at its path, and refuses to replace anything else', async () => {
    const stale = join(dir, 'stale.sock');
    // What a killed proxy leaves: its socket file, nobody listening (a clean close removes the file).
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.ok(statSync(stale).isSocket(), 'a stale socket is there');
    const again = await startDockerProxy({ listen: stale, upstream: engine.path });
    assert.equal((await request(stale, 'GET', '/_ping')).body, 'OK');
    await again.close();
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'x');
    await assert.rejects(
      startDockerProxy({ listen: file, upstream: engine.path }),
      /exists and is not a socket/,
    );
  });
});
