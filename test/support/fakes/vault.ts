/**
 * A Vault Raft cluster in memory, one node per slot of the fake swarm's service, answering the way the steps
 * rely on: seal status, and sys/health from the same state with the codes of the cluster's server; init once (a second is refused); unseal with the cluster's key only (a wrong key is
 * refused as Vault refuses it); a Raft join that makes a node report itself initialized until its unseal
 * makes it a voter (a restart before that forgets the join); the Raft configuration (token, unsealed node,
 * an active node, or an unsealed standby's own copy of it); sys/leader with a quorum of unsealed members, and on an
 * unsealed standby while no node is active the last active node's address (stale, as Vault's is: see
 * `lastActive`); a standby that cannot reach an active node answers what it must forward with a 307, as
 * OpenBao does; autopilot; the certificate served; tokens
 * (root, policies, orphans, accessors, revocation, expiry by `expireTokens`) and root generation through one
 * of the two APIs (`rootGenerationApi`; the other answers `undefined`, as a 404/405); the rotation of the unseal
 * key through the server's one API (`rekeyApi`: one rotation at a time, its nonce, the current key to complete
 * it, the new key encrypted for real to the OpenPGP key given, the old key valid until completion or, with
 * verification, until the new key is verified; a wrong verification key replaces the verification nonce; a
 * seal or restart of the active node loses the rotation, never the kept backup); a Raft snapshot that holds
 * the cluster's data (key, tokens, policies, mounts, KV) and a forced restore of one, which replaces that data
 * and seals the node, as Vault does.
 * A node is reached only at its current task's address: a client of a replaced task fails to connect.
 */
import { Readable } from 'node:stream';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import { capabilitiesOf, healthStateOf } from '../../../src/shared/vault-server';
import type { VaultServer } from '../../../src/shared/vault-server';
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
  VaultNodeFactory,
} from '../../../src/ports';
import { SNAPSHOT_PATH } from '../../../src/activities/cluster/policies';
import { AUDIT_DEVICE } from '../../../src/activities/cluster/audit';
import { VAULT_API_PORT } from '../../../src/shared/constants';
import { VaultProtocolError, VaultRequestError } from '../../../src/shared/errors';
import { publicKeyForVault } from '../../../src/vault/pgp';
import type { FakeSwarm } from './swarm';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

/** A rotation of the unseal key in progress (the server keeps it in memory: a seal or restart loses it). */
export interface FakeRekey {
  nonce: string;
  pgpPublicKey: string;
  fingerprint: string;
  backup: boolean;
  requireVerification: boolean;
  /** After `update` with verification: the new key, not yet the key, and the verification's nonce. */
  pending?: { newKey: string; verificationNonce: string };
}

const AUTOPILOT_CONFIG = 'sys/storage/raft/autopilot/configuration';

/** One node's state: its data (initialized, Raft member) survives a restart; its seal does not. */
export interface FakeNodeState {
  initialized: boolean;
  /**
   * Its local Raft data predates the last rotation of the unseal key (restarted before it replicated, or down
   * during it): only this, the key before, opens it, until it is unsealed and catches up.
   */
  staleUnsealKey?: string;
  sealed: boolean;
  /** Listed in the Raft configuration (a voter). */
  member: boolean;
  /** Joined, not yet unsealed: reports initialized, forgets the join when its task restarts. */
  joinPending: boolean;
  /** A joining peer's unseal answers `sealed: true` this many more seal-status reads (Raft challenge). */
  challengeReads: number;
  /** SHA-256 fingerprint of the certificate it serves; a SIGHUP makes it serve `diskFingerprint`. */
  servedFingerprint: string;
  /** When set, every seal-status answer is one this tool does not understand. */
  protocolError?: string;
  /** Removed from the Raft cluster: seal-status says `removed_from_cluster: true` (a Vault 1.19+ server). */
  removedFromCluster?: boolean;
  /**
   * An unsealed standby whose heartbeats to the active node fail (a network cut between them): sys/health 474
   * on a server that documents it (HashiCorp Vault 1.19+), a plain standby's 429 on OpenBao.
   */
  cannotReachActive?: boolean;
  /**
   * A Vault Enterprise replication role of an unsealed node, which sys/health answers ahead of standby:
   * `drSecondary` 472, `performanceStandby` 473 (on a standby only). Set only with a Vault server.
   */
  replicationRole?: 'drSecondary' | 'performanceStandby';
  /**
   * Raft state left by a `sys/init` its task's death cut short (no barrier): every init answers "cluster
   * already has state" until the data folder is emptied (`wipe`).
   */
  cutShortInit?: boolean;
  /**
   * The next `sys/init` completes on the node (keyring and barrier persisted) but its answer never reaches the
   * caller: a power cut of the caller's node, or a CLI timeout, between Vault's commit and its reply.
   */
  loseInitAnswer?: boolean;
}

/** A token the fake knows. */
export interface FakeToken extends TokenInfo {
  token: string;
  orphan: boolean;
}

/** What a fake snapshot holds: the cluster's data, not its Raft membership (a restore keeps the node's own). */
interface FakeClusterData {
  unsealKey?: string;
  tokens: [string, FakeToken][];
  policies: [string, string][];
  tokenRoles: [string, TokenRole][];
  mounts: [string, string][];
  kv: [string, Record<string, string>][];
  audits: [string, AuditDevice][];
}

/** How the fake's snapshots begin; a stream that does not is refused as Vault refuses a file that is none. */
export const FAKE_SNAPSHOT_PREFIX = 'fake-raft-snapshot:';

export interface FakeClusterOptions {
  /** Data on tmpfs (the restore drill's throwaway stack): a restarted task starts from nothing. */
  ephemeral?: boolean;
  /** The Raft node id of a slot's node (default `vault-<slot>`, the stack files' `VAULT_RAFT_NODE_ID`). */
  raftNodeId?: (slot: number) => string;
}

