/**
 * The `VaultNode` port over one Vault node's HTTP API: init, seal status, unseal, Raft join and
 * configuration, leader, autopilot, the served certificate, the token calls (policy, orphan token, lookup,
 * renew, revoke), root generation and the rotation of the unseal key through either server's endpoints. Works
 * against HashiCorp Vault and OpenBao alike (same `/v1/sys/...` paths where they agree; where they do not, the
 * caller passes the endpoints `capabilitiesOf` names).
 *
 * Key material goes in as arguments and comes out in plaintext only from `init` (a rotation's new key comes
 * out only encrypted to the caller's OpenPGP key); it is never logged and never put into an error: every
 * failure is rethrown as a new `VaultRequestError` built from the operation, the node and Vault's own error
 * text, without the request, and an answer of the wrong shape is refused by the fields it lacks, not echoed.
 *
 * **node-vault, and why it is thin.** The design names node-vault as the Vault client library, and this is
 * the one module that creates a node-vault client. What it is used for is its generic `request` alone: it
 * builds each call's URL (`<endpoint>/v1<path>`) and turns every answer other than 200 or 204 into its error
 * with `response.statusCode` and `response.body`, from which `toSafeError` takes the status and Vault's
 * `errors`. Everything else of it is replaced or turned off, each for a reason of this project:
 * - its HTTP layer (axios) is replaced by `vaultHttp` (src/vault/transport.ts, node-vault's `request-promise`
 *   option): axios follows `HTTPS_PROXY`/`HTTP_PROXY` from the environment and would send every call,
 *   `sys/init` with the key in its answer included, to a proxy instead of through the node agent, which
 *   verifies the node against the configured CA and its server name, directly or through the tunnel;
 * - its fallbacks to `VAULT_TOKEN`, `VAULT_PREFIX` and `VAULT_NAMESPACE` are cleared: only src/config/ reads
 *   the environment, the token is passed per call (none on the unauthenticated ones), there is no prefix or
 *   namespace; and `VAULT_ADDR`/`VAULT_SKIP_VERIFY` never matter (the endpoint is given, the agent verifies);
 * - its debug hook is a no-op: under `DEBUG=node-vault` it would print request bodies, keys included;
 * - its named commands (`init`, `unseal`, ...) are not used: each call here needs its own timeout (the long
 *   one of `sys/init`) and token, and several endpoints it lacks (Raft, autopilot, OpenBao's root generation);
 * - the Raft snapshot calls bypass it (`vaultGetStream`, `vaultPostStream`): it holds a body in memory as
 *   JSON, and a snapshot is a stream of up to gigabytes;
 * - `sys/health` bypasses it (`vaultHttp` directly, same agent and timeout): it answers any path matching
 *   `sys/health` with the body alone, whatever the status, and the status code is what that call is for.
 * So the adapter is the methods below over one `request(path, method, json, token, timeout)`. The unit tests
 * (test/unit/vault-gateway.test.ts, "the thin node-vault client" and "only src/config/ decides") pin what
 * node-vault still does and what it must not, so a node-vault upgrade that changes either fails there.
 */
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import nodeVault from 'node-vault';
import type { VaultAddressing } from '../config/worker';
import type {
  AuditDevice,
  AutopilotConfig,
  AutopilotState,
  CreatedToken,
  InitResponse,
  LeaderStatus,
  NodeTarget,
  RaftServer,
  RekeyApi,
  RekeyAttempt,
  RekeyBackup,
  RekeyRequest,
  RekeyUpdate,
  RekeyVerification,
  RootGenerationApi,
  RootGenerationAttempt,
  SealStatus,
  ServedCertificate,
  SysHealth,
  TokenInfo,
  RoleTokenRequest,
  TokenRequest,
  TokenRole,
  VaultNode,
} from '../ports';
import { VaultProtocolError, VaultRequestError } from '../shared/errors';
import { parseDuration } from '../shared/duration';
import { healthStateOf, identifyServer } from '../shared/vault-server';
import type { HealthState, VaultServer } from '../shared/vault-server';
import { publicKeyForVault } from './pgp';
import { createNodeAgent, servedCertificate, vaultGetStream, vaultHttp, vaultPostStream } from './transport';

