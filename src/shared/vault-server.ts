/**
 * Which server a node is, HashiCorp Vault or OpenBao, and what that changes for this tool: the one place that
 * knows the differences (issue 29). The gateway names the server from the `sys/seal-status` answer it reads
 * anyway (`identifyServer`); the steps ask a named capability of that name (`capabilitiesOf`) instead of
 * comparing versions or probing endpoints themselves. docs/vault-and-openbao.md lists each difference with the
 * vendor's page it comes from and the unit test that pins it (test/unit/vault-server.test.ts).
 *
 * Here and not under src/vault/: the activities need the capabilities and may not import an adapter (lint);
 * it is pure and deterministic like the rest of src/shared/.
 */
import { VaultProtocolError } from './errors';

/** The two servers the tool drives: production runs HashiCorp Vault, the test bed OpenBao. */
export type ServerProduct = 'vault' | 'openbao';

/** A node's server, as named from its seal status. */
export interface VaultServer {
  product: ServerProduct;
  /** The version the node reports (`1.19.0+ent`, `2.7.2`), checked by `checkVersion`. */
  version: string;
}

/**
 * Which root generation endpoints a server offers: `sys/generate-root/*` (HashiCorp Vault, OpenBao before
 * 2.6), or OpenBao's authenticated `sys/generate-root-token/*` (2.6.0 and later).
 */
export type RootGenerationApi = 'sys/generate-root' | 'sys/generate-root-token';

/** How a server lets a root token be generated from the unseal key. */
export interface RootGenerationCapability {
  api: RootGenerationApi;
  /** Whether the endpoints want a token with the default configuration. */
  authenticated: boolean;
  /**
   * The server setting that changes that (turns the endpoints off, on, or unauthenticated), when one does: what
   * a refusal of a configured server is explained by. A setting can only be seen in the answers, so the steps
   * still read the attempt's status first and name the setting when the endpoints are not there.
   */
  setting?: string;
  /** The endpoints are off unless `setting` turns them on (OpenBao 2.5.3 to 2.5.x: no replacement yet). */
  offByDefault?: boolean;
}

/**
 * Which endpoints rotate the unseal key (rekey): `sys/rekey/*` (HashiCorp Vault, OpenBao before 2.4), or
 * OpenBao's authenticated `sys/rotate/root/*` (2.4.0 and later). The same verbs under either prefix: `init`
 * (GET status, POST start, DELETE cancel), `update` (the current key), `verify` (the new key), `backup`.
 */
export type RekeyApi = 'sys/rekey' | 'sys/rotate/root';

/**
 * How a server rotates its unseal key. docs/vault-and-openbao.md, "Rotating the unseal key", has each field's
 * evidence (the vendors' pages and what OpenBao 2.7.2 answered).
 */
export interface RekeyCapability {
  api: RekeyApi;
  /** Whether `init`, `update` and `verify` want a token with the default configuration. */
  authenticated: boolean;
  /** The server setting that changes the default, when one does. */
  setting?: string;
  /**
   * `backup: true` (with `pgp_keys`) keeps the encrypted new keys in the server's storage, readable again from
   * `<api>/backup` after a crash. That endpoint wants a token on every version of both servers (sudo).
   */
  backup: boolean;
  /**
   * `require_verification: true`: the new key is answered but the old one stays the key until the new one is
   * submitted to `<api>/verify`; cancelling (or a seal, or a restart) before that leaves the old key valid.
   */
  verification: boolean;
}

/**
 * What a default `sys/health` status code says of a node. Vault documents eight codes; OpenBao answers only
 * the four it kept (200, 429, 501, 503).
 */
export type HealthState =
  | 'active'
  | 'standby'
  /** 472: a node (active or standby) of a disaster recovery secondary cluster (Vault Enterprise). */
  | 'drSecondary'
  /** 473: a performance standby (Vault Enterprise). */
  | 'performanceStandby'
  /** 474: a standby that cannot connect to the active node. */
  | 'standbyCannotReachActive'
  | 'uninitialized'
  | 'sealed'
  /** 530: removed from the Raft cluster (Vault 1.19 and later). */
  | 'removed';

