/**
 * The worker's metrics endpoint (docs/metrics.md): `GET /metrics` answers the worker's own metrics followed by
 * Temporal Core's. Core serves its metrics itself (`telemetryOptions.metrics.prometheus`), here on a loopback
 * port of the process's own that each scrape fetches: one address to scrape per worker, and Core's exporter
 * never reachable from outside the process. The two never share a metric name: ours start `vault_bootstrap_`,
 * `process_` or `nodejs_`, Core's `temporal_`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import type { ListenAddress } from '../config/process';
import { messageOf } from '../shared/errors';

/** How long a scrape waits for Core's metrics before it answers without them. */
const SDK_FETCH_TIMEOUT_MS = 3000;

export interface MetricsSources {
  /** The worker's own metrics (`PrometheusMetrics.registry`). */
  registry: Registry;
  /** Core's Prometheus endpoint (`sdkMetricsEndpoint`), whose text follows the registry's. */
  sdkUrl: string;
}

export interface MetricsServer {
  /** `http://<host>:<port>/metrics`, with the port actually bound. */
  url: string;
  /** Stops listening and ends open connections (Prometheus keeps its connection open between scrapes). */
  close(): Promise<void>;
}

/** The metrics server cannot listen on its address: `code` is the system's (`EADDRINUSE`, `EACCES`, …). */
export class MetricsListenError extends Error {
  constructor(
    /** The address as configured, `host:port`. */
    readonly address: string,
    readonly code: string,
    /** The code, and what it usually means. */
    readonly reason: string,
  ) {
    super(`cannot serve metrics on ${address}: ${reason}`);
    this.name = 'MetricsListenError';
  }
}

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: 'another process listens there',
  EADDRNOTAVAIL: 'no interface of this host has that address',
  EACCES: 'not allowed to listen there (a port below 1024 needs privileges)',
  ENOTFOUND: 'the host name does not resolve',
};

/**
 * Core's Prometheus exporter on 127.0.0.1:`port` (a `telemetryOptions.metrics` of the Runtime), and the URL
 * the server fetches it from. Durations in seconds, histograms named `_seconds` and counters `_total`, as
 * Prometheus names them and as ours are; Core's defaults are milliseconds and no suffixes.
 */
export function sdkMetricsEndpoint(port: number): { exporter: MetricsExporterConfig; url: string } {
  return {
    exporter: {
      prometheus: {
        bindAddress: `127.0.0.1:${port}`,
        useSecondsForDurations: true,
        unitSuffix: true,
        countersTotalSuffix: true,
      },
    },
    url: `http://127.0.0.1:${port}/metrics`,
  };
}

/**
 * A port on 127.0.0.1 that is free now, for Core's exporter: the system picks it, and it is released for Core
 * to bind. Core binds it moments later, when the Runtime is installed; should another process take it first,
 * installing the Runtime fails and the worker does not start.
 */
export async function freeLoopbackPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Listens on `address` (port 0: any free one); rejects with a `MetricsListenError` when it cannot. */
export async function startMetricsServer(
  address: ListenAddress,
  sources: MetricsSources,
): Promise<MetricsServer> {
  const server = createServer((req, res) => void answer(req, res, sources));
  await listen(server, address);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(address.host)}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, address: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (err: NodeJS.ErrnoException): void => {
      const code = err.code ?? 'unknown';
      const hint = LISTEN_HINTS[code];
      const shown = `${urlHost(address.host)}:${address.port}`;
      reject(new MetricsListenError(shown, code, hint === undefined ? err.message : `${code}: ${hint}`));
    };
    server.once('error', refused);
    server.listen(address.port, address.host, () => {
      server.off('error', refused);
      resolve();
    });
  });
}

/** An IPv6 address in brackets, as URLs and `host:port` write it. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

async function answer(req: IncomingMessage, res: ServerResponse, sources: MetricsSources): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://metrics').pathname;
  if (req.method !== 'GET') return reply(res, 404, 'not found\n');
  if (path === '/') return reply(res, 200, 'vault-bootstrap worker: Prometheus metrics at /metrics\n');
  if (path !== '/metrics') return reply(res, 404, 'not found\n');
  try {
    const [ours, sdk] = await Promise.all([sources.registry.metrics(), sdkText(sources.sdkUrl)]);
    reply(res, 200, withNewline(ours) + sdk, sources.registry.contentType);
  } catch (err) {
    reply(res, 500, `metrics unavailable: ${oneLine(err)}\n`);
  }
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': contentType }).end(body);
}

/**
 * Core's metrics as it serves them, or else a comment saying why they are missing: the worker's own metrics are
 * served all the same, and the comment shows in a manual `curl`.
 */
async function sdkText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(SDK_FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
    return withNewline(await res.text());
  } catch (err) {
    return `# temporal sdk metrics unavailable: ${oneLine(err)}\n`;
  }
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** An error on one line, with the system's code when `fetch` hides it in its cause (`fetch failed`). */
function oneLine(err: unknown): string {
  const message = messageOf(err);
  const code = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
  return `${message}${code === undefined ? '' : ` (${code})`}`.replace(/\s+/g, ' ');
}
