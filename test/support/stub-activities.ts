/**
 * Stubbed activities for workflow tests: they record their calls and answer like the real ones (names and
 * ids, no key material). Tests override one step, or queue the health reports the checks return.
 */
import type { Activities } from '../../src/activities';
import type { Finding, HealthReport, StackHold } from '../../src/shared/health';
import type { BootstrapStep } from '../../src/shared/steps';
import type { BootstrapInput, ClusterSummary, SecretRef } from '../../src/shared/types';

/** The one swarm node `listSwarmNodes` names by default (the test server's worker polls its queue too). */
export const STUB_NODE_ID = 'node-1';

export function clusterOf(stack: string): ClusterSummary {
  return {
    stack,
    service: `${stack}_vault`,
    leader: 'vault-1',
    followers: ['vault-2', 'vault-3'],
    unsealSecret: `vault_unseal_key_v1`,
    unsealSecretVersion: 1,
    keyId: 'key-0001',
    runningTasks: 3,
  };
}

function secretRef(version: number): SecretRef {
  const name = version === 0 ? 'vault_unseal_key' : `vault_unseal_key_v${version}`;
  return { name, id: `id-${name}`, kind: version === 0 ? 'placeholder' : 'unseal-key', version };
}

/** Per-step overrides: a stub that replaces the default behaviour of one activity. */
export type Overrides = Partial<{
  [K in BootstrapStep | RekeyActivity]: (input: BootstrapInput) => Promise<void>;
}>;

/** The activities of `RekeyVault` a test may override. */
type RekeyActivity = 'rekeyUnsealKey' | 'rollUnsealKeySecret' | 'retireFormerUnsealKey';

/** A health report of the stack with these findings (none: Healthy). */
export function reportOf(stack: string, findings: Finding[] = []): HealthReport {
  return {
    stack,
    checkedAt: '2026-01-01T00:00:00.000Z',
    verdict: findings.length ? 'Degraded' : 'Healthy',
    findings,
    service: { desired: 3, running: 3 },
    nodes: [1, 2, 3].map((slot) => ({
      name: `vault-${slot}`,
      slot,
      swarmNodeId: `node-${slot}`,
      containerId: `c0ffee${slot}`,
      reachable: true,
      initialized: true,
      sealed: false,
    })),
    raft: {
      servers: [1, 2, 3].map((slot) => ({ nodeId: `vault-${slot}`, leader: slot === 1, voter: true })),
      autopilotHealthy: true,
    },
    certificate: { diskFingerprint: 'AA:BB', validTo: '2027-01-01T00:00:00.000Z', daysLeft: 400 },
    actions: [],
  };
}

