/**
 * The configuration of the node agent's Docker proxy (src/docker-proxy.ts): the node's Engine socket it
 * forwards to, the socket it serves the agent on, and its log format. Nothing of Temporal, Vault or custody.
 */
import { dirname, isAbsolute } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../shared/errors';
import { str } from './env';
import type { Env } from './env';
import { loadDockerSocket, loadLogFormat } from './process';
import type { LogFormat } from './process';

/** Where the image's folder for the proxy's socket is: a per-node volume both the proxy and the agent mount. */
export const DEFAULT_PROXY_SOCKET = '/run/vault-bootstrap-docker/docker.sock';

export interface DockerProxyConfig {
  /** The node's Docker Engine socket. Env `DOCKER_SOCKET`; default `/var/run/docker.sock`. */
  upstream: string;
  /**
   * The socket the proxy serves, which the agent gets as its `DOCKER_SOCKET`. Env
   * `VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET`: an absolute path in an existing folder; default
   * `/run/vault-bootstrap-docker/docker.sock`.
   */
  listen: string;
  logFormat: LogFormat;
}

/** The socket the proxy serves (also what its health check connects to). */
export function loadProxySocket(env: Env): string {
  const raw = str(env, 'VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET', DEFAULT_PROXY_SOCKET);
  if (!isAbsolute(raw) || raw.endsWith('/'))
    throw new ConfigError('VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET', 'an absolute socket path', raw);
  const dir = dirname(raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ConfigError('VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET', 'a socket path in an existing folder', raw);
  return raw;
}

export function loadDockerProxyConfig(env: Env): DockerProxyConfig {
  const upstream = loadDockerSocket(env);
  const listen = loadProxySocket(env);
  if (listen === upstream)
    throw new ConfigError(
      'VAULT_BOOTSTRAP_DOCKER_PROXY_SOCKET',
      'a path other than DOCKER_SOCKET (the Engine socket the proxy forwards to)',
      listen,
    );
  return { upstream, listen, logFormat: loadLogFormat(env) };
}
