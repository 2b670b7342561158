/**
 * The node agent's Docker proxy: an HTTP server on a Unix socket that forwards to the node's real Engine
 * socket the calls `src/docker/proxy-policy.ts` allows, and answers everything else `403` with a JSON
 * `message` that says what was refused and why (the Engine's own error shape, so dockerode shows it).
 *
 * The agent is given this socket instead of the Engine's: whoever gets into an agent (it serves metrics on the
 * network) can ping, read its node's swarm id, see the labels of Vault task containers, list the running ones, follow their start
 * events and SIGHUP them; not create, exec, kill, read other containers, or anything else the Engine socket
 * gives (root on the host).
 *
 * What it forwards is rebuilt from the checked values (method, path, the container's full id, the query),
 * never the caller's bytes: no body, no header of the caller's, no upgrade. A container call is forwarded only
 * when the proxy's own inspect shows a Vault task (`isVaultTask`); the kill goes to the full id it inspected,
 * so a name or a short id cannot point at another container in between. The answers of `/info`, of an inspect
 * and of the list of a Vault service's running containers are cut down to the fields the agent reads.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { decide, isVaultTask } from './proxy-policy';

export interface DockerProxyOptions {
  /** The Unix socket to serve (the agent's `DOCKER_SOCKET`); a stale socket there is replaced. */
  listen: string;
  /** The node's Engine socket. */
  upstream: string;
  /** One line per refused call and per upstream failure (no query, no body: nothing secret). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

export interface DockerProxy {
  readonly path: string;
  /** Stops listening and ends the streams in flight (events). */
  close(): Promise<void>;
}

/** An answer of the Engine, read whole (the calls buffered here answer small JSON bodies). */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const REFUSED_PREFIX = 'refused by the node agent’s Docker proxy';

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The Engine's `{ message }` for a refused call, with `403`. */
function sendRefusal(res: ServerResponse, reason: string): void {
  sendJson(res, 403, { message: `${REFUSED_PREFIX}: ${reason}` });
}