/** Activities that record their calls and answer like the real ones (names and ids, no key material). */
export function stubActivities(
  overrides: Overrides = {},
  healthReports: HealthReport[] = [],
): { activities: Activities; calls: string[]; holds: Map<string, StackHold> } {
  const calls: string[] = [];
  /** The holds `readStackHold` answers with; a test puts one on (checks' reports carry their own). */
  const holds = new Map<string, StackHold>();
  async function enter(step: BootstrapStep | RekeyActivity, input: BootstrapInput): Promise<void> {
    calls.push(step);
    await overrides[step]?.(input);
  }
  const activities: Activities = {
    async preflight(input) {
      await enter('preflight', input);
      return { changed: false, summary: 'stack files, TLS files, swarm, iklimco-net and custody are usable' };
    },
    async ensurePlaceholderSecret(input) {
      await enter('ensurePlaceholderSecret', input);
      return { changed: true, summary: 'created placeholder vault_unseal_key', secret: secretRef(0) };
    },
    async deployStack(input) {
      await enter('deployStack', input);
      return { changed: true, summary: `deployed ${input.stack}_vault; 3 tasks running` };
    },
    async initLeader(input) {
      await enter('initLeader', input);
      return { changed: true, summary: 'initialized vault-1; key stored as key-0001', keyId: 'key-0001' };
    },
    async rotateUnsealKeySecret(input) {
      await enter('rotateUnsealKeySecret', input);
      return { changed: true, summary: 'swapped in vault_unseal_key_v1', secret: secretRef(1) };
    },
    async unsealLeader(input) {
      await enter('unsealLeader', input);
      return { changed: true, summary: 'unsealed vault-1' };
    },
    async joinPeers(input) {
      await enter('joinPeers', input);
      return { changed: true, summary: 'joined vault-2, vault-3' };
    },
    async unsealPeers(input) {
      await enter('unsealPeers', input);
      return { changed: true, summary: 'unsealed vault-2, vault-3' };
    },
    async verifyCluster(input) {
      await enter('verifyCluster', input);
      const cluster = clusterOf(input.stack);
      return {
        changed: false,
        summary: `leader ${cluster.leader}, followers ${cluster.followers.join(', ')}, all unsealed`,
        cluster,
      };
    },
    async revokeRootToken(input) {
      await enter('revokeRootToken', input);
      return { changed: true, summary: 'issued the worker token (accessor-1), revoked the root token' };
    },
    checkRekeyable(input) {
      calls.push('checkRekeyable');
      const cluster = clusterOf(input.stack);
      return Promise.resolve({
        changed: false,
        summary: 'leader vault-1, followers vault-2, vault-3, all unsealed',
        cluster,
      });
    },
    async rekeyUnsealKey(input) {
      await enter('rekeyUnsealKey', input);
      return { changed: true, generation: 1, summary: 'rotated: key generation 1 is the key' };
    },
    async rollUnsealKeySecret(input) {
      await enter('rollUnsealKeySecret', input);
      return {
        changed: true,
        summary:
          'vault_unseal_key_v2 (key generation 1) on every node, one at a time: vault-2, vault-3, vault-1',
        secret: secretRef(2),
      };
    },
    async retireFormerUnsealKey(input) {
      await enter('retireFormerUnsealKey', input);
      return { changed: true, summary: 'removed vault_unseal_key_v1; custody keeps key generation(s) 0' };
    },
    planUpgrade(input) {
      calls.push('planUpgrade');
      const to = input.rollback ? 'openbao:2.7.1' : (input.image ?? '');
      return Promise.resolve({ changed: false, from: 'openbao:2.7.1', to, summary: `openbao:2.7.1 → ${to}` });
    },
    checkRollback() {
      calls.push('checkRollback');
      return Promise.resolve({
        changed: false,
        down: ['vault-2'],
        summary: 'vault-1, vault-3 serve as Raft voters; vault-2 does not serve',
      });
    },
    rollImage(input) {
      calls.push('rollImage');
      return Promise.resolve({
        changed: true,
        versions: ['vault-1 2.7.2', 'vault-2 2.7.2', 'vault-3 2.7.2'],
        summary: `${input.image} on every node, one at a time: vault-2, vault-3, vault-1`,
      });
    },
    issueBreakGlassToken(input) {
      calls.push('issueBreakGlassToken');
      return Promise.resolve({ accessor: `bg-${input.stack}`, sealedToken: 'c2VhbGVk' });
    },
    revokeBreakGlassToken(input) {
      calls.push('revokeBreakGlassToken');
      return Promise.resolve({ accessor: input.accessor, revoked: true, alreadyGone: false });
    },
    checkVaultHealth(input) {
      calls.push('checkVaultHealth');
      return Promise.resolve(healthReports.shift() ?? reportOf(input.stack));
    },
    remediateVaultHealth(_input, report) {
      calls.push('remediateVaultHealth');
      return Promise.resolve(
        report.findings.filter((f) => f.code === 'NodeSealed').map((f) => `unsealed ${f.node}`),
      );
    },
    remediateNode(_input, report, name) {
      calls.push(`remediateNode:${name}`);
      const sealed = report.findings.some((f) => f.code === 'NodeSealed' && f.node === name);
      return Promise.resolve(sealed ? [`unsealed ${name}`] : []);
    },
    waitForServedCertificate() {
      calls.push('waitForServedCertificate');
      return Promise.resolve('AA:BB:CC:DD:EE:FF:00:11:22');
    },
    listSwarmNodes() {
      calls.push('listSwarmNodes');
      return Promise.resolve([{ id: STUB_NODE_ID, hostname: 'host-1', state: 'ready' }]);
    },
    signalVaultContainer(input) {
      calls.push(`signalVaultContainer:${input.node}`);
      return Promise.resolve({ nodeId: STUB_NODE_ID });
    },
    waitForVaultTaskStart() {
      calls.push('waitForVaultTaskStart');
      return Promise.resolve({ started: false });
    },
    ensureBackupAccess() {
      calls.push('ensureBackupAccess');
      return Promise.resolve({
        changed: false,
        summary: 'the snapshot token is valid; vault-bootstrap/canary can be written',
      });
    },
    repairCredentials() {
      calls.push('repairCredentials');
      return Promise.resolve({ changed: true, summary: 'issued the snapshot token (accessor-2)' });
    },
    takeSnapshot(input) {
      calls.push('takeSnapshot');
      return Promise.resolve({
        format: 'vault-bootstrap-snapshot/v1' as const,
        stack: input.stack,
        file: `${input.stack}-20260101T000000Z.snap`,
        takenAt: '2026-01-01T00:00:00.000Z',
        size: 1024,
        sha256: '0'.repeat(64),
        vaultVersion: '2.7.2',
        unsealKey: { custodyKeyId: 'key-0001', secretName: 'vault_unseal_key_v1', secretVersion: 1 },
      });
    },
    pruneSnapshots() {
      calls.push('pruneSnapshots');
      return Promise.resolve({ kept: [], pruned: [] });
    },
    listSnapshots() {
      calls.push('listSnapshots');
      return Promise.resolve({
        dir: '/backups/s',
        target: { usable: true, created: false },
        snapshots: [],
        skipped: [],
      });
    },
    runRestoreDrill(input) {
      calls.push('runRestoreDrill');
      return Promise.resolve({
        stack: input.stack,
        drillStack: `${input.stack}-drill`,
        snapshot: {
          file: `${input.stack}-20260101T000000Z.snap`,
          size: 1024,
          sha256: '0'.repeat(64),
          takenAt: '2026-01-01T00:00:00.000Z',
        },
        canary: {
          path: 'vault-bootstrap/canary',
          expected: `${input.stack}-20260101T000000Z.snap`,
          read: `${input.stack}-20260101T000000Z.snap`,
        },
        vaultVersion: '2.7.2',
        seconds: { deploy: 5, restore: 3, total: 9 },
      });
    },
    removeDrillStack() {
      calls.push('removeDrillStack');
      return Promise.resolve({ removed: true });
    },
    recordDrill() {
      calls.push('recordDrill');
      return Promise.resolve();
    },
    checkSnapshot(input) {
      calls.push('checkSnapshot');
      return Promise.resolve({ changed: false, summary: `${input.snapshot} matches its manifest` });
    },
    restoreLeader(input) {
      calls.push('restoreLeader');
      return Promise.resolve({ changed: true, summary: `restored ${input.snapshot} into vault-1` });
    },
    checkRestored(input) {
      calls.push('checkRestored');
      return Promise.resolve({ changed: false, summary: `the data of ${input.snapshot} is back` });
    },
    readStackHold(input) {
      calls.push('readStackHold');
      return Promise.resolve(holds.get(input.stack));
    },
    runVaultCommand(input) {
      calls.push('runVaultCommand');
      return Promise.resolve({
        nodeId: 'node-1',
        container: 'c0ffee000001',
        slot: 1,
        exitCode: 0,
        stdout: `ran ${input.command.join(' ')}\n`,
        stderr: '',
        truncated: false,
      });
    },
    diagnoseStack() {
      calls.push('diagnoseStack');
      return Promise.resolve({
        nodes: [{ id: 'node-1', hostname: 'host-1' }],
        vaultTasks: [1, 2, 3].map((slot) => ({ slot, state: 'running', nodeId: 'node-1' })),
        checks: [{ name: 'swarm', status: 'ok' as const, detail: 'a manager' }],
      });
    },
  };
  return { activities, calls, holds };
}