export class FakeVaultCluster {
  readonly nodes = new Map<number, FakeNodeState>();
  unsealKey?: string;
  /** Every live token, by token. */
  readonly tokens = new Map<string, FakeToken>();
  readonly policies = new Map<string, string>();
  readonly tokenRoles = new Map<string, TokenRole>();
  /** Secrets engines by mount path (`vault-bootstrap` → `kv`), and KV v1 entries by full path. */
  readonly mounts = new Map<string, string>();
  readonly kv = new Map<string, Record<string, string>>();
  /** Audit devices enabled through `sys/audit`, by path: in the cluster's data, as Vault keeps its audit table. */
  readonly audits = new Map<string, AuditDevice>();
  /**
   * Audit devices the server's configuration declares (OpenBao's only way from 2.3.2): what the test bed's
   * stack files give OpenBao by default; none once `asServer` names a server that takes them from the API.
   */
  configuredAudits: AuditDevice[] = [{ ...AUDIT_DEVICE, options: { ...AUDIT_DEVICE.options } }];
  /** When set, `sys/audit/<path>` answers HTTP 400 with it (Vault cannot open the file: a read-only volume). */
  auditRefusal?: string;
  /**
   * The server seal-status names (OpenBao 2.7.2 by default, as on the test bed): what the steps read the
   * capabilities of. Set with `rootGenerationApi` to what that server offers (`asServer` does both).
   */
  server: VaultServer = { product: 'openbao', version: '2.7.2' };
  /**
   * The root generation endpoints this server offers (OpenBao's by default, as on the test bed); `undefined`:
   * none (an OpenBao 2.5.3 to 2.5.x whose legacy endpoints are off, as by default).
   */
  rootGenerationApi: RootGenerationApi | undefined = 'sys/generate-root-token';

  /** Makes the cluster `server`, offering the root generation endpoints its documentation names. */
  asServer(server: VaultServer): this {
    this.server = server;
    this.rootGenerationApi = capabilitiesOf(server).rootGeneration.api;
    this.rekeyApi = capabilitiesOf(server).rekey.api;
    if (capabilitiesOf(server).auditDeviceByApi) this.configuredAudits = [];
    return this;
  }
  rootGeneration?: { nonce: string; otp: string };
  /** The rotation endpoints this server offers (OpenBao's by default); `undefined`: none (legacy ones off). */
  rekeyApi: RekeyApi | undefined = 'sys/rotate/root';
  /** The rotation of the unseal key in progress, on the active node. */
  rekey?: FakeRekey;
  /** The encrypted new keys a rotation with `backup` kept in storage (survives seals; `erase` clears it). */
  rekeyBackup?: RekeyBackup;
  /** Every unseal key a completed rotation made, in order (a test decrypts and compares). */
  readonly rotatedKeys: string[] = [];
  /** When set, no node answers (ECONNREFUSED): what a worker killed mid-call sees of Vault from then on. */
  unreachable = false;
  /** The server's clock (tokens' `creation_time`), Unix seconds. */
  nowSeconds = (): number => Math.floor(Date.now() / 1000);
  private serial = 0;
  autopilotHealthy = true;
  /** Vault's defaults until the bootstrap writes its own. */
  autopilotConfig: AutopilotConfig = {
    cleanupDeadServers: false,
    deadServerLastContactThreshold: '86400s',
    minQuorum: 3,
    serverStabilizationTime: '10s',
  };
  /** Writes of the autopilot configuration. */
  autopilotWrites = 0;
  /** The fingerprint of the certificate on disk: what a node serves after a SIGHUP. */
  diskFingerprint = 'AA:BB:CC';
  /** A joining peer's unseal stays `sealed: true` for this many seal-status reads (default 0). */
  challengeReads = 0;
  /** When set, `init` takes effect at once but answers only when this promise resolves. */
  initGate?: Promise<void>;
  readonly calls = {
    init: 0,
    unseal: [] as string[],
    join: [] as string[],
    restore: [] as string[],
    /** Every `stepDown`, by the node that was active. */
    stepDowns: [] as string[],
  };
  /** The winners of the next elections a step-down starts, in order (else the lowest other voter). */
  readonly nextLeader: number[] = [];
  /**
   * Nodes whose next unseal fails as OpenBao answered a joining peer that two remediations unsealed at once:
   * HTTP 500 `invalid key size 0` (no keyring yet, whatever the key).
   */
  readonly unsealNotReadyOnce = new Set<string>();
  /** When set, the next forced restore fails with it (the stream was read) and changes nothing. */
  failNextRestore?: Error;
  active?: number;
  /**
   * The last node that was active. Vault's sys/leader on a standby reads the leader entry from its own Raft
   * data, which still names this node after a restart took the quorum away, whether it is sealed or gone:
   * while no node is active, an unsealed member answers its address as `leader_address`.
   */
  lastActive?: number;
  /** May change mid-test (a drill stack whose override did not take). */
  raftNodeId: (slot: number) => string;

  constructor(
    private readonly swarm: FakeSwarm,
    readonly service: string,
    private readonly options: FakeClusterOptions = {},
  ) {
    this.raftNodeId = options.raftNodeId ?? ((slot) => `vault-${slot}`);
    swarm.onTaskStart(({ service: s, slot }) => {
      if (s !== this.service) return;
      if (this.options.ephemeral) this.erase();
      this.restart(slot);
    });
    swarm.onSignal(({ service: s, slot }, signal) => {
      if (s === this.service && signal === 'SIGHUP') this.node(slot).servedFingerprint = this.diskFingerprint;
    });
  }

  /** The clients the activities build: the fake's port. */
  readonly factory: VaultNodeFactory = (name, target) => new FakeVaultNode(this, name, target);

  node(slot: number): FakeNodeState {
    let n = this.nodes.get(slot);
    if (!n) {
      n = {
        initialized: false,
        sealed: true,
        member: false,
        joinPending: false,
        challengeReads: 0,
        servedFingerprint: this.diskFingerprint,
      };
      this.nodes.set(slot, n);
    }
    return n;
  }