/** Everything that differs between the servers, by name. */
export interface ServerCapabilities {
  rootGeneration: RootGenerationCapability;
  rekey: RekeyCapability;
  /** Whether seal-status (and health) carry `removed_from_cluster` (Vault 1.19 and later, Raft storage). */
  reportsRemovedFromCluster: boolean;
  /** The default `sys/health` status codes this server answers, and what each says. */
  healthStatusCodes: Readonly<Record<number, HealthState>>;
  /**
   * Whether an audit device can be enabled through `sys/audit` (Vault), or only declared in the server's
   * configuration file (OpenBao 2.3.2 and later, unless `unsafe_allow_api_audit_creation`).
   */
  auditDeviceByApi: boolean;
}

/**
 * The product version a node reports in seal-status (`1.17.6`, `1.17.6+ent`, OpenBao `2.7.2`). Anything
 * that is not `major.minor.patch` with major >= 1 is not a Vault this bootstrap knows how to drive (a
 * pre-1.0 Vault, another product on port 8200, a proxy's answer): refused rather than guessed at.
 */
const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)/;

/** `raw` when it is a version this tool drives; else `VaultProtocolError` (`UnexpectedVaultResponse`). */
export function checkVersion(node: string, raw: unknown): string {
  const m = typeof raw === 'string' ? VERSION_RE.exec(raw) : null;
  if (!m || Number(m[1]) < 1) {
    throw new VaultProtocolError(
      `${node} reports version ${JSON.stringify(typeof raw === 'string' ? raw.slice(0, 40) : (raw ?? null))} in seal-status; expected a Vault or OpenBao version major.minor.patch, 1.0.0 or newer`,
    );
  }
  return raw as string;
}

type Triple = readonly [number, number, number];