/** The text of a raw `403` on a connection that asked for an upgrade or CONNECT (no HTTP response object). */
function rawRefusal(socket: Duplex, reason: string): void {
  const body = JSON.stringify({ message: `${REFUSED_PREFIX}: ${reason}` });
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

export async function startDockerProxy(options: DockerProxyOptions): Promise<DockerProxy> {
  const log = options.log ?? (() => undefined);
  const upstreamRequest = (method: string, path: string): http.ClientRequest =>
    http.request({
      socketPath: options.upstream,
      method,
      path,
      headers: { Host: 'docker', ...(method === 'POST' ? { 'Content-Length': '0' } : {}) },
    });

  const call = (method: string, path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = upstreamRequest(method, path);
      req.on('error', reject);
      req.on('response', (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('error', reject);
        r.on('end', () =>
          resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.end();
    });

  /** Passes an Engine answer on as it is (an error's JSON message, a 204). */
  const relay = (res: ServerResponse, a: Answer): void => {
    const headers: http.OutgoingHttpHeaders = { 'Content-Length': a.body.length };
    if (a.headers['content-type']) headers['Content-Type'] = a.headers['content-type'];
    res.writeHead(a.status, headers);
    res.end(a.body);
  };

  /** The container `ref` names, inspected, if it is a Vault task; otherwise the answer already sent. */
  const vaultTask = async (
    ref: string,
    res: ServerResponse,
  ): Promise<
    | {
        Id: string;
        Config: { Labels: Record<string, string> };
        State: { Running?: boolean; StartedAt?: string };
      }
    | undefined
  > => {
    const a = await call('GET', `/containers/${ref}/json`);
    if (a.status !== 200) {
      relay(res, a); // 404 "No such container": the agent reports ContainerNotOnNode
      return undefined;
    }
    const info = JSON.parse(a.body.toString('utf8')) as {
      Id?: string;
      Config?: { Labels?: Record<string, string> };
      State?: { Running?: boolean; StartedAt?: string };
    };
    const labels = info.Config?.Labels ?? {};
    if (typeof info.Id !== 'string' || !/^[0-9a-f]{64}$/.test(info.Id) || !isVaultTask(labels)) {
      log('warn', `refused: container ${ref.slice(0, 12)} is not a task of a stack's vault service`);
      sendRefusal(res, `container ${ref.slice(0, 12)} is not a task of a stack's vault service`);
      return undefined;
    }
    // Whether it runs and since when: the agent's reconcile on (re)connect reads them.
    return {
      Id: info.Id,
      Config: { Labels: labels },
      State: { Running: info.State?.Running, StartedAt: info.State?.StartedAt },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume(); // a body is never forwarded: read and dropped
    const d = decide(req.method, req.url);
    switch (d.kind) {
      case 'refuse':
        log('warn', `refused: ${d.reason}`);
        return sendRefusal(res, d.reason);
      case 'ping':
        return relay(res, await call('GET', '/_ping'));
      case 'info': {
        const a = await call('GET', '/info');
        if (a.status !== 200) return relay(res, a);
        const info = JSON.parse(a.body.toString('utf8')) as {
          Swarm?: { NodeID?: string; LocalNodeState?: string };
        };
        return sendJson(res, 200, {
          Swarm: { NodeID: info.Swarm?.NodeID, LocalNodeState: info.Swarm?.LocalNodeState },
        });
      }
      case 'inspect': {
        const task = await vaultTask(d.container, res);
        if (task) sendJson(res, 200, task);
        return;
      }
      case 'kill': {
        const task = await vaultTask(d.container, res);
        if (!task) return;
        const a = await call('POST', `/containers/${task.Id}/kill?signal=SIGHUP`);
        log(
          'info',
          `forwarded: SIGHUP to ${task.Config.Labels['com.docker.swarm.task.name'] ?? task.Id.slice(0, 12)}`,
        );
        return relay(res, a);
      }
      case 'list': {
        // Only Vault tasks (the filter already says so; the labels are checked again), and only their ids.
        const a = await call('GET', `/containers/json?${d.query}`);
        if (a.status !== 200) return relay(res, a);
        const listed = JSON.parse(a.body.toString('utf8')) as {
          Id?: string;
          Labels?: Record<string, string>;
        }[];
        return sendJson(
          res,
          200,
          listed.filter((c) => typeof c.Id === 'string' && isVaultTask(c.Labels)).map((c) => ({ Id: c.Id })),
        );
      }
      case 'events':
        return streamEvents(`/events?${d.query}`, res);
    }
  };

  /** The events stream, passed on as it comes; either side closing ends the other. */
  const streamEvents = (path: string, res: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const up = upstreamRequest('GET', path);
      up.on('error', (err) => {
        if (!res.headersSent) sendJson(res, 502, { message: `the node's Docker Engine: ${err.message}` });
        else res.destroy();
        resolve();
      });
      up.on('response', (r) => {
        const headers: http.OutgoingHttpHeaders = {};
        if (r.headers['content-type']) headers['Content-Type'] = r.headers['content-type'];
        res.writeHead(r.statusCode ?? 502, headers);
        r.pipe(res);
        r.on('end', resolve);
      });
      res.on('close', () => {
        up.destroy();
        resolve();
      });
      up.end();
    });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log('warn', `the node's Docker Engine failed a forwarded call: ${(err as Error).message}`);
      if (!res.headersSent)
        sendJson(res, 502, { message: `the node's Docker Engine: ${(err as Error).message}` });
      else res.destroy();
    });
  });
  // attach, exec start and the like ask for an upgraded connection: never given.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const reason = `${req.method ?? '?'} ${(req.url ?? '').split('?')[0]} asks for a connection upgrade`;
    log('warn', `refused: ${reason}`);
    rawRefusal(socket, reason);
  });
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    log('warn', 'refused: CONNECT');
    rawRefusal(socket, 'CONNECT is not a call the node agent makes');
  });

  removeStaleSocket(options.listen);
  // Only the agent's uid (the proxy's own) may connect: the socket is made owner-only (the umask during the
  // bind, so it is never open to others even for a moment) and set so again once it exists.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(options.listen, 0o600);
  return {
    path: options.listen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A socket left by an earlier proxy is removed; anything else at that path is an error, never removed. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket: not replaced`);
  unlinkSync(path);
}
