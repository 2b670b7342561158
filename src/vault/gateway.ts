/**
 * The `VaultNode` port over one Vault node's HTTP API (node-vault): init, seal status, unseal, Raft join and
 * configuration, leader, autopilot, the served certificate. Works against HashiCorp Vault and OpenBao alike
 * (same `/v1/sys/...` paths).
 *
 * Key material goes in as arguments and comes out only from `init`; it is never logged (node-vault's debug
 * hook is replaced by a no-op) and never put into an error: every failure is rethrown as a new
 * `VaultRequestError` built from the operation, the node and Vault's own error text, without the request.
 */
import type { Agent } from 'node:https';
import nodeVault from 'node-vault';
import type { VaultAddressing } from '../config';
import type {
  AutopilotState,
  InitResponse,
  LeaderStatus,
  NodeTarget,
  RaftServer,
  SealStatus,
  ServedCertificate,
  VaultNode,
} from '../ports';
import { VaultProtocolError, VaultRequestError } from '../shared/errors';
import { createNodeAgent, servedCertificate, vaultHttp } from './transport';

interface RawResponse {
  statusCode?: number;
  body?: unknown;
}

type NodeVaultClient = ReturnType<typeof nodeVault>;

/** Client-side timeouts, in milliseconds: every call, and the one `sys/init` call (see `init`). */
export interface VaultTimeouts {
  requestMs: number;
  initMs: number;
}

const silent = (): void => undefined;

export class VaultNodeClient implements VaultNode {
  private readonly client: NodeVaultClient;
  private readonly requestOptions: { httpsAgent: Agent; timeout: number };
  private readonly initTimeoutMs: number;

  /** `ca` verifies this node, and is the CA a joining node verifies the leader with. */
  constructor(
    readonly name: string,
    readonly target: NodeTarget,
    private readonly addressing: VaultAddressing,
    private readonly ca: Buffer,
    timeouts: VaultTimeouts,
  ) {
    const httpsAgent = createNodeAgent(target, addressing, ca);
    // node-vault's generic `request` does not merge `config.requestOptions`: every call passes them itself.
    this.requestOptions = { httpsAgent, timeout: timeouts.requestMs };
    this.initTimeoutMs = timeouts.initMs;
    this.client = nodeVault({
      endpoint: `https://${target.host}:${target.port}`,
      apiVersion: 'v1',
      // A no-op: node-vault's debug hook would print request bodies (keys) when DEBUG=node-vault is set.
      debug: silent,
      requestOptions: this.requestOptions,
      // Our HTTP layer, not node-vault's axios, which follows HTTPS_PROXY past the node agent.
      'request-promise': { defaults: () => vaultHttp },
    });
    // node-vault falls back to VAULT_TOKEN, VAULT_PREFIX and VAULT_NAMESPACE from the environment (and sends
    // that token on every call, unauthenticated ones included). Only config.ts reads the environment: the
    // token is passed per call, and there is no prefix or namespace.
    Object.assign(this.client, { token: '', pathPrefix: '', namespace: undefined });
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toSafeError(op, this.name, err);
    }
  }

  private request(
    path: string,
    method: string,
    json?: object,
    token?: string,
    timeout = this.requestOptions.timeout,
  ): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['X-Vault-Token'] = token;
    return this.client.request({ ...this.requestOptions, timeout, path, method, json, headers });
  }

  async sealStatus(): Promise<SealStatus> {
    const body = await this.call('reading seal status', () => this.request('/sys/seal-status', 'GET'));
    return parseSealStatus(this.name, body);
  }

  /**
   * The one call with its own, long timeout: Vault completes an init the client stopped waiting for, and the
   * only copy of the key is then in an answer nobody reads.
   */
  async init(): Promise<InitResponse> {
    const body = await this.call('initializing', () =>
      this.request(
        '/sys/init',
        'PUT',
        { secret_shares: 1, secret_threshold: 1 },
        undefined,
        this.initTimeoutMs,
      ),
    );
    const b = body as { keys_base64?: unknown; root_token?: unknown };
    const key: unknown = Array.isArray(b.keys_base64) ? (b.keys_base64 as unknown[])[0] : undefined;
    if (typeof key !== 'string' || typeof b.root_token !== 'string') {
      throw new VaultProtocolError(
        `initializing ${this.name}: the answer has no keys_base64/root_token fields`,
      );
    }
    return { unsealKey: key, rootToken: b.root_token };
  }

  async unseal(key: string): Promise<SealStatus> {
    const body = await this.call('unsealing', () => this.request('/sys/unseal', 'PUT', { key }));
    return parseSealStatus(this.name, body);
  }

  async raftJoin(leaderApiAddr: string, leaderServerName: string): Promise<boolean> {
    const body = await this.call('joining the Raft cluster', () =>
      this.request('/sys/storage/raft/join', 'POST', {
        leader_api_addr: leaderApiAddr,
        leader_ca_cert: this.ca.toString('utf8'),
        leader_tls_servername: leaderServerName,
      }),
    );
    return (body as { joined?: unknown }).joined === true;
  }

  async raftConfiguration(token: string): Promise<RaftServer[]> {
    const body = await this.call('reading the Raft configuration', () =>
      this.request('/sys/storage/raft/configuration', 'GET', undefined, token),
    );
    const servers = (body as { data?: { config?: { servers?: unknown } } }).data?.config?.servers;
    if (!Array.isArray(servers)) {
      throw new VaultProtocolError(
        `reading the Raft configuration from ${this.name}: no data.config.servers`,
      );
    }
    return (servers as Record<string, unknown>[]).map((s) => ({
      nodeId: text(s.node_id),
      leader: s.leader === true,
      voter: s.voter === true,
    }));
  }

  async autopilotState(token: string): Promise<AutopilotState> {
    const body = (await this.call('reading the autopilot state', () =>
      this.request('/sys/storage/raft/autopilot/state', 'GET', undefined, token),
    )) as { data?: { healthy?: unknown } };
    if (typeof body.data?.healthy !== 'boolean') {
      throw new VaultProtocolError(`reading the autopilot state from ${this.name}: no data.healthy`);
    }
    return { healthy: body.data.healthy };
  }

  async leader(): Promise<LeaderStatus> {
    const body = (await this.call('reading sys/leader', () => this.request('/sys/leader', 'GET'))) as Record<
      string,
      unknown
    >;
    return { isSelf: body.is_self === true, leaderAddress: text(body.leader_address) };
  }

  servedCertificate(): Promise<ServedCertificate> {
    return servedCertificate(this.target, this.addressing, this.ca, this.requestOptions.timeout);
  }
}