/** What Vault answers a call that creates a token. */
type TokenAnswer = { auth?: { client_token?: unknown; accessor?: unknown } };

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
    // Why each option below (see the header): no debug output, our HTTP layer, no environment fallbacks.
    this.requestOptions = { httpsAgent, timeout: timeouts.requestMs };
    this.initTimeoutMs = timeouts.initMs;
    this.client = nodeVault({
      endpoint: `https://${target.host}:${target.port}`,
      apiVersion: 'v1',
      debug: silent,
      requestOptions: this.requestOptions,
      'request-promise': { defaults: () => vaultHttp },
    });
    // Its environment fallbacks, read when it was created, cleared (see the header).
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
   * GET `sys/health`, without parameters: the default codes are what `healthStateOf` reads. node-vault would drop
   * the status (see the header), so the call goes through `vaultHttp` itself, verified by the same agent; any
   * status is an answer here (Vault sends a body with 429, 472 to 474, 501, 503 and 530 alike).
   */
  async health(server: VaultServer): Promise<SysHealth> {
    const answer = await this.call('reading sys/health', () =>
      vaultHttp({
        method: 'GET',
        uri: `https://${this.target.host}:${this.target.port}/v1/sys/health`,
        httpsAgent: this.requestOptions.httpsAgent,
        timeout: this.requestOptions.timeout,
      }),
    );
    return parseHealth(this.name, server, answer.statusCode, answer.body);
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

  async raftSnapshot(token: string): Promise<AsyncIterable<Uint8Array>> {
    return this.call('reading a Raft snapshot', () =>
      vaultGetStream(
        this.requestOptions.httpsAgent,
        `https://${this.target.host}:${this.target.port}/v1/sys/storage/raft/snapshot`,
        { 'X-Vault-Token': token },
        this.requestOptions.timeout,
      ),
    );
  }

  async forceRestoreSnapshot(token: string, snapshot: Readable): Promise<void> {
    await this.call('restoring a Raft snapshot', () =>
      vaultPostStream(
        this.requestOptions.httpsAgent,
        `https://${this.target.host}:${this.target.port}/v1/sys/storage/raft/snapshot-force`,
        { 'X-Vault-Token': token, 'Content-Type': 'application/octet-stream' },
        this.requestOptions.timeout,
        snapshot,
      ),
    );
  }

  async autopilotState(token: string): Promise<AutopilotState> {
    const body = (await this.call('reading the autopilot state', () =>
      this.request('/sys/storage/raft/autopilot/state', 'GET', undefined, token),
    )) as { data?: { healthy?: unknown; failure_tolerance?: unknown; servers?: unknown } };
    if (typeof body.data?.healthy !== 'boolean') {
      throw new VaultProtocolError(`reading the autopilot state from ${this.name}: no data.healthy`);
    }
    const tolerance = body.data.failure_tolerance;
    const servers: Record<string, { healthy: boolean }> = {};
    const raw = body.data.servers;
    if (raw && typeof raw === 'object')
      for (const [id, s] of Object.entries(raw as Record<string, { healthy?: unknown }>))
        if (typeof s?.healthy === 'boolean') servers[id] = { healthy: s.healthy };
    return {
      healthy: body.data.healthy,
      ...(typeof tolerance === 'number' ? { failureTolerance: tolerance } : {}),
      servers,
    };
  }

  async autopilotConfiguration(token: string): Promise<AutopilotConfig> {
    const what = 'reading the autopilot configuration';
    const body = (await this.call(what, () =>
      this.request('/sys/storage/raft/autopilot/configuration', 'GET', undefined, token),
    )) as { data?: Record<string, unknown> };
    const d = body.data ?? {};
    const seconds = (field: string) => {
      const raw = d[field];
      const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
      if (ms === undefined)
        throw new VaultProtocolError(`${what} from ${this.name}: ${field} is not a duration`);
      return `${Math.round(ms / 1000)}s`;
    };
    if (typeof d.cleanup_dead_servers !== 'boolean' || typeof d.min_quorum !== 'number')
      throw new VaultProtocolError(`${what} from ${this.name}: no cleanup_dead_servers or min_quorum`);
    return {
      cleanupDeadServers: d.cleanup_dead_servers,
      deadServerLastContactThreshold: seconds('dead_server_last_contact_threshold'),
      minQuorum: d.min_quorum,
      serverStabilizationTime: seconds('server_stabilization_time'),
    };
  }

  async setAutopilotConfiguration(token: string, config: AutopilotConfig): Promise<void> {
    await this.call('writing the autopilot configuration', () =>
      this.request(
        '/sys/storage/raft/autopilot/configuration',
        'POST',
        {
          cleanup_dead_servers: config.cleanupDeadServers,
          dead_server_last_contact_threshold: config.deadServerLastContactThreshold,
          min_quorum: config.minQuorum,
          server_stabilization_time: config.serverStabilizationTime,
        },
        token,
      ),
    );
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

  async writePolicy(token: string, name: string, hcl: string): Promise<void> {
    await this.call(`writing policy ${name}`, () =>
      this.request(`/sys/policies/acl/${encodeURIComponent(name)}`, 'PUT', { policy: hcl }, token),
    );
  }

  async readPolicy(token: string, name: string): Promise<string | undefined> {
    const body = (await absentOn([404], () =>
      this.call(`reading policy ${name}`, () =>
        this.request(`/sys/policies/acl/${encodeURIComponent(name)}`, 'GET', undefined, token),
      ),
    )) as { data?: { policy?: unknown } } | undefined;
    if (body === undefined) return undefined;
    if (typeof body.data?.policy !== 'string')
      throw new VaultProtocolError(`reading policy ${name} from ${this.name}: no policy text`);
    return body.data.policy;
  }

  async createOrphanToken(token: string, req: TokenRequest): Promise<CreatedToken> {
    const body = (await this.call('creating a token', () =>
      this.request(
        '/auth/token/create-orphan',
        'POST',
        {
          policies: req.policies,
          no_default_policy: true,
          display_name: req.displayName,
          renewable: req.renewable,
          meta: req.meta,
          ...(req.period ? { period: req.period } : {}),
          ...(req.ttl ? { ttl: req.ttl } : {}),
          ...(req.explicitMaxTtl ? { explicit_max_ttl: req.explicitMaxTtl } : {}),
        },
        token,
      ),
    )) as TokenAnswer;
    return this.createdToken(body);
  }

  /** The token and accessor of a token-creating call's answer; else `VaultProtocolError`. */
  private createdToken(body: TokenAnswer): CreatedToken {
    const made = body.auth;
    if (typeof made?.client_token !== 'string' || typeof made.accessor !== 'string')
      throw new VaultProtocolError(`creating a token on ${this.name}: no auth.client_token/accessor`);
    return { token: made.client_token, accessor: made.accessor };
  }

  async createTokenFromRole(token: string, role: string, req: RoleTokenRequest): Promise<CreatedToken> {
    const body = (await this.call(`creating a token through the role ${role}`, () =>
      this.request(
        `/auth/token/create/${encodeURIComponent(role)}`,
        'POST',
        { policies: req.policies, display_name: req.displayName, ttl: req.ttl, meta: req.meta },
        token,
      ),
    )) as TokenAnswer;
    return this.createdToken(body);
  }

  async writeTokenRole(token: string, name: string, role: TokenRole): Promise<void> {
    await this.call(`writing the token role ${name}`, () =>
      this.request(
        `/auth/token/roles/${encodeURIComponent(name)}`,
        'POST',
        {
          allowed_policies: role.allowedPolicies,
          token_no_default_policy: role.noDefaultPolicy,
          renewable: role.renewable,
          token_explicit_max_ttl: role.explicitMaxTtlSeconds,
          orphan: role.orphan,
        },
        token,
      ),
    );
  }

  async readTokenRole(token: string, name: string): Promise<TokenRole | undefined> {
    const body = (await absentOn([404], () =>
      this.call(`reading the token role ${name}`, () =>
        this.request(`/auth/token/roles/${encodeURIComponent(name)}`, 'GET', undefined, token),
      ),
    )) as { data?: Record<string, unknown> } | undefined;
    if (body === undefined) return undefined;
    const d = body.data ?? {};
    const policies = d.allowed_policies;
    if (!Array.isArray(policies) || !policies.every((p) => typeof p === 'string'))
      throw new VaultProtocolError(`reading the token role ${name} from ${this.name}: no allowed_policies`);
    return {
      allowedPolicies: policies,
      noDefaultPolicy: d.token_no_default_policy === true,
      renewable: d.renewable === true,
      explicitMaxTtlSeconds: typeof d.token_explicit_max_ttl === 'number' ? d.token_explicit_max_ttl : -1,
      orphan: d.orphan === true,
    };
  }

  async lookupSelf(token: string): Promise<TokenInfo | undefined> {
    return absentOn([403], () =>
      this.call('looking up a token', () => this.request('/auth/token/lookup-self', 'GET', undefined, token)),
    ).then((body) => (body === undefined ? undefined : parseTokenInfo(this.name, body)));
  }

  async renewSelf(token: string): Promise<void> {
    await this.call('renewing a token', () => this.request('/auth/token/renew-self', 'POST', {}, token));
  }

  async mountType(token: string, path: string): Promise<string | undefined> {
    // OpenBao answers 400 for a path with no mount.
    const body = (await absentOn([400, 404], () =>
      this.call(`reading the mount ${path}`, () =>
        this.request(`/sys/mounts/${encodeURIComponent(path)}`, 'GET', undefined, token),
      ),
    )) as { data?: { type?: unknown }; type?: unknown } | undefined;
    if (body === undefined) return undefined;
    const type = body.data?.type ?? body.type;
    if (typeof type !== 'string')
      throw new VaultProtocolError(`reading the mount ${path} from ${this.name}: no type`);
    return type;
  }

  async mountKv(token: string, path: string): Promise<void> {
    await this.call(`mounting a KV engine at ${path}`, () =>
      this.request(
        `/sys/mounts/${encodeURIComponent(path)}`,
        'POST',
        { type: 'kv', options: { version: '1' } },
        token,
      ),
    );
  }

  async listAuditDevices(token: string): Promise<AuditDevice[]> {
    const body = (await this.call('listing the audit devices', () =>
      this.request('/sys/audit', 'GET', undefined, token),
    )) as { data?: unknown } | undefined;
    // Both servers answer the devices by path at the top level and again under `data`; older ones only at the top.
    const table = body && typeof body.data === 'object' && body.data !== null ? body.data : body;
    const out: AuditDevice[] = [];
    for (const [key, value] of Object.entries((table ?? {}) as Record<string, unknown>)) {
      if (!key.endsWith('/') || typeof value !== 'object' || value === null) continue;
      const { type, options } = value as { type?: unknown; options?: unknown };
      if (typeof type !== 'string')
        throw new VaultProtocolError(`listing the audit devices of ${this.name}: ${key} has no type`);
      const opts: Record<string, string> = {};
      for (const [k, v] of Object.entries((options ?? {}) as Record<string, unknown>))
        if (typeof v === 'string') opts[k] = v;
      out.push({ path: key.slice(0, -1), type, options: opts });
    }
    return out;
  }

  async enableAuditDevice(token: string, device: AuditDevice): Promise<void> {
    await this.call(`enabling the ${device.type} audit device ${device.path}/`, () =>
      this.request(
        `/sys/audit/${encodeURIComponent(device.path)}`,
        'PUT',
        { type: device.type, options: device.options },
        token,
      ),
    );
  }

  async writeKv(token: string, path: string, value: Record<string, string>): Promise<void> {
    await this.call(`writing ${path}`, () => this.request(`/${path}`, 'PUT', value, token));
  }

  async readKv(token: string, path: string): Promise<Record<string, string> | undefined> {
    const body = (await absentOn([404], () =>
      this.call(`reading ${path}`, () => this.request(`/${path}`, 'GET', undefined, token)),
    )) as { data?: Record<string, unknown> } | undefined;
    if (body === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.data ?? {})) if (typeof v === 'string') out[k] = v;
    return out;
  }

  async capabilitiesSelf(token: string, path: string): Promise<string[]> {
    const body = (await this.call('reading the token capabilities', () =>
      this.request('/sys/capabilities-self', 'POST', { paths: [path] }, token),
    )) as { data?: Record<string, unknown> } & Record<string, unknown>;
    // Vault answers the path's list under its name and under `capabilities` (both at the top and in `data`).
    const list = body.data?.[path] ?? body.data?.capabilities ?? body[path] ?? body.capabilities;
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string'))
      throw new VaultProtocolError(`reading the token capabilities from ${this.name}: no list for ${path}`);
    return list;
  }

  async stepDown(token: string): Promise<void> {
    await this.call('stepping down', () => this.request('/sys/step-down', 'PUT', {}, token));
  }

  async revokeSelf(token: string): Promise<void> {
    await this.call('revoking a token', () => this.request('/auth/token/revoke-self', 'POST', {}, token));
  }

  async lookupAccessor(token: string, accessor: string): Promise<TokenInfo | undefined> {
    // Vault answers an accessor with no token behind it 400 ("invalid accessor").
    return absentOn([400, 404], () =>
      this.call('looking up a token accessor', () =>
        this.request('/auth/token/lookup-accessor', 'POST', { accessor }, token),
      ),
    ).then((body) => (body === undefined ? undefined : parseTokenInfo(this.name, body)));
  }

  async revokeAccessor(token: string, accessor: string): Promise<void> {
    await absentOn([400, 404], () =>
      this.call('revoking a token accessor', () =>
        this.request('/auth/token/revoke-accessor', 'POST', { accessor }, token),
      ),
    );
  }

  async listAccessors(token: string): Promise<string[]> {
    const body = (await this.call('listing token accessors', () =>
      this.request('/auth/token/accessors?list=true', 'GET', undefined, token),
    )) as { data?: { keys?: unknown } };
    const keys = body.data?.keys;
    if (!Array.isArray(keys))
      throw new VaultProtocolError(`listing token accessors on ${this.name}: no data.keys`);
    return keys.filter((k): k is string => typeof k === 'string');
  }

  async rootGenerationStatus(
    api: RootGenerationApi,
    token?: string,
  ): Promise<RootGenerationAttempt | undefined> {
    const body = await absentOn([404, 405], () =>
      this.call('reading the root generation attempt', () =>
        this.request(`/${api}/attempt`, 'GET', undefined, token),
      ),
    );
    return body === undefined ? undefined : parseAttempt(this.name, body);
  }

  async startRootGeneration(api: RootGenerationApi, token?: string): Promise<RootGenerationAttempt> {
    const body = await this.call('starting a root generation', () =>
      this.request(`/${api}/attempt`, 'PUT', {}, token),
    );
    return parseAttempt(this.name, body);
  }

  async provideRootGenerationKey(
    api: RootGenerationApi,
    key: string,
    nonce: string,
    token?: string,
  ): Promise<RootGenerationAttempt> {
    const body = await this.call('providing the key to a root generation', () =>
      this.request(`/${api}/update`, 'PUT', { key, nonce }, token),
    );
    return parseAttempt(this.name, body);
  }

  async rekeyStatus(api: RekeyApi, token?: string): Promise<RekeyAttempt | undefined> {
    const what = 'reading the unseal key rotation';
    // OpenBao 2.5+ answers its legacy sys/rekey/init 405 while `disable_unauthed_rekey_endpoints` is on.
    const body = await absentOn([404, 405], () =>
      this.call(what, () => this.request(`/${api}/init`, 'GET', undefined, token)),
    );
    return body === undefined ? undefined : parseRekeyAttempt(`${what} on ${this.name}`, body);
  }

  async startRekey(api: RekeyApi, request: RekeyRequest, token?: string): Promise<RekeyAttempt> {
    const what = 'starting an unseal key rotation';
    // Parsed here, before any call: only one public key goes out, never a private one.
    const pgp = await publicKeyForVault(`${what} on ${this.name}`, request.pgpPublicKey);
    const body = await this.call(what, () =>
      this.request(
        `/${api}/init`,
        'POST',
        {
          secret_shares: 1,
          secret_threshold: 1,
          pgp_keys: [pgp.base64],
          backup: request.backup,
          require_verification: request.requireVerification,
        },
        token,
      ),
    );
    // Both servers answer the start with the status; an empty answer (older Vault's 204) is read back.
    const started =
      body === undefined || body === ''
        ? await this.rekeyStatus(api, token)
        : parseRekeyAttempt(`${what} on ${this.name}`, body);
    const answered = started ? describeRekey(started) : 'no status';
    if (
      !started?.started ||
      started.shares !== 1 ||
      started.threshold !== 1 ||
      started.pgpFingerprints.length !== 1 ||
      started.pgpFingerprints[0] !== pgp.fingerprint ||
      started.backup !== request.backup ||
      started.verificationRequired !== request.requireVerification
    )
      throw new VaultProtocolError(
        `${what} on ${this.name}: the server answered ${answered}, not the rotation asked for ` +
          `(1 share, threshold 1, encrypted to ${pgp.fingerprint}, backup ${request.backup}, ` +
          `verification ${request.requireVerification})`,
      );
    return started;
  }

  async provideRekeyKey(api: RekeyApi, key: string, nonce: string, token?: string): Promise<RekeyUpdate> {
    const what = 'providing the unseal key to a rotation';
    const body = await this.call(what, () => this.request(`/${api}/update`, 'POST', { key, nonce }, token));
    return parseRekeyUpdate(`${what} on ${this.name}`, body);
  }

  async rekeyVerificationStatus(api: RekeyApi, token?: string): Promise<RekeyVerification | undefined> {
    const what = 'reading the unseal key rotation verification';
    // Both answer 400 when no rotation is in progress ("no rotation configuration found" from OpenBao 2.7.2).
    const body = await absentOn([400], () =>
      this.call(what, () => this.request(`/${api}/verify`, 'GET', undefined, token)),
    );
    return body === undefined ? undefined : parseRekeyVerification(`${what} on ${this.name}`, body);
  }

  async provideRekeyVerificationKey(
    api: RekeyApi,
    newKey: string,
    nonce: string,
    token?: string,
  ): Promise<{ complete: boolean; nonce: string }> {
    const what = 'verifying the new unseal key';
    const body = await this.call(what, () =>
      this.request(`/${api}/verify`, 'POST', { key: newKey, nonce }, token),
    );
    const d = fieldsOf(body);
    if (d?.complete === true && typeof d.nonce === 'string') return { complete: true, nonce: d.nonce };
    // Not complete yet (a threshold above one): the answer is the verification's status.
    const status = parseRekeyVerification(`${what} on ${this.name}`, body);
    return { complete: false, nonce: status.nonce };
  }

  async cancelRekey(api: RekeyApi, nonce: string, token?: string): Promise<void> {
    await this.call('cancelling the unseal key rotation', () =>
      this.request(`/${api}/init`, 'DELETE', { nonce }, token),
    );
  }

  async rekeyBackup(api: RekeyApi, token: string): Promise<RekeyBackup | undefined> {
    const what = 'reading the unseal key rotation backup';
    // Both answer 400 "no backed-up keys found" when none is kept.
    const body = await absentOn([400], () =>
      this.call(what, () => this.request(`/${api}/backup`, 'GET', undefined, token)),
    );
    return body === undefined ? undefined : parseRekeyBackup(`${what} on ${this.name}`, body);
  }

  async deleteRekeyBackup(api: RekeyApi, token: string): Promise<void> {
    await this.call('deleting the unseal key rotation backup', () =>
      this.request(`/${api}/backup`, 'DELETE', undefined, token),
    );
  }
}

