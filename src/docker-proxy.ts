#!/usr/bin/env node
/**
 * The node agent's Docker proxy as a process: the worker stack's `docker-proxy` service (one per manager, the
 * worker image, `node dist/src/docker-proxy.js`). It holds the node's Docker socket and serves the agent a
 * socket of its own on which only the agent's calls are allowed (src/docker/proxy-policy.ts,
 * src/docker/proxy.ts); the agent gets no Engine socket.
 *
 * `node dist/src/docker-proxy.js check` is the service's health check: `GET /_ping` through the served
 * socket (the proxy and the Engine behind it both answer), exit 0 or 1 with one line.
 *
 * Exit codes: 0 stopped (SIGTERM, SIGINT), 2 configuration or the Engine socket unusable, 1 anything else.
 * Log lines as the worker's: `VAULT_BOOTSTRAP_LOG_FORMAT=json` writes `{time, level, message}` per line.
 */
import http from 'node:http';
import { loadDockerProxyConfig, loadProxySocket } from './config/docker-proxy';
import { loadLogFormat } from './config/process';
import type { LogFormat } from './config/process';
import { startDockerProxy } from './docker/proxy';
import { ConfigError } from './shared/errors';

type Level = 'info' | 'warn' | 'error';

function logger(format: LogFormat): (level: Level, message: string) => void {
  return (level, message) => {
    if (format === 'json')
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, message })}\n`);
    else
      (level === 'info' ? process.stdout : process.stderr).write(
        `vault-bootstrap docker-proxy: ${message}\n`,
      );
  };
}

/** `GET /_ping` on the Unix socket `socketPath`: the status and body, or the error's code. */
function ping(socketPath: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { socketPath, path: '/_ping', headers: { Host: 'docker' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

async function serve(log: (level: Level, message: string) => void): Promise<void> {
  const config = loadDockerProxyConfig(process.env);
  const engine = await ping(config.upstream).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(
      'DOCKER_SOCKET',
      `a reachable Docker Engine socket: ${err.code ?? err.message}`,
      config.upstream,
    );
  });
  if (engine.status !== 200)
    throw new ConfigError(
      'DOCKER_SOCKET',
      `a Docker Engine socket (_ping answered ${engine.status})`,
      config.upstream,
    );
  const proxy = await startDockerProxy({ listen: config.listen, upstream: config.upstream, log });
  log(
    'info',
    `serving the node agent's calls on ${proxy.path}, forwarded to ${config.upstream}; everything else is refused`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('info', `${signal}: stopping`);
      void proxy.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function check(): Promise<number> {
  let socket: string;
  try {
    socket = loadProxySocket(process.env);
  } catch (err) {
    console.error(`vault-bootstrap docker-proxy check: ${(err as Error).message}`);
    return 1;
  }
  try {
    const { status, body } = await ping(socket);
    if (status === 200) {
      console.log(`vault-bootstrap docker-proxy check: ${socket} answers _ping (${body})`);
      return 0;
    }
    console.error(`vault-bootstrap docker-proxy check: ${socket} answered _ping with ${status}: ${body}`);
  } catch (err) {
    console.error(
      `vault-bootstrap docker-proxy check: ${socket}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  return 1;
}

function start(): void {
  if (process.argv[2] === 'check') {
    void check().then((code) => (process.exitCode = code));
    return;
  }
  if (process.argv.length > 2) {
    console.error(
      `vault-bootstrap docker-proxy: unknown argument ${JSON.stringify(process.argv[2])} (only "check")`,
    );
    process.exit(2);
  }
  let log: (level: Level, message: string) => void;
  try {
    log = logger(loadLogFormat(process.env));
  } catch (err) {
    console.error(`vault-bootstrap docker-proxy: ${(err as Error).message}`);
    process.exit(2);
  }
  serve(log).then(
    () => process.exit(0),
    (err: unknown) => {
      log('error', (err as Error).message);
      process.exit(err instanceof ConfigError ? 2 : 1);
    },
  );
}

if (require.main === module) start();