/** A string field of a Vault answer, or '' when absent or not a string. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * The product version a node reports in seal-status (`1.17.6`, `1.17.6+ent`, OpenBao `2.7.2`). Anything
 * that is not `major.minor.patch` with major >= 1 is not a Vault this bootstrap knows how to drive (a
 * pre-1.0 Vault, another product on port 8200, a proxy's answer): refused rather than guessed at.
 */
const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)/;

function checkVersion(node: string, raw: unknown): string {
  const m = typeof raw === 'string' ? VERSION_RE.exec(raw) : null;
  if (!m || Number(m[1]) < 1) {
    throw new VaultProtocolError(
      `${node} reports version ${JSON.stringify(typeof raw === 'string' ? raw.slice(0, 40) : (raw ?? null))} in seal-status; expected a Vault or OpenBao version major.minor.patch, 1.0.0 or newer`,
    );
  }
  return raw as string;
}

function parseSealStatus(node: string, body: unknown): SealStatus {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b.initialized !== 'boolean' || typeof b.sealed !== 'boolean') {
    throw new VaultProtocolError(`${node} answered seal-status without boolean initialized/sealed fields`);
  }
  if (b.type !== undefined && b.type !== 'shamir') {
    throw new VaultProtocolError(
      `${node} uses seal type ${JSON.stringify(b.type)}; this bootstrap manages Shamir seals only`,
    );
  }
  return { initialized: b.initialized, sealed: b.sealed, version: checkVersion(node, b.version) };
}

/** Builds an error from what is safe to show: the operation, the node, Vault's error text or the socket error code. */
function toSafeError(op: string, node: string, err: unknown): Error {
  const e = err as { response?: RawResponse; code?: string; message?: string };
  if (e.response?.statusCode !== undefined) {
    const errors = (e.response.body as { errors?: unknown } | undefined)?.errors;
    const text = Array.isArray(errors) ? errors.filter((x) => typeof x === 'string').join('; ') : '';
    return new VaultRequestError(
      `${op} on ${node}: HTTP ${e.response.statusCode}${text ? `: ${text}` : ''}`,
      e.response.statusCode,
    );
  }
  const reason = e.code ?? (typeof e.message === 'string' ? e.message.split('\n')[0] : 'unknown error');
  // vaultHttp (src/vault/transport.ts) reports its request timeout as ETIMEDOUT.
  const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
  return new VaultRequestError(`${op} on ${node}: ${timedOut ? `no answer in time (${reason})` : reason}`);
}