  /** A formed, unsealed 3-node cluster with `key` and `token` (as after a bootstrap). */
  form(
    key = 'a2V5LW9mLXRoaXMtY2x1c3Rlcg==',
    token = 'hvs.fake-root-token',
  ): { unsealKey: string; rootToken: string } {
    this.unsealKey = key;
    this.addToken(token, ['root'], 'root');
    for (const slot of [1, 2, 3])
      Object.assign(this.node(slot), { initialized: true, sealed: false, member: true, joinPending: false });
    this.active = 1;
    return { unsealKey: key, rootToken: token };
  }

  /**
   * The node's data is gone (a wiped volume): uninitialized. By default it is out of the Raft configuration
   * too (removed); `stillListed` keeps it there, as Raft does until the peer is removed.
   */
  wipe(slot: number, { stillListed = false } = {}): void {
    Object.assign(this.node(slot), {
      initialized: false,
      sealed: true,
      member: stillListed,
      joinPending: false,
      cutShortInit: false,
    });
    if (this.active === slot) this.active = undefined;
  }

  /**
   * Every node's data is gone, and the cluster's with it (the stack removed with its volumes, or a tmpfs
   * gone with its container): uninitialized nodes, no key, tokens, policies, mounts or KV.
   */
  erase(): void {
    for (const slot of this.nodes.keys()) this.wipe(slot);
    this.unsealKey = undefined;
    for (const m of [this.tokens, this.policies, this.tokenRoles, this.mounts, this.kv, this.audits])
      m.clear();
    this.rootGeneration = undefined;
    this.rekey = undefined;
    this.rekeyBackup = undefined;
    this.lastActive = undefined;
  }

  /** The cluster's data as a snapshot holds it. */
  snapshotData(): FakeClusterData {
    return structuredClone({
      unsealKey: this.unsealKey,
      tokens: [...this.tokens],
      policies: [...this.policies],
      tokenRoles: [...this.tokenRoles],
      mounts: [...this.mounts],
      kv: [...this.kv],
      audits: [...this.audits],
    });
  }

  /** Replaces the cluster's data with a snapshot's; every node seals (the data opens with its own key). */
  restoreData(data: FakeClusterData): void {
    this.unsealKey = data.unsealKey;
    for (const [map, entries] of [
      [this.tokens, data.tokens],
      [this.policies, data.policies],
      [this.tokenRoles, data.tokenRoles],
      [this.mounts, data.mounts],
      [this.kv, data.kv],
      [this.audits, data.audits],
    ] as [Map<string, unknown>, [string, unknown][]][]) {
      map.clear();
      for (const [k, v] of entries) map.set(k, v);
    }
    for (const n of this.nodes.values()) n.sealed = true;
    this.active = undefined;
    this.rekey = undefined;
  }

  /** A restarted Vault process: sealed; a pending join is forgotten. */
  restart(slot: number): void {
    const n = this.node(slot);
    n.sealed = true;
    if (n.joinPending) Object.assign(n, { joinPending: false, initialized: false });
    if (this.active === slot) {
      this.active = undefined;
      this.rekey = undefined; // the rotation lived in the active node's memory
    }
  }

  /** The slot of the active node, if a quorum of members is unsealed. */
  activeSlot(): number | undefined {
    const members = [...this.nodes].filter(([, n]) => n.member);
    const unsealed = members.filter(([, n]) => !n.sealed).map(([s]) => s);
    if (unsealed.length < Math.floor(members.length / 2) + 1) return (this.active = undefined);
    if (this.active === undefined || !unsealed.includes(this.active)) this.active = Math.min(...unsealed);
    return (this.lastActive = this.active);
  }

  /** Adds a live token; returns it. */
  addToken(
    token: string,
    policies: string[],
    displayName: string,
    meta: Record<string, string> = {},
  ): FakeToken {
    const t: FakeToken = {
      token,
      accessor: `accessor-${++this.serial}`,
      policies,
      displayName,
      ttlSeconds: 0,
      createdAtSeconds: this.nowSeconds(),
      meta,
      orphan: true,
    };
    this.tokens.set(token, t);
    return t;
  }

  /** Tokens with the `root` policy that are live. */
  rootTokens(): FakeToken[] {
    return [...this.tokens.values()].filter((t) => t.policies.includes('root'));
  }

  /** Expires every token with a TTL (Vault's own expiry). */
  expireTokens(): void {
    for (const [k, t] of this.tokens) if (t.ttlSeconds > 0) this.tokens.delete(k);
  }

  byAccessor(accessor: string): FakeToken | undefined {
    return [...this.tokens.values()].find((t) => t.accessor === accessor);
  }

  nextSerial(): number {
    return ++this.serial;
  }

  /** Whether a task of this cluster's service has `host` for its address. */
  serves(host: string): boolean {
    return [...this.nodes.keys(), 1, 2, 3].some((slot) => this.taskOf(slot)?.address === host);
  }

  addressOf(slot: number): string | undefined {
    return this.taskOf(slot)?.address;
  }

  /** The current running task of the slot (synchronous view of the swarm, for reachability). */
  taskOf(slot: number): { address?: string; state: string; listening?: boolean } | undefined {
    return this.swarm.taskSnapshot(this.service, slot);
  }
}

/** One node's client, bound to the address it was built for. */
class FakeVaultNode implements VaultNode {
  private readonly slot: number;

  constructor(
    private readonly cluster: FakeVaultCluster,
    readonly name: string,
    private readonly target: NodeTarget,
  ) {
    this.slot = Number(/^vault-(\d+)$/.exec(name)?.[1]);
  }

  private state(op: string): FakeNodeState {
    const task = this.cluster.taskOf(this.slot);
    const up = task?.state === 'running' || task?.listening === true;
    if (
      !up ||
      this.cluster.unreachable ||
      task?.address !== this.target.host ||
      this.target.port !== VAULT_API_PORT
    )
      throw new VaultRequestError(`${op} on ${this.name}: ECONNREFUSED`);
    if (this.target.serverName !== this.name)
      throw new VaultRequestError(`${op} on ${this.name}: ERR_TLS_CERT_ALTNAME_INVALID`);
    return this.cluster.node(this.slot);
  }