/** `fn`'s answer, or `undefined` when Vault answered one of `statuses` (the thing asked about is not there). */
async function absentOn<T>(statuses: number[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VaultRequestError && err.status !== undefined && statuses.includes(err.status))
      return undefined;
    throw err;
  }
}

function parseTokenInfo(node: string, body: unknown): TokenInfo {
  const d = (body as { data?: Record<string, unknown> }).data;
  if (!d || typeof d.accessor !== 'string' || !Array.isArray(d.policies))
    throw new VaultProtocolError(`looking up a token on ${node}: no data.accessor/policies`);
  return {
    accessor: d.accessor,
    policies: (d.policies as unknown[]).filter((p): p is string => typeof p === 'string'),
    displayName: text(d.display_name),
    ttlSeconds: typeof d.ttl === 'number' ? d.ttl : 0,
    createdAtSeconds: typeof d.creation_time === 'number' ? d.creation_time : 0,
    meta: Object.fromEntries(
      Object.entries((d.meta ?? {}) as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    ),
  };
}

/** A root generation answer: the fields sit at the top (Vault) or under `data` (OpenBao's new endpoints). */
function parseAttempt(node: string, body: unknown): RootGenerationAttempt {
  const b = body as Record<string, unknown> | undefined;
  const d = (b?.data && typeof b.data === 'object' ? b.data : b) as Record<string, unknown> | undefined;
  if (!d || typeof d.started !== 'boolean')
    throw new VaultProtocolError(`reading a root generation attempt on ${node}: no started field`);
  return {
    started: d.started,
    nonce: text(d.nonce),
    otp: text(d.otp),
    complete: d.complete === true,
    encodedToken: text(d.encoded_token),
  };
}

/**
 * The fields of a rekey answer: under `data` (OpenBao's `sys/rotate/root`, as a logical endpoint answers) or at
 * the top (`sys/rekey` on either server); `undefined` when the answer is not an object.
 */
function fieldsOf(body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  return b.data && typeof b.data === 'object' && !Array.isArray(b.data)
    ? (b.data as Record<string, unknown>)
    : b;
}

/** `v` when it is a list of strings, `[]` when absent or null (Vault answers `pgp_fingerprints: null`), else undefined. */
function strings(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

/** A count field: a non-negative integer; absent counts as 0 (OpenBao omits `progress` before a start). */
function count(v: unknown): number | undefined {
  if (v === undefined) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** What a rotation status says, for messages: no key, only the shape. */
function describeRekey(a: RekeyAttempt): string {
  return a.started
    ? `a rotation to ${a.shares} share(s), threshold ${a.threshold}, encrypted to [${a.pgpFingerprints.join(', ')}], ` +
        `backup ${a.backup}, verification ${a.verificationRequired}`
    : 'no rotation in progress';
}

/**
 * A rotation status (`<api>/init`; the answer to `update` before it completes). The status never holds a key,
 * so the message may name the fields that are wrong.
 */
export function parseRekeyAttempt(where: string, body: unknown): RekeyAttempt {
  const d = fieldsOf(body);
  if (!d || typeof d.started !== 'boolean')
    throw new VaultProtocolError(`${where}: the answer is not a rotation status (no started field)`);
  const shares = count(d.n);
  const threshold = count(d.t);
  const progress = count(d.progress);
  const required = count(d.required);
  const pgpFingerprints = strings(d.pgp_fingerprints);
  const bad = [
    shares === undefined ? 'n' : '',
    threshold === undefined ? 't' : '',
    progress === undefined ? 'progress' : '',
    required === undefined ? 'required' : '',
    pgpFingerprints === undefined ? 'pgp_fingerprints' : '',
    d.nonce !== undefined && typeof d.nonce !== 'string' ? 'nonce' : '',
    d.started && (typeof d.nonce !== 'string' || d.nonce === '') ? 'nonce (a started rotation has one)' : '',
    d.backup !== undefined && typeof d.backup !== 'boolean' ? 'backup' : '',
    d.verification_required !== undefined && typeof d.verification_required !== 'boolean'
      ? 'verification_required'
      : '',
    d.verification_nonce !== undefined && typeof d.verification_nonce !== 'string'
      ? 'verification_nonce'
      : '',
  ].filter(Boolean);
  if (bad.length)
    throw new VaultProtocolError(`${where}: the rotation status has no valid ${bad.join(', ')}`);
  return {
    started: d.started,
    nonce: text(d.nonce),
    shares: shares ?? 0,
    threshold: threshold ?? 0,
    progress: progress ?? 0,
    required: required ?? 0,
    pgpFingerprints: (pgpFingerprints ?? []).map((f) => f.toLowerCase()),
    backup: d.backup === true,
    verificationRequired: d.verification_required === true,
    verificationNonce: text(d.verification_nonce),
  };
}

/**
 * The answer to `update`. Complete: the new keys, which must be encrypted (PGP fingerprints, one per key, and
 * base64 OpenPGP messages). Anything else is refused by what is missing, never by echoing the answer: a key
 * that came back in plaintext must not reach a message.
 */
export function parseRekeyUpdate(where: string, body: unknown): RekeyUpdate {
  const d = fieldsOf(body);
  if (d?.complete !== true) {
    if (d && d.complete !== undefined && d.complete !== false)
      throw new VaultProtocolError(`${where}: the answer's complete field is not a boolean`);
    return { complete: false, attempt: parseRekeyAttempt(where, body) };
  }
  const keys = strings(d.keys_base64);
  const fingerprints = strings(d.pgp_fingerprints);
  if (!fingerprints?.length)
    throw new VaultProtocolError(
      `${where}: the rotation completed but its answer names no OpenPGP key: the new key came back unencrypted ` +
        `(or not at all) and was not kept; cancel nothing, rotate again with a key to encrypt to`,
    );
  if (!keys?.length || keys.length !== fingerprints.length || !keys.every(isOpenPgpMessage))
    throw new VaultProtocolError(
      `${where}: the rotation completed but keys_base64 is not one OpenPGP message per fingerprint ` +
        `(${fingerprints.length} fingerprint(s), ${keys?.length ?? 'no'} key(s))`,
    );
  if (typeof d.nonce !== 'string' || d.nonce === '')
    throw new VaultProtocolError(`${where}: the completed rotation's answer has no nonce`);
  const verificationRequired = d.verification_required === true;
  const verificationNonce = text(d.verification_nonce);
  if (verificationRequired && verificationNonce === '')
    throw new VaultProtocolError(
      `${where}: the rotation waits for verification but answered no verification_nonce`,
    );
  return {
    complete: true,
    nonce: d.nonce,
    encryptedKeys: keys,
    pgpFingerprints: fingerprints.map((f) => f.toLowerCase()),
    backup: d.backup === true,
    verificationRequired,
    verificationNonce,
  };
}

/** A verification status (`<api>/verify`). Vault's documented sample has no `started`: a nonce means started. */
export function parseRekeyVerification(where: string, body: unknown): RekeyVerification {
  const d = fieldsOf(body);
  const shares = count(d?.n);
  const threshold = count(d?.t);
  const progress = count(d?.progress);
  if (
    !d ||
    typeof d.nonce !== 'string' ||
    shares === undefined ||
    threshold === undefined ||
    progress === undefined ||
    (d.started !== undefined && typeof d.started !== 'boolean')
  )
    throw new VaultProtocolError(`${where}: the answer is not a verification status (nonce, n, t, progress)`);
  return {
    started: typeof d.started === 'boolean' ? d.started : d.nonce !== '',
    nonce: d.nonce,
    shares,
    threshold,
    progress,
  };
}

/**
 * The kept backup (`<api>/backup`): the nonce, and by fingerprint the encrypted keys, from `keys_base64` or else
 * from the hex `keys` (Vault's documented sample, a string per fingerprint; the servers answer a list).
 */
export function parseRekeyBackup(where: string, body: unknown): RekeyBackup {
  const d = fieldsOf(body);
  const refuse = (why: string) => new VaultProtocolError(`${where}: ${why}`);
  if (!d || typeof d.nonce !== 'string' || d.nonce === '') throw refuse('the backup has no nonce');
  const map = (v: unknown): Record<string, string[]> | undefined => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const out: Record<string, string[]> = {};
    for (const [fingerprint, list] of Object.entries(v as Record<string, unknown>)) {
      const items = typeof list === 'string' ? [list] : list;
      if (!Array.isArray(items) || !items.length || !items.every((x) => typeof x === 'string'))
        return undefined;
      out[fingerprint.toLowerCase()] = items;
    }
    return Object.keys(out).length ? out : undefined;
  };
  const b64 = map(d.keys_base64);
  const hex = b64 ? undefined : map(d.keys);
  if (hex && !Object.values(hex).every((l) => l.every((x) => /^(?:[0-9a-f]{2})+$/i.test(x))))
    throw refuse("the backup's keys are not hex");
  const keys =
    b64 ??
    (hex
      ? Object.fromEntries(
          Object.entries(hex).map(([f, l]) => [f, l.map((x) => Buffer.from(x, 'hex').toString('base64'))]),
        )
      : undefined);
  if (!keys) throw refuse('the backup has no keys_base64 or keys by fingerprint');
  if (!Object.values(keys).every((l) => l.every(isOpenPgpMessage)))
    throw refuse("the backup's keys are not OpenPGP messages");
  return { nonce: d.nonce, encryptedKeys: keys };
}

/**
 * Whether a base64 text is (the start of) a binary OpenPGP message: a new-format or old-format packet header
 * (the high bit set) of a public-key encrypted session key (tag 1), which is how both servers encrypt a key.
 * A plaintext key (32 random bytes) passes this only by a 1-in-128 chance, so this is a shape check, not proof.
 */
function isOpenPgpMessage(b64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const first = Buffer.from(b64.slice(0, 4), 'base64')[0];
  if (first === undefined || (first & 0x80) === 0) return false;
  const tag = first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f;
  return tag === 1;
}

/** A string field of a Vault answer, or '' when absent or not a string. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
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
  const server = identifyServer(node, b);
  return {
    initialized: b.initialized,
    sealed: b.sealed,
    version: server.version,
    server,
    // Vault 1.19+ (Raft): a node removed from the cluster says so, sealed or not; OpenBao never does.
    ...(typeof b.removed_from_cluster === 'boolean' ? { removedFromCluster: b.removed_from_cluster } : {}),
  };
}

/**
 * A `sys/health` answer of a node of `server`: the state its status code says (`healthStateOf`; a code the
 * server does not document is a `VaultProtocolError`) and the body's fields. Both servers derive the code from
 * those same fields, in this order: not initialized (501), removed (530), sealed (503), then the roles of an
 * unsealed node (hashicorp/vault http/sys_health.go; OpenBao's has the first, third and last only). A body that
 * says otherwise than its code (a proxy's answer, another product) is refused, not read half.
 */
export function parseHealth(node: string, server: VaultServer, status: number, body: unknown): SysHealth {
  const state = healthStateOf(node, server, status);
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (typeof b.initialized !== 'boolean' || typeof b.sealed !== 'boolean' || typeof b.standby !== 'boolean')
    throw new VaultProtocolError(
      `${node} answered sys/health with HTTP ${status} without boolean initialized/sealed/standby fields`,
    );
  const removed = typeof b.removed_from_cluster === 'boolean' ? b.removed_from_cluster : undefined;
  const says: HealthState | 'unsealed' = !b.initialized
    ? 'uninitialized'
    : removed
      ? 'removed'
      : b.sealed
        ? 'sealed'
        : 'unsealed';
  const unsealedRole = !['uninitialized', 'removed', 'sealed'].includes(state);
  const agrees =
    says === 'unsealed'
      ? unsealedRole && (state === 'active' ? !b.standby : state === 'drSecondary' || b.standby)
      : state === says;
  if (!agrees)
    throw new VaultProtocolError(
      `${node} answered sys/health with HTTP ${status} (${state}) but a body that says initialized ${b.initialized}, ` +
        `sealed ${b.sealed}, standby ${b.standby}${removed === undefined ? '' : `, removed_from_cluster ${removed}`}`,
    );
  return {
    state,
    status,
    initialized: b.initialized,
    sealed: b.sealed,
    standby: b.standby,
    version: text(b.version),
    ...(removed === undefined ? {} : { removedFromCluster: removed }),
  };
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