function triple(version: string): Triple {
  const m = VERSION_RE.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** Whether `version` is `min` or later (pre-release suffixes count as the release: `1.19.0-beta1` ≥ 1.19.0). */
function atLeast(version: string, min: Triple): boolean {
  const v = triple(version);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
}

/**
 * Names the server from its `sys/seal-status` answer. Neither server says its name there, so the name comes
 * from what only one of them answers:
 * - `commit_date`: OpenBao 2.6.0 and later (it renamed `build_date` so; its 2.6.0 changelog, GH-2678);
 * - `removed_from_cluster`: HashiCorp Vault 1.19 and later on Raft storage (Vault's seal-status page);
 * - a 1.x version: HashiCorp Vault (OpenBao's first release is 2.0.0);
 * - a `+ent` version: Vault Enterprise.
 * A 2.x version with none of these is OpenBao 2.0 to 2.5 (they answer `build_date`; a Vault 2.x on the Raft
 * storage this tool runs answers `removed_from_cluster`). Signs of both, or `commit_date` on a version before
 * 2.6.0, is neither server as documented: `VaultProtocolError`, never a guess. A bad version is refused by
 * `checkVersion` first.
 */
export function identifyServer(node: string, sealStatus: Record<string, unknown>): VaultServer {
  const version = checkVersion(node, sealStatus.version);
  const vault = [
    typeof sealStatus.removed_from_cluster === 'boolean' ? 'removed_from_cluster' : '',
    triple(version)[0] === 1 ? 'a 1.x version' : '',
    /\+ent\b/.test(version) ? 'an enterprise (+ent) version' : '',
  ].filter(Boolean);
  const openbao = typeof sealStatus.commit_date === 'string';
  const unknown = (why: string) =>
    new VaultProtocolError(
      `${node} answers seal-status as neither HashiCorp Vault nor OpenBao as documented (version ${JSON.stringify(version.slice(0, 40))}: ${why}); this tool does not know which server it is and does not guess`,
    );
  if (openbao && vault.length) throw unknown(`commit_date, an OpenBao field, with ${vault.join(' and ')}`);
  if (openbao && !atLeast(version, [2, 6, 0]))
    throw unknown('commit_date, which OpenBao answers from 2.6.0 on, from an older version');
  return { product: vault.length ? 'vault' : 'openbao', version };
}

/** "HashiCorp Vault 1.19.0" or "OpenBao 2.7.2", for messages. */
export function describeServer(server: VaultServer): string {
  return `${server.product === 'vault' ? 'HashiCorp Vault' : 'OpenBao'} ${server.version}`;
}

/**
 * Vault's default `sys/health` codes (developer.hashicorp.com/vault/api-docs/system/health; 474 and 530 are
 * not on the 1.17.x page: an older server never sends them, so one table serves every version).
 */
const VAULT_HEALTH: Readonly<Record<number, HealthState>> = {
  200: 'active',
  429: 'standby',
  472: 'drSecondary',
  473: 'performanceStandby',
  474: 'standbyCannotReachActive',
  501: 'uninitialized',
  503: 'sealed',
  530: 'removed',
};

/** OpenBao's (its http/sys_health.go: active, standby, uninitialized, sealed; no replication, no removal). */
const OPENBAO_HEALTH: Readonly<Record<number, HealthState>> = {
  200: 'active',
  429: 'standby',
  501: 'uninitialized',
  503: 'sealed',
};

/** What `server` can do, and how: the answer to every "Vault or OpenBao?" in the code. */
export function capabilitiesOf(server: VaultServer): ServerCapabilities {
  const v = server.version;
  if (server.product === 'vault') {
    // Vault 2.x keeps generate-root and rekey behind a token unless `enable_unauthenticated_access` lists them.
    const v2 = atLeast(v, [2, 0, 0]);
    const setting = v2 ? 'enable_unauthenticated_access' : undefined;
    return {
      rootGeneration: { api: 'sys/generate-root', authenticated: v2, ...(setting ? { setting } : {}) },
      rekey: {
        api: 'sys/rekey',
        authenticated: v2,
        ...(setting ? { setting } : {}),
        backup: true,
        verification: true,
      },
      reportsRemovedFromCluster: atLeast(v, [1, 19, 0]),
      healthStatusCodes: VAULT_HEALTH,
      auditDeviceByApi: true,
    };
  }
  const generateRoot = 'disable_unauthed_generate_root_endpoints';
  return {
    rootGeneration: atLeast(v, [2, 6, 0])
      ? { api: 'sys/generate-root-token', authenticated: true }
      : {
          api: 'sys/generate-root',
          authenticated: false,
          setting: generateRoot,
          offByDefault: atLeast(v, [2, 5, 3]),
        },
    rekey: atLeast(v, [2, 4, 0])
      ? { api: 'sys/rotate/root', authenticated: true, backup: true, verification: true }
      : {
          api: 'sys/rekey',
          authenticated: false,
          setting: 'disable_unauthed_rekey_endpoints',
          backup: true,
          verification: true,
        },
    reportsRemovedFromCluster: false,
    healthStatusCodes: OPENBAO_HEALTH,
    auditDeviceByApi: !atLeast(v, [2, 3, 2]),
  };
}

/**
 * What a default `sys/health` status code says of a node of `server`; a code the server does not document
 * (a 474 from OpenBao, a proxy's 502) is `VaultProtocolError`, not a guess.
 */
export function healthStateOf(node: string, server: VaultServer, status: number): HealthState {
  const state = capabilitiesOf(server).healthStatusCodes[status];
  if (state === undefined)
    throw new VaultProtocolError(
      `${node} answered sys/health with HTTP ${status}, which ${describeServer(server)} does not document`,
    );
  return state;
}