  private status(n: FakeNodeState): SealStatus {
    if (n.protocolError) throw new VaultProtocolError(n.protocolError);
    let sealed = n.sealed;
    if (!sealed && n.challengeReads > 0) {
      n.challengeReads--;
      sealed = true;
    }
    const { server } = this.cluster;
    return {
      initialized: n.initialized,
      sealed,
      version: server.version,
      server,
      ...(n.removedFromCluster ? { removedFromCluster: true } : {}),
    };
  }

  sealStatus(): Promise<SealStatus> {
    return attempt(() => this.status(this.state('reading seal status')));
  }

  /**
   * sys/health as the cluster's server answers it, from the same state as seal-status (a joining peer's
   * challenge reads included, not used up), its code in Vault's order: uninitialized 501, removed 530, sealed
   * 503, a standby that cannot reach the active node 474, DR secondary 472, performance standby 473, standby
   * 429, active 200; codes the server does not document are not sent (OpenBao: 501, 503, 429, 200). The code is
   * then read with the `server` the caller names, as the gateway does.
   */
  health(server: VaultServer): Promise<SysHealth> {
    return attempt(() => {
      const n = this.state('reading sys/health');
      if (n.protocolError) throw new VaultProtocolError(n.protocolError);
      const own = capabilitiesOf(this.cluster.server);
      const answers = (code: number) => own.healthStatusCodes[code] !== undefined;
      const sealed = n.sealed || n.challengeReads > 0;
      const active = !sealed && this.cluster.activeSlot() === this.slot;
      const removed = own.reportsRemovedFromCluster ? n.removedFromCluster === true : undefined;
      const status = !n.initialized
        ? 501
        : removed
          ? 530
          : sealed
            ? 503
            : !active && n.cannotReachActive && answers(474)
              ? 474
              : n.replicationRole === 'drSecondary' && answers(472)
                ? 472
                : !active && n.replicationRole === 'performanceStandby' && answers(473)
                  ? 473
                  : active
                    ? 200
                    : 429;
      return {
        state: healthStateOf(this.name, server, status),
        status,
        initialized: n.initialized,
        sealed,
        standby: !active,
        version: this.cluster.server.version,
        ...(removed === undefined ? {} : { removedFromCluster: removed }),
      };
    });
  }

  async init(): Promise<InitResponse> {
    const n = this.state('initializing');
    if (n.initialized)
      throw new VaultRequestError(
        `initializing on ${this.name}: HTTP 400: Vault is already initialized`,
        400,
      );
    if (n.cutShortInit)
      throw new VaultRequestError(
        `initializing on ${this.name}: HTTP 400: could not bootstrap clustered storage: error bootstrapping cluster: cluster already has state`,
        400,
      );
    this.cluster.calls.init++;
    const answer = {
      unsealKey: Buffer.from(`unseal-key-${this.cluster.calls.init}`).toString('base64'),
      rootToken: `hvs.root-${this.cluster.calls.init}`,
    };
    Object.assign(n, { initialized: true, sealed: true, member: true });
    this.cluster.unsealKey = answer.unsealKey;
    this.cluster.addToken(answer.rootToken, ['root'], 'root');
    await this.cluster.initGate;
    if (n.loseInitAnswer) {
      n.loseInitAnswer = false;
      throw new Error(`initializing on ${this.name}: EOF (the answer never arrived)`);
    }
    return answer;
  }

  unseal(key: string): Promise<SealStatus> {
    return attempt(() => {
      const n = this.state('unsealing');
      this.cluster.calls.unseal.push(this.name);
      if (!n.initialized)
        throw new VaultRequestError(`unsealing on ${this.name}: HTTP 400: Vault is not initialized`, 400);
      if (this.cluster.unsealNotReadyOnce.delete(this.name))
        throw new VaultRequestError(
          `unsealing on ${this.name}: HTTP 500: crypto/aes: invalid key size 0`,
          500,
        );
      if (key !== (n.staleUnsealKey ?? this.cluster.unsealKey))
        throw new VaultRequestError(
          `unsealing on ${this.name}: HTTP 400: failed to decrypt the unseal key: cipher: message authentication failed`,
          400,
        );
      delete n.staleUnsealKey; // unsealed, it catches up with the leader's log: the new keyring with it
      if (n.joinPending) {
        if (this.cluster.activeSlot() === undefined) return this.status(n); // no leader to answer the challenge
        Object.assign(n, { joinPending: false, member: true, challengeReads: this.cluster.challengeReads });
      }
      n.sealed = false;
      return this.status(n);
    });
  }

  raftJoin(leaderApiAddr: string, leaderServerName: string): Promise<boolean> {
    return attempt(() => {
      const n = this.state('joining the Raft cluster');
      this.cluster.calls.join.push(this.name);
      const active = this.cluster.activeSlot();
      const expected =
        active === undefined ? undefined : `https://${this.cluster.addressOf(active)}:${VAULT_API_PORT}`;
      if (leaderApiAddr !== expected || leaderServerName !== `vault-${active}`)
        throw new VaultRequestError(
          `joining the Raft cluster on ${this.name}: HTTP 500: failed to join raft cluster`,
          500,
        );
      if (n.initialized)
        throw new VaultRequestError(
          `joining the Raft cluster on ${this.name}: HTTP 400: node is already initialized`,
          400,
        );
      Object.assign(n, { initialized: true, sealed: true, joinPending: true });
      return true;
    });
  }

  raftConfiguration(token: string): Promise<RaftServer[]> {
    return attempt(() => {
      this.allowed('reading the Raft configuration', token, 'sys/storage/raft/configuration', 'read', {
        standbyRead: true,
      });
      const active = this.cluster.activeSlot();
      return [...this.cluster.nodes]
        .filter(([, n]) => n.member)
        .sort(([a], [b]) => a - b)
        .map(([slot]) => ({
          nodeId: this.cluster.raftNodeId(slot),
          leader: slot === active,
          voter: true,
        }));
    });
  }

  /** The fake's snapshot: a prefix, then the cluster's data (JSON), in two chunks. */
  raftSnapshot(token: string): Promise<AsyncIterable<Uint8Array>> {
    return attempt(() => {
      this.allowed('reading a Raft snapshot', token, SNAPSHOT_PATH, 'read');
      return Readable.from([
        Buffer.from(FAKE_SNAPSHOT_PREFIX),
        Buffer.from(JSON.stringify(this.cluster.snapshotData())),
      ]);
    });
  }

