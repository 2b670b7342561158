/**
 * How the worker reaches one Vault node over verified TLS.
 *
 * - `direct`: TCP to the task's overlay address (the worker runs in a container on `iklimco-net`).
 * - `tunnel`: TCP to the project's tunnel (a container on `iklimco-net`, published on loopback), which is
 *   told the target in one line `host:port\n` and then pipes bytes. TLS is end to end: the tunnel never sees
 *   plaintext, and the worker verifies the node's certificate against the CA with the node's server name.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { AgentOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { VaultAddressing } from '../config/worker';
import type { NodeTarget, ServedCertificate } from '../ports';

/**
 * How long a TLS handshake may take. A live Vault answers in milliseconds; an overlay address with nothing
 * behind it (a task just replaced, a node cut off) drops packets instead of refusing, and each call would
 * otherwise wait for its whole request timeout (10 s) before the next poll could try the new address.
 */
const HANDSHAKE_TIMEOUT_MS = 3_000;

function handshakeWithin(socket: TLSSocket, serverName: string): TLSSocket {
  const timer = setTimeout(
    () =>
      socket.destroy(
        new Error(
          `no TLS handshake from ${serverName} within ${HANDSHAKE_TIMEOUT_MS / 1000}s (no answer at its address)`,
        ),
      ),
    HANDSHAKE_TIMEOUT_MS,
  );
  socket.once('secureConnect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
  return socket;
}

class NodeAgent extends Agent {
  constructor(
    private readonly target: NodeTarget,
    private readonly addressing: VaultAddressing,
    options: AgentOptions,
  ) {
    // One short-lived connection per request keeps a restarted task from reusing a dead socket.
    super({ ...options, keepAlive: false, servername: target.serverName });
  }

  override createConnection(options: ConnectionOptions): Duplex {
    const tlsOptions: ConnectionOptions = {
      ...options,
      ca: this.options.ca,
      servername: this.target.serverName,
      rejectUnauthorized: true,
    };
    if (this.addressing.mode === 'direct') {
      return handshakeWithin(
        tlsConnect({ ...tlsOptions, host: this.target.host, port: this.target.port }),
        this.target.serverName,
      );
    }
    const raw = netConnect({ host: this.addressing.host, port: this.addressing.port });
    raw.write(`${this.target.host}:${this.target.port}\n`);
    return handshakeWithin(tlsConnect({ ...tlsOptions, socket: raw }), this.target.serverName);
  }
}

export function createNodeAgent(target: NodeTarget, addressing: VaultAddressing, ca: Buffer): Agent {
  return new NodeAgent(target, addressing, { ca, rejectUnauthorized: true });
}

/** Opens a verified TLS connection to the node and reads the leaf certificate it presents. */
export function servedCertificate(
  target: NodeTarget,
  addressing: VaultAddressing,
  ca: Buffer,
  timeoutMs: number,
): Promise<ServedCertificate> {
  const agent = new NodeAgent(target, addressing, { ca, rejectUnauthorized: true });
  return new Promise((resolve, reject) => {
    const socket = agent.createConnection({}) as TLSSocket;
    const timer = setTimeout(
      () => socket.destroy(new Error(`TLS handshake with ${target.serverName} timed out`)),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ fingerprint256: cert.fingerprint256 });
    });
    socket.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What node-vault hands its `request-promise` for one call (the fields this project sends). */
export interface VaultHttpRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeout?: number;
  httpsAgent?: Agent;
}

/** What node-vault expects back: it turns a non-2xx status into its error with this response attached. */
export interface VaultHttpResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

/**
 * node-vault's HTTP layer, replaced (its `request-promise` option; why: src/vault/gateway.ts, its header):
 * one `https.request` through the given agent, nothing else, and no environment read. A call without an agent
 * is refused: every call must be verified against the configured CA. Errors carry a socket `code`
 * (`ETIMEDOUT` when `timeout` ran out).
 */
export function vaultHttp(options: VaultHttpRequest): Promise<VaultHttpResponse> {
  const agent = options.httpsAgent;
  if (!agent) return Promise.reject(new Error('internal: a Vault request without the node agent'));
  const url = new URL(options.uri);
  const payload = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
  if (payload)
    Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        agent,
        method: options.method,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text === '' ? undefined : text;
          try {
            if (text !== '') body = JSON.parse(text);
          } catch {
            // not JSON: handed on as text
          }
          resolve({ statusCode: res.statusCode ?? 0, body, request: { path: url.pathname } });
        });
      },
    );
    const timer =
      options.timeout === undefined
        ? undefined
        : setTimeout(() => {
            const err: NodeJS.ErrnoException = new Error(`no answer within ${options.timeout} ms`);
            err.code = 'ETIMEDOUT';
            req.destroy(err);
          }, options.timeout);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}

/**
 * A request whose body or answer is streamed, not held in memory (a Raft snapshot can be gigabytes): resolves
 * with the response once its status is 2xx. Another status is rejected the way `vaultHttp` answers it
 * (`{ response: { statusCode, body } }`, which `toSafeError` names). `idleMs` bounds every wait for the other
 * side (the answer, each chunk): a transfer that stalls fails, one that is slow but moving does not.
 */
function vaultStreamRequest(
  method: 'GET' | 'POST',
  agent: Agent,
  uri: string,
  headers: Record<string, string>,
  idleMs: number,
  body?: Readable,
): Promise<IncomingMessage> {
  const url = new URL(uri);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { agent, method, hostname: url.hostname, port: url.port, path: url.pathname, headers },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = undefined;
          }
          reject(
            Object.assign(new Error(`HTTP ${res.statusCode}`), {
              response: { statusCode: res.statusCode, body: parsed },
            }),
          );
        });
      },
    );
    req.setTimeout(idleMs, () => {
      const err: NodeJS.ErrnoException = new Error(`nothing received for ${idleMs} ms`);
      err.code = 'ETIMEDOUT';
      req.destroy(err);
    });
    req.on('error', reject);
    if (!body) {
      req.end();
      return;
    }
    // A body that fails to read (a file gone, a disk error) fails the request rather than leaving it hanging.
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

/** A GET whose answer is streamed (see `vaultStreamRequest`): read the response as an async iterable of chunks. */
export function vaultGetStream(
  agent: Agent,
  uri: string,
  headers: Record<string, string>,
  idleMs: number,
): Promise<IncomingMessage> {
  return vaultStreamRequest('GET', agent, uri, headers, idleMs);
}

/**
 * A POST whose body is streamed from `body` (see `vaultStreamRequest`); resolves once Vault accepted it, with
 * its answer drained.
 */
export async function vaultPostStream(
  agent: Agent,
  uri: string,
  headers: Record<string, string>,
  idleMs: number,
  body: Readable,
): Promise<void> {
  const res = await vaultStreamRequest('POST', agent, uri, headers, idleMs, body);
  res.resume();
  await new Promise<void>((resolve, reject) => {
    res.on('end', resolve);
    res.on('error', reject);
  });
}