  /**
   * Reads `snapshot` to its end, then replaces the cluster's data with the one it holds and seals (as Vault
   * does: the restored data opens with its own key). Root only; a stream that is not a fake snapshot, or one
   * that fails, changes nothing.
   */
  async forceRestoreSnapshot(token: string, snapshot: Readable): Promise<void> {
    await attempt(() => this.authorized('restoring a Raft snapshot', token, 'root'));
    const chunks: Buffer[] = [];
    for await (const chunk of snapshot) chunks.push(Buffer.from(chunk as Uint8Array));
    const text = Buffer.concat(chunks).toString('utf8');
    this.cluster.calls.restore.push(this.name);
    const failure = this.cluster.failNextRestore;
    this.cluster.failNextRestore = undefined;
    if (failure) throw failure;
    if (!text.startsWith(FAKE_SNAPSHOT_PREFIX))
      throw new VaultRequestError(
        `restoring a Raft snapshot on ${this.name}: HTTP 500: failed to read snapshot file: unexpected EOF`,
        500,
      );
    this.cluster.restoreData(JSON.parse(text.slice(FAKE_SNAPSHOT_PREFIX.length)) as FakeClusterData);
  }

  autopilotState(token: string): Promise<AutopilotState> {
    return attempt(() => {
      this.allowed('reading the autopilot state', token, 'sys/storage/raft/autopilot/state', 'read');
      // Autopilot's figure: healthy voters above a quorum of all voters.
      const members = [...this.cluster.nodes.values()].filter((n) => n.member);
      const healthy = members.filter((n) => !n.sealed).length;
      const failureTolerance = Math.max(0, healthy - (Math.floor(members.length / 2) + 1));
      const servers = Object.fromEntries(
        [...this.cluster.nodes]
          .filter(([, n]) => n.member)
          .map(([slot, n]) => [
            this.cluster.raftNodeId(slot),
            { healthy: this.cluster.autopilotHealthy && !n.sealed },
          ]),
      );
      return { healthy: this.cluster.autopilotHealthy, failureTolerance, servers };
    });
  }

  autopilotConfiguration(token: string): Promise<AutopilotConfig> {
    return attempt(() => {
      this.allowed('reading the autopilot configuration', token, AUTOPILOT_CONFIG, 'read');
      return { ...this.cluster.autopilotConfig };
    });
  }

  setAutopilotConfiguration(token: string, config: AutopilotConfig): Promise<void> {
    return attempt(() => {
      this.allowed('writing the autopilot configuration', token, AUTOPILOT_CONFIG, 'update');
      this.cluster.autopilotConfig = { ...config };
      this.cluster.autopilotWrites++;
    });
  }

  leader(): Promise<LeaderStatus> {
    return attempt(() => {
      this.state('reading sys/leader');
      const n = this.cluster.node(this.slot);
      const active = this.cluster.activeSlot();
      // No active node: an unsealed member still names the last one (see `lastActive`).
      const named = active ?? (n.sealed || !n.member ? undefined : this.cluster.lastActive);
      return {
        isSelf: active === this.slot,
        leaderAddress:
          named === undefined ? '' : `https://${this.cluster.addressOf(named)}:${VAULT_API_PORT}`,
      };
    });
  }

  servedCertificate(): Promise<ServedCertificate> {
    return attempt(() => ({
      fingerprint256: this.state('reading the served certificate').servedFingerprint,
    }));
  }

  /**
   * The token of an authenticated call on this node, or the error Vault answers: sealed 503, a token without
   * `policy` 403, and with no active node a 307 to the stale leader a standby still names (it cannot forward
   * there; see `lastActive`), or a 500 when it names none. A `standbyRead` (OpenBao's standbys serve reads
   * of their own Raft data, `disable_standby_reads` off) is answered by any unsealed node.
   */
  private authorized(op: string, token: string, policy?: string, { standbyRead = false } = {}): FakeToken {
    const n = this.state(op);
    if (n.sealed) throw new VaultRequestError(`${op} on ${this.name}: HTTP 503: Vault is sealed`, 503);
    const t = this.cluster.tokens.get(token);
    if (!t || (policy && !t.policies.includes(policy) && !t.policies.includes('root')))
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 403: permission denied`, 403);
    if (this.cluster.activeSlot() === undefined && !standbyRead) {
      if (n.member && this.cluster.lastActive !== undefined)
        throw new VaultRequestError(`${op} on ${this.name}: HTTP 307`, 307);
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 500: no active cluster node found`, 500);
    }
    return t;
  }

  writePolicy(token: string, name: string, hcl: string): Promise<void> {
    return attempt(() => {
      this.authorized(`writing policy ${name}`, token, 'root');
      this.cluster.policies.set(name, hcl);
    });
  }

  readPolicy(token: string, name: string): Promise<string | undefined> {
    return attempt(() => {
      this.allowed(`reading policy ${name}`, token, `sys/policies/acl/${name}`, 'read');
      return this.cluster.policies.get(name);
    });
  }

  createOrphanToken(token: string, req: TokenRequest): Promise<CreatedToken> {
    return attempt(() => {
      this.authorized('creating a token', token, 'root');
      const made = this.cluster.addToken(
        `hvs.fake-${this.cluster.nextSerial()}`,
        req.policies,
        req.displayName,
        req.meta,
      );
      made.ttlSeconds = req.ttl ? Number.parseInt(req.ttl, 10) : 0;
      return { token: made.token, accessor: made.accessor };
    });
  }

  createTokenFromRole(token: string, role: string, req: RoleTokenRequest): Promise<CreatedToken> {
    return attempt(() => {
      const op = `creating a token through the role ${role}`;
      this.allowed(op, token, `auth/token/create/${role}`, 'update');
      const r = this.cluster.tokenRoles.get(role);
      if (!r) throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: unknown role ${role}`, 400);
      const extra = req.policies.filter((p) => !r.allowedPolicies.includes(p));
      if (extra.length)
        throw new VaultRequestError(
          `${op} on ${this.name}: HTTP 400: token policies not allowed by the role`,
          400,
        );
      const made = this.cluster.addToken(
        `hvs.fake-${this.cluster.nextSerial()}`,
        req.policies,
        req.displayName,
        req.meta,
      );
      made.ttlSeconds = Math.min(
        Number.parseInt(req.ttl, 10) * (req.ttl.endsWith('m') ? 60 : 1),
        r.explicitMaxTtlSeconds,
      );
      made.orphan = r.orphan;
      return { token: made.token, accessor: made.accessor };
    });
  }

  writeTokenRole(token: string, name: string, role: TokenRole): Promise<void> {
    return attempt(() => {
      this.authorized(`writing the token role ${name}`, token, 'root');
      this.cluster.tokenRoles.set(name, structuredClone(role));
    });
  }

  readTokenRole(token: string, name: string): Promise<TokenRole | undefined> {
    return attempt(() => {
      this.allowed(`reading the token role ${name}`, token, `auth/token/roles/${name}`, 'read');
      const r = this.cluster.tokenRoles.get(name);
      return r && structuredClone(r);
    });
  }

  lookupSelf(token: string): Promise<TokenInfo | undefined> {
    return attempt(() => {
      try {
        return info(this.allowed('looking up a token', token, 'auth/token/lookup-self', 'read'));
      } catch (err) {
        if (err instanceof VaultRequestError && err.status === 403) return undefined;
        throw err;
      }
    });
  }

  renewSelf(token: string): Promise<void> {
    return attempt(() => void this.allowed('renewing a token', token, 'auth/token/renew-self', 'update'));
  }

  /** What `t`'s policies grant on `path`, from their text (`path "P" { capabilities = [...] }` lines). */
  private granted(t: FakeToken, path: string): Set<string> {
    const granted = new Set<string>(t.policies.includes('root') ? ['root'] : []);
    for (const name of t.policies) {
      for (const m of (this.cluster.policies.get(name) ?? '').matchAll(
        /path "([^"]+)" \{ capabilities = \[([^\]]*)\] \}/g,
      ))
        if (m[1] === path) for (const c of m[2]!.matchAll(/"([^"]+)"/g)) granted.add(c[1]!);
    }
    return granted;
  }

  /** `op` on `path` with `token`, allowed for `capability` (or root), else 403; the token. */
  private allowed(
    op: string,
    token: string,
    path: string,
    capability: string,
    options: { standbyRead?: boolean } = {},
  ): FakeToken {
    const t = this.authorized(op, token, undefined, options);
    const g = this.granted(t, path);
    if (!g.has('root') && !g.has(capability))
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 403: permission denied`, 403);
    return t;
  }

  capabilitiesSelf(token: string, path: string): Promise<string[]> {
    return attempt(() => {
      // As on OpenBao: the worker's token has no `default` policy, so its own policy must allow the question.
      this.allowed('reading the token capabilities', token, 'sys/capabilities-self', 'update');
      const g = this.granted(this.authorized('reading the token capabilities', token), path);
      return g.size ? [...g] : ['deny'];
    });
  }

  mountType(token: string, path: string): Promise<string | undefined> {
    return attempt(() => {
      this.allowed(`reading the mount ${path}`, token, `sys/mounts/${path}`, 'read');
      return this.cluster.mounts.get(path);
    });
  }

  mountKv(token: string, path: string): Promise<void> {
    return attempt(() => {
      this.allowed(`mounting a KV engine at ${path}`, token, `sys/mounts/${path}`, 'create');
      if (this.cluster.mounts.has(path))
        throw new VaultRequestError(
          `mounting a KV engine at ${path} on ${this.name}: HTTP 400: path is already in use`,
          400,
        );
      this.cluster.mounts.set(path, 'kv');
    });
  }

  listAuditDevices(token: string): Promise<AuditDevice[]> {
    return attempt(() => {
      this.allowed('listing the audit devices', token, 'sys/audit', 'sudo');
      return structuredClone([...this.cluster.configuredAudits, ...this.cluster.audits.values()]);
    });
  }

  enableAuditDevice(token: string, device: AuditDevice): Promise<void> {
    return attempt(() => {
      const op = `enabling the ${device.type} audit device ${device.path}/`;
      this.allowed(op, token, `sys/audit/${device.path}`, 'sudo');
      const refuse = (why: string) => new VaultRequestError(`${op} on ${this.name}: HTTP 400: ${why}`, 400);
      // OpenBao 2.3.2 and later, as the real one answers (test/integration/audit-openbao.test.ts).
      if (!capabilitiesOf(this.cluster.server).auditDeviceByApi)
        throw refuse(
          'cannot enable audit device via API; use declarative, config-based audit device management instead',
        );
      const taken = [...this.cluster.configuredAudits, ...this.cluster.audits.values()].some(
        (d) => d.path === device.path,
      );
      if (taken) throw refuse(`path already in use at ${device.path}/`);
      if (this.cluster.auditRefusal) throw refuse(this.cluster.auditRefusal);
      this.cluster.audits.set(device.path, structuredClone(device));
    });
  }

  writeKv(token: string, path: string, value: Record<string, string>): Promise<void> {
    return attempt(() => {
      this.allowed(`writing ${path}`, token, path, 'update');
      if (!this.cluster.mounts.has(path.split('/')[0]!))
        throw new VaultRequestError(`writing ${path} on ${this.name}: HTTP 404: no handler for route`, 404);
      this.cluster.kv.set(path, { ...value });
    });
  }

  readKv(token: string, path: string): Promise<Record<string, string> | undefined> {
    return attempt(() => {
      this.allowed(`reading ${path}`, token, path, 'read');
      const v = this.cluster.kv.get(path);
      return v && { ...v };
    });
  }

  stepDown(token: string): Promise<void> {
    return attempt(() => {
      this.authorized('stepping down', token, 'root');
      const from = this.cluster.activeSlot();
      const others = [...this.cluster.nodes]
        .filter(([slot, n]) => slot !== from && n.member && !n.sealed)
        .map(([slot]) => slot);
      this.cluster.calls.stepDowns.push(`vault-${from ?? 0}`);
      // The election's winner, as the test says (`nextLeader`), else the lowest other voter.
      const next = this.cluster.nextLeader.shift() ?? Math.min(...others);
      if (others.includes(next)) this.cluster.active = next;
    });
  }

  revokeSelf(token: string): Promise<void> {
    return attempt(() => {
      this.authorized('revoking a token', token);
      this.cluster.tokens.delete(token);
    });
  }

  lookupAccessor(token: string, accessor: string): Promise<TokenInfo | undefined> {
    return attempt(() => {
      this.allowed('looking up a token accessor', token, 'auth/token/lookup-accessor', 'update');
      const t = this.cluster.byAccessor(accessor);
      return t && info(t);
    });
  }

  revokeAccessor(token: string, accessor: string): Promise<void> {
    return attempt(() => {
      this.allowed('revoking a token accessor', token, 'auth/token/revoke-accessor', 'update');
      const t = this.cluster.byAccessor(accessor);
      if (t) this.cluster.tokens.delete(t.token);
    });
  }

  listAccessors(token: string): Promise<string[]> {
    return attempt(() => {
      this.authorized('listing token accessors', token, 'root');
      return [...this.cluster.tokens.values()].map((t) => t.accessor);
    });
  }

  /**
   * Whether this server offers `api`; where it is authenticated (OpenBao's, HashiCorp Vault 2.x's), `token`
   * must be allowed `capability` on `path` under it (`attempt` or `update`).
   */
  private generation(
    api: RootGenerationApi,
    token: string | undefined,
    op: string,
    path: 'attempt' | 'update',
    capability: string,
  ): boolean {
    this.state(op);
    if (api !== this.cluster.rootGenerationApi) return false;
    if (api === 'sys/generate-root-token' || capabilitiesOf(this.cluster.server).rootGeneration.authenticated)
      this.allowed(op, token ?? '', `${api}/${path}`, capability);
    return true;
  }

  private attemptView(otp = ''): RootGenerationAttempt {
    const g = this.cluster.rootGeneration;
    return { started: g !== undefined, nonce: g?.nonce ?? '', otp, complete: false, encodedToken: '' };
  }

  rootGenerationStatus(api: RootGenerationApi, token?: string): Promise<RootGenerationAttempt | undefined> {
    return attempt(() =>
      this.generation(api, token, 'reading the root generation attempt', 'attempt', 'read')
        ? this.attemptView()
        : undefined,
    );
  }

  startRootGeneration(api: RootGenerationApi, token?: string): Promise<RootGenerationAttempt> {
    return attempt(() => {
      if (!this.generation(api, token, 'starting a root generation', 'attempt', 'update'))
        throw new VaultRequestError(`starting a root generation on ${this.name}: HTTP 405`, 405);
      if (this.cluster.rootGeneration)
        throw new VaultRequestError(`starting a root generation on ${this.name}: HTTP 400: in progress`, 400);
      const n = this.cluster.nextSerial();
      this.cluster.rootGeneration = { nonce: `nonce-${n}`, otp: `otp-${n}`.padEnd(26, 'x') };
      return this.attemptView(this.cluster.rootGeneration.otp);
    });
  }

  provideRootGenerationKey(
    api: RootGenerationApi,
    key: string,
    nonce: string,
    token?: string,
  ): Promise<RootGenerationAttempt> {
    return attempt(() => {
      if (!this.generation(api, token, 'providing the key to a root generation', 'update', 'update'))
        throw new VaultRequestError(`providing a key on ${this.name}: HTTP 405`, 405);
      const g = this.cluster.rootGeneration;
      if (!g || g.nonce !== nonce) throw new VaultRequestError(`providing a key: HTTP 400: bad nonce`, 400);
      if (key !== this.cluster.unsealKey)
        throw new VaultRequestError(`providing a key: HTTP 400: bad key`, 400);
      const root = `hvs.generated-${this.cluster.nextSerial()}`.padEnd(g.otp.length, 'r');
      this.cluster.addToken(root, ['root'], 'root');
      this.cluster.rootGeneration = undefined;
      const encoded = Buffer.from([...root].map((c, i) => c.charCodeAt(0) ^ g.otp.charCodeAt(i))).toString(
        'base64',
      );
      return { started: false, nonce, otp: '', complete: true, encodedToken: encoded };
    });
  }

  /**
   * Whether this server offers `api`; where its endpoints are authenticated (`capabilitiesOf(...).rekey`),
   * `token` must be a root token (sudo). Sealed: 503, as any call that needs the barrier.
   */
  private rekeying(api: RekeyApi, token: string | undefined, op: string): boolean {
    const n = this.state(op);
    if (api !== this.cluster.rekeyApi) return false;
    if (capabilitiesOf(this.cluster.server).rekey.authenticated) this.authorized(op, token ?? '', 'root');
    else if (n.sealed) throw new VaultRequestError(`${op} on ${this.name}: HTTP 503: Vault is sealed`, 503);
    return true;
  }

  private offered(api: RekeyApi, token: string | undefined, op: string): void {
    if (!this.rekeying(api, token, op))
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 405: unsupported operation`, 405);
  }

  private rekeyView(): RekeyAttempt {
    const r = this.cluster.rekey;
    if (!r)
      return {
        started: false,
        nonce: '',
        shares: 0,
        threshold: 0,
        progress: 0,
        required: 1,
        pgpFingerprints: [],
        backup: false,
        verificationRequired: false,
        verificationNonce: '',
      };
    return {
      started: true,
      nonce: r.nonce,
      shares: 1,
      threshold: 1,
      progress: 0,
      required: 1,
      pgpFingerprints: [r.fingerprint],
      backup: r.backup,
      verificationRequired: r.requireVerification,
      verificationNonce: r.pending?.verificationNonce ?? '',
    };
  }

  rekeyStatus(api: RekeyApi, token?: string): Promise<RekeyAttempt | undefined> {
    return attempt(() =>
      this.rekeying(api, token, 'reading the unseal key rotation') ? this.rekeyView() : undefined,
    );
  }

  async startRekey(api: RekeyApi, request: RekeyRequest, token?: string): Promise<RekeyAttempt> {
    const op = 'starting an unseal key rotation';
    const pgp = await publicKeyForVault(`${op} on ${this.name}`, request.pgpPublicKey);
    return attempt(() => {
      this.offered(api, token, op);
      if (this.cluster.rekey)
        throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: rotation already in progress`, 400);
      this.cluster.rekey = {
        nonce: `rekey-nonce-${this.cluster.nextSerial()}`,
        pgpPublicKey: request.pgpPublicKey,
        fingerprint: pgp.fingerprint,
        backup: request.backup,
        requireVerification: request.requireVerification,
      };
      return this.rekeyView();
    });
  }

  async provideRekeyKey(api: RekeyApi, key: string, nonce: string, token?: string): Promise<RekeyUpdate> {
    const op = 'providing the unseal key to a rotation';
    await attempt(() => this.offered(api, token, op));
    const r = this.cluster.rekey;
    if (!r) throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: no rotation in progress`, 400);
    if (r.pending)
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: rotation already complete`, 400);
    if (nonce !== r.nonce)
      throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: incorrect nonce supplied`, 400);
    if (key !== this.cluster.unsealKey)
      throw new VaultRequestError(
        `${op} on ${this.name}: HTTP 400: failed to read root key: cipher: message authentication failed`,
        400,
      );
    const newKey = Buffer.from(`rotated-key-${this.cluster.nextSerial()}`.padEnd(32, '.')).toString('base64');
    // What the servers encrypt: the key's hex text (src/custody/init-key.ts reads it back so).
    const message = (await openpgp.encrypt({
      message: await openpgp.createMessage({ text: Buffer.from(newKey, 'base64').toString('hex') }),
      encryptionKeys: await openpgp.readKey({ armoredKey: r.pgpPublicKey }),
      format: 'binary',
    })) as Uint8Array;
    const encrypted = Buffer.from(message).toString('base64');
    if (r.backup)
      this.cluster.rekeyBackup = { nonce: r.nonce, encryptedKeys: { [r.fingerprint]: [encrypted] } };
    let verificationNonce = '';
    if (r.requireVerification) {
      verificationNonce = `verify-nonce-${this.cluster.nextSerial()}`;
      r.pending = { newKey, verificationNonce };
    } else {
      this.cluster.unsealKey = newKey;
      this.cluster.rotatedKeys.push(newKey);
      this.cluster.rekey = undefined;
    }
    return {
      complete: true,
      nonce: r.nonce,
      encryptedKeys: [encrypted],
      pgpFingerprints: [r.fingerprint],
      backup: r.backup,
      verificationRequired: r.requireVerification,
      verificationNonce,
    };
  }

  rekeyVerificationStatus(api: RekeyApi, token?: string): Promise<RekeyVerification | undefined> {
    return attempt(() => {
      this.offered(api, token, 'reading the unseal key rotation verification');
      const r = this.cluster.rekey;
      if (!r) return undefined; // the server's 400 "no rotation configuration found"
      const nonce = r.pending?.verificationNonce ?? '';
      return { started: nonce !== '', nonce, shares: 1, threshold: 1, progress: 0 };
    });
  }

  provideRekeyVerificationKey(
    api: RekeyApi,
    newKey: string,
    nonce: string,
    token?: string,
  ): Promise<{ complete: boolean; nonce: string }> {
    return attempt(() => {
      const op = 'verifying the new unseal key';
      this.offered(api, token, op);
      const r = this.cluster.rekey;
      const pending = r?.pending;
      if (!r || !pending)
        throw new VaultRequestError(
          `${op} on ${this.name}: HTTP 400: no rotation verification in progress`,
          400,
        );
      if (nonce !== pending.verificationNonce)
        throw new VaultRequestError(`${op} on ${this.name}: HTTP 400: incorrect nonce supplied`, 400);
      if (newKey !== pending.newKey) {
        // As OpenBao 2.7.2 does: a failed verification starts it again under a new nonce.
        pending.verificationNonce = `verify-nonce-${this.cluster.nextSerial()}`;
        throw new VaultRequestError(
          `${op} on ${this.name}: HTTP 400: rotation verification failed; incorrect key shares supplied`,
          400,
        );
      }
      this.cluster.unsealKey = pending.newKey;
      this.cluster.rotatedKeys.push(pending.newKey);
      this.cluster.rekey = undefined;
      return { complete: true, nonce };
    });
  }

  cancelRekey(api: RekeyApi, _nonce: string, token?: string): Promise<void> {
    return attempt(() => {
      this.offered(api, token, 'cancelling the unseal key rotation');
      this.cluster.rekey = undefined;
    });
  }

  rekeyBackup(api: RekeyApi, token: string): Promise<RekeyBackup | undefined> {
    return attempt(() => {
      const op = 'reading the unseal key rotation backup';
      this.state(op);
      if (api !== this.cluster.rekeyApi) throw new VaultRequestError(`${op} on ${this.name}: HTTP 404`, 404);
      this.authorized(op, token, 'root');
      return this.cluster.rekeyBackup ? structuredClone(this.cluster.rekeyBackup) : undefined;
    });
  }

  deleteRekeyBackup(api: RekeyApi, token: string): Promise<void> {
    return attempt(() => {
      const op = 'deleting the unseal key rotation backup';
      this.state(op);
      if (api !== this.cluster.rekeyApi) throw new VaultRequestError(`${op} on ${this.name}: HTTP 404`, 404);
      this.authorized(op, token, 'root');
      this.cluster.rekeyBackup = undefined;
    });
  }
}

function info(t: FakeToken): TokenInfo {
  return {
    accessor: t.accessor,
    policies: [...t.policies],
    displayName: t.displayName,
    ttlSeconds: t.ttlSeconds,
    createdAtSeconds: t.createdAtSeconds,
    meta: { ...t.meta },
  };
}

/** Runs `fn` as an answer: a throw becomes a rejection, the way a call over the network fails. */
function attempt<T>(fn: () => T): Promise<T> {
  return Promise.resolve().then(fn);
}
