/**
 * Health of a bootstrapped cluster, and the safe remediations: unseal a sealed node with the custody
 * key, reload a stale certificate with SIGHUP, re-join a node missing from the Raft configuration.
 * Never initializes, never removes a peer, never touches a node without a finding.
 *
 * What must happen on the node that runs a task (signals, its Docker events) is in node-local.ts.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type {
  AutomaticAction,
  AutopilotState,
  HeldKeys,
  RaftServer,
  StoredSnapshot,
  SwarmNode,
  SysHealth,
  TaskInfo,
} from '../ports';
import {
  ALL_SLOTS,
  AUTOPILOT_CONFIG,
  nodeName,
  serviceName,
  TLS_FILES,
  VAULT_REPLICAS,
} from '../shared/constants';
import { parseDuration } from '../shared/duration';
import { messageOf, VaultRequestError } from '../shared/errors';
import { BACKUP_FINDINGS, HEALTH_DEFAULTS, UNSEAL_FINDINGS } from '../shared/health';
import type {
  BackupStatus,
  Finding,
  HealthInput,
  HealthNote,
  HealthReport,
  HealthVerdict,
  NodeHealth,
  StackHold,
} from '../shared/health';
import type { VaultServer } from '../shared/vault-server';
import { apiToken, readCustody } from './cluster/custody';
import { credentialFindings } from './cluster/credentials';
import { refuseWhileHeld } from './cluster/holds';
import { awaySlots, describeAway, homesOf, rehomeSlots } from './cluster/homes';
import { joinAtHome, unsealAtHome } from './cluster/node-actions';
import { locateNodes, waitFor } from './cluster/nodes';
import type { ClusterNode } from './cluster/nodes';
import type { ActivityDeps } from './deps';

const DAY_MS = 86_400_000;
/** Health talks to a restarted task as soon as its container runs (see `locateNodes`). */
const STARTING = { starting: true } as const;

/** Fingerprint (colon-separated upper-case hex, as Node prints it) and expiry of the first certificate in a PEM file. */
async function diskCertificate(
  deps: Pick<ActivityDeps, 'files'>,
  certDir: string,
): Promise<{ fingerprint256: string; validTo: Date }> {
  const pem = await deps.files.readText(join(certDir, TLS_FILES.chain));
  const cert = new X509Certificate(pem);
  return { fingerprint256: cert.fingerprint256, validTo: new Date(cert.validTo) };
}

/**
 * Whether `report` shows node `name` initialized (when checked) but absent from the Raft configuration read
 * from an unsealed member: a removed peer, or another cluster's data on the task's volume (`NodeNotMember`).
 * Sealed Vault answers no cluster id, so membership is the identity check; without a Raft view (no leader)
 * nothing can be said. A node that was uninitialized when checked (wiped) is not one: it is joined.
 */
function notAMember(report: HealthReport, name: string): boolean {
  const row = report.nodes.find((r) => r.name === name);
  return (
    report.raft.servers.some((s) => s.leader) &&
    row?.initialized === true &&
    !report.raft.servers.some((s) => s.nodeId === name)
  );
}

/** Whether `report` shows node `name` reporting `removed_from_cluster: true` (`NodeRemovedFromCluster`). */
function removedFrom(report: HealthReport, name: string): boolean {
  return report.nodes.some((r) => r.name === name && r.removedFromCluster === true);
}

/** How often a settling autopilot is asked again (it updates its state every couple of seconds). */
const AUTOPILOT_POLL_MS = 500;

/**
 * Whether everything the check sees is in order for autopilot to count healthy: every node reachable, initialized
 * and unsealed, and a voter of the Raft configuration. Only then is autopilot's "unhealthy" a lag worth waiting
 * out; with a node down it is the truth, and the check does not wait.
 */
function allServing(report: HealthReport, servers: readonly RaftServer[]): boolean {
  return (
    report.nodes.length === VAULT_REPLICAS &&
    report.nodes.every(
      (n) =>
        n.reachable &&
        n.initialized === true &&
        n.sealed === false &&
        servers.some((s) => s.nodeId === n.name && s.voter),
    )
  );
}

function verdictOf(findings: Finding[], nodes: NodeHealth[], hasLeader: boolean): HealthVerdict {
  if (findings.some((f) => f.code === 'ServiceMissing') || !hasLeader) return 'Failed';
  const unsealed = nodes.filter((n) => n.reachable && n.sealed === false).length;
  if (unsealed < Math.floor(VAULT_REPLICAS / 2) + 1) return 'Failed';
  // Backup findings are listed and alerted on, but say nothing about Vault serving (docs/backups.md).
  return findings.every((f) => BACKUP_FINDINGS.includes(f.code)) ? 'Healthy' : 'Degraded';
}

export function createHealthActivities(deps: ActivityDeps) {
  const { swarm, config, clock, metrics, holds } = deps;

  /** The token health reads the Raft view with: the worker's own (see tokens.ts), and whether it is that one. */
  async function token(stack: string): Promise<{ token: string; renewable: boolean; keys: HeldKeys }> {
    const held = await readCustody(deps, stack, 'the Raft configuration cannot be read');
    return { token: apiToken(held, stack), renewable: held.workerToken !== undefined, keys: held };
  }

  async function nodesSettled(stack: string, settleMs: number): Promise<Map<number, ClusterNode>> {
    if (settleMs <= 0) return locateNodes(deps, stack, ALL_SLOTS, STARTING);
    try {
      return await waitFor(
        deps,
        `all Vault tasks of ${stack} to answer`,
        settleMs,
        async () => {
          const tasks = await swarm.currentTasks(serviceName(stack));
          const nodes = await locateNodes(deps, stack, ALL_SLOTS, { ...STARTING, tasks });
          for (const n of nodes.values()) await n.client.sealStatus();
          if (nodes.size === VAULT_REPLICAS) return nodes;
          return nodes.size + (await unplaceable(tasks, nodes)) === VAULT_REPLICAS ? nodes : undefined;
        },
        // A restarted task answers within a second or two and is unsealed as soon as it is seen: look every
        // 100 ms (a cheap call; 250 ms made the new task's first answer → sealed:false 0.2-0.65 s in the bench).
        100,
      );
    } catch {
      return locateNodes(deps, stack, ALL_SLOTS, STARTING); // report what there is
    }
  }

  /**
   * How many slots missing from `nodes` cannot answer within a settle time: their task is on a node that is not
   * ready (a lost node), or Swarm cannot place it (pending with its error, e.g. no other node may take a second
   * Vault task). Waiting for them would only add the whole settle time to every check while a node is lost.
   */
  async function unplaceable(tasks: Map<number, TaskInfo>, nodes: Map<number, ClusterNode>): Promise<number> {
    const notReady = new Set((await swarm.listNodes()).filter((n) => n.state !== 'ready').map((n) => n.id));
    return ALL_SLOTS.filter((slot) => {
      const task = tasks.get(slot);
      if (nodes.has(slot) || task === undefined) return false;
      return (
        (task.state === 'pending' && task.error !== undefined) ||
        (task.nodeId !== undefined && notReady.has(task.nodeId))
      );
    }).length;
  }

  /**
   * One health check: reads everything, changes nothing. Its figures go to the metrics (the per-node ones
   * Vault's own `/sys/metrics` cannot give: that answers on the active node only).
   */
  async function checkVaultHealth(input: HealthInput): Promise<HealthReport> {
    const report = await readVaultHealth(input);
    metrics.recordHealth(report);
    return report;
  }

  /**
   * The stack's snapshot folder as the report shows it: whether the next backup can be written (issue 27: a
   * folder that cannot is a finding, never silence), the newest snapshot and the latest drill.
   */
  async function backupStatus(stack: string): Promise<BackupStatus> {
    const store = deps.snapshots.of(stack);
    const check = await store.check();
    const target: BackupStatus['target'] = check.usable
      ? { usable: true }
      : { usable: false, error: check.error, detail: check.detail };
    // Only a folder that is there holds snapshots and a drill record to read.
    const readable = check.usable && check.created;
    let stored: StoredSnapshot[];
    try {
      stored = readable ? await store.list() : [];
    } catch {
      stored = [];
    }
    const [newest] = stored;
    const drill = readable ? await store.readDrillRecord() : undefined;
    return {
      target,
      count: stored.length,
      ...(newest
        ? {
            newest: {
              file: newest.manifest.file,
              takenAt: newest.manifest.takenAt,
              size: newest.manifest.size,
              good: newest.good,
            },
          }
        : {}),
      ...(drill ? { drill } : {}),
    };
  }

  async function readVaultHealth(input: HealthInput): Promise<HealthReport> {
    const svcName = serviceName(input.stack);
    // Read first: a hold put on while the check runs is seen by the next one, never half-applied.
    const hold = await holds.current(input.stack);
    const findings: Finding[] = [];
    const notes: HealthNote[] = [];
    const svc = await swarm.inspectService(svcName);
    const disk = await diskCertificate(deps, config.vault.certDir);
    const daysLeft = Math.floor((disk.validTo.getTime() - clock.now()) / DAY_MS);
    const report: HealthReport = {
      stack: input.stack,
      checkedAt: new Date(clock.now()).toISOString(),
      verdict: 'Failed',
      findings,
      service: { desired: svc?.replicas ?? 0, running: 0 },
      nodes: [],
      raft: { servers: [] },
      certificate: { diskFingerprint: disk.fingerprint256, validTo: disk.validTo.toISOString(), daysLeft },
      actions: [],
      ...(hold ? { hold } : {}),
    };
    report.backup = await backupStatus(input.stack);
    if (report.backup.target && !report.backup.target.usable) {
      findings.push({
        code: 'BackupTargetUnusable',
        detail: `${report.backup.target.error}: ${report.backup.target.detail}`,
      });
    }
    if (daysLeft < (input.certExpiryWarnDays ?? HEALTH_DEFAULTS.certExpiryWarnDays)) {
      findings.push({
        code: 'CertificateExpiring',
        detail: `the certificate on disk expires in ${daysLeft} days`,
      });
    }
    if (!svc) {
      findings.push({ code: 'ServiceMissing', detail: `service ${svcName} does not exist` });
      return report;
    }
    const nodes = await nodesSettled(
      input.stack,
      (input.settleSeconds ?? HEALTH_DEFAULTS.settleSeconds) * 1000,
    );
    report.service.running = nodes.size;
    if (nodes.size < VAULT_REPLICAS) {
      findings.push({ code: 'TasksNotRunning', detail: `${nodes.size}/${VAULT_REPLICAS} tasks running` });
    }
    const swarmNodes = await swarm.listNodes();
    const tasks = new Map([...nodes.values()].map((n) => [n.slot, n.task]));
    for (const away of awaySlots(tasks, homesOf(swarmNodes, input.stack)))
      findings.push({
        code: 'SlotAwayFromHome',
        node: nodeName(away.slot),
        detail: `${describeAway(away, swarmNodes)}: it is not unsealed there`,
      });
    for (const slot of ALL_SLOTS) {
      const node = nodes.get(slot);
      const name = nodeName(slot);
      const row: NodeHealth = {
        name,
        slot,
        taskId: node?.task.id,
        swarmNodeId: node?.task.nodeId,
        containerId: node?.task.containerId?.slice(0, 12),
        reachable: false,
      };
      report.nodes.push(row);
      if (!node) continue;
      let server: VaultServer | undefined;
      try {
        const s = await node.client.sealStatus();
        server = s.server;
        Object.assign(row, { reachable: true, initialized: s.initialized, sealed: s.sealed });
        if (s.removedFromCluster) row.removedFromCluster = true;
        row.servedFingerprint = (await node.client.servedCertificate()).fingerprint256;
      } catch (err) {
        row.error = messageOf(err);
      }
      if (server) notes.push(...(await readSysHealth(node, server, row)));
      if (!row.reachable)
        findings.push({ code: 'NodeUnreachable', node: name, detail: row.error ?? 'no answer' });
      else if (row.removedFromCluster)
        // Its seal and membership say nothing more, and no remediation may act on them (`removedFrom`).
        findings.push({
          code: 'NodeRemovedFromCluster',
          node: name,
          detail:
            `${name} reports removed_from_cluster: it was removed from the Raft cluster (${row.sealed ? 'sealed' : 'unsealed'}); ` +
            'it is not unsealed or joined. Empty its data volume for the next check to join it as a new node',
        });
      else if (row.initialized === false)
        findings.push({
          code: 'NodeUninitialized',
          node: name,
          detail: `${name} is not initialized (lost its Raft state)`,
        });
      else if (row.sealed && hold)
        findings.push({
          code: 'SealedWhileHeld',
          node: name,
          detail: `${name} is sealed while the stack is held (${hold.reason}); it is left sealed`,
        });
      else if (row.sealed) findings.push({ code: 'NodeSealed', node: name, detail: `${name} is sealed` });
      else if (row.health === 'standbyCannotReachActive')
        findings.push({
          code: 'StandbyCannotReachActive',
          node: name,
          detail:
            `${name} answers sys/health 474: a standby that cannot send heartbeats to the active node, so it ` +
            'forwards no request and falls behind; check the network between the nodes (the cluster port). Reported only',
        });
      if (row.servedFingerprint && row.servedFingerprint !== disk.fingerprint256) {
        findings.push({
          code: 'CertificateStale',
          node: name,
          detail: `${name} serves an older certificate than the one on disk`,
        });
      }
    }
    // The Raft view, from any unsealed node (standbys forward to the active one).
    const held = await token(input.stack);
    let servers: RaftServer[] = [];
    let raftReader: ClusterNode | undefined;
    for (const n of nodes.values()) {
      const row = report.nodes.find((r) => r.slot === n.slot);
      if (!row?.reachable || row.sealed) continue;
      try {
        // Every run renews the worker's periodic token: it lapses only if no check runs for a whole period.
        if (held.renewable) await n.client.renewSelf(held.token);
        servers = await n.client.raftConfiguration(held.token);
        raftReader = n;
        const autopilot = await n.client.autopilotState(held.token);
        report.raft.autopilotHealthy = autopilot.healthy;
        if (autopilot.failureTolerance !== undefined)
          report.raft.failureTolerance = autopilot.failureTolerance;
        // The tool's other tokens and its policies (a bootstrap still holding its root token has none yet).
        if (held.renewable && held.keys.rootToken === undefined)
          findings.push(...(await credentialFindings(n.client, held.keys, held.token, input.stack)));
        break;
      } catch (err) {
        if (err instanceof VaultRequestError && err.status === 403) {
          findings.push({
            code: 'WorkerTokenRejected',
            detail: `Vault rejects the worker's token (${err.message})`,
          });
          break;
        }
        continue;
      }
    }
    report.raft.servers = servers.map((s) => ({ nodeId: s.nodeId, leader: s.leader, voter: s.voter }));
    const hasLeader = servers.some((s) => s.leader);
    if (!hasLeader) findings.push({ code: 'RaftNoLeader', detail: 'no node reports a Raft leader' });
    for (const slot of ALL_SLOTS) {
      const name = nodeName(slot);
      if (removedFrom(report, name)) continue; // reported as NodeRemovedFromCluster, nothing else
      if (notAMember(report, name)) {
        // Not ours as far as our cluster knows: never given our key (a foreign cluster would keep it).
        findings.push({
          code: 'NodeNotMember',
          node: name,
          detail:
            `${name} is initialized but not in the Raft configuration of this cluster (a removed peer or another ` +
            `cluster's data); it is not unsealed or joined. Inspect its data volume; once it is emptied the node is joined again`,
        });
      } else if (hasLeader && !servers.some((s) => s.nodeId === name && s.voter)) {
        findings.push({
          code: 'RaftMemberMissing',
          node: name,
          detail: `${name} is not a voter in the Raft configuration`,
        });
      }
    }
    if (report.raft.autopilotHealthy === false && raftReader && allServing(report, servers)) {
      const settled = await autopilotSettled(raftReader, held.token);
      report.raft.autopilotHealthy = settled.healthy;
      if (settled.failureTolerance !== undefined) report.raft.failureTolerance = settled.failureTolerance;
    }
    if (report.raft.autopilotHealthy === false)
      findings.push({ code: 'AutopilotUnhealthy', detail: 'autopilot reports the cluster unhealthy' });
    report.verdict = verdictOf(findings, report.nodes, hasLeader);
    if (notes.length) report.notes = notes;
    return report;
  }

  /**
   * The node's `sys/health` (one call), read with the server its seal-status named, into `row`; returns the
   * notes it calls for. A 530 marks the node removed as seal-status's `removed_from_cluster` does (the same
   * flag on the server: `NodeRemovedFromCluster`). A 472 or 473 is a Vault Enterprise replication role the tool
   * neither sets up nor manages: a note, not a finding (on Enterprise, every standby may be a performance one).
   * A call that fails, or an answer the server does not document, is a note too: the node answered seal-status,
   * so what the check knows of it stands.
   */
  async function readSysHealth(
    node: ClusterNode,
    server: VaultServer,
    row: NodeHealth,
  ): Promise<HealthNote[]> {
    let h: SysHealth;
    try {
      h = await node.client.health(server);
    } catch (err) {
      const message = messageOf(err);
      row.error ??= message;
      return [{ node: row.name, detail: `sys/health was not read: ${message}` }];
    }
    row.health = h.state;
    if (h.state === 'removed' || h.removedFromCluster) row.removedFromCluster = true;
    const role =
      h.state === 'drSecondary'
        ? 'a node of a disaster recovery secondary cluster'
        : h.state === 'performanceStandby'
          ? 'a performance standby'
          : undefined;
    return role
      ? [
          {
            node: row.name,
            detail: `${row.name} answers sys/health ${h.status}: ${role}, a Vault Enterprise replication role this tool does not set up or manage; nothing is done about it`,
          },
        ]
      : [];
  }

  /**
   * Autopilot's verdict, given time to agree with what the check saw. It lags: a node unsealed a second ago is
   * in contact and caught up, but autopilot counts it healthy only at a later state update, so a check right
   * after a heal (a release's, issue 28) read "unhealthy" for a cluster that was healed. Asked again until it
   * says healthy, for at most its server stabilization time (read from Vault; the tool's setting when it cannot
   * be read); resolves with its last answer.
   */
  async function autopilotSettled(reader: ClusterNode, apiToken: string): Promise<AutopilotState> {
    const stabilization = await reader.client
      .autopilotConfiguration(apiToken)
      .then((c) => c.serverStabilizationTime)
      .catch(() => AUTOPILOT_CONFIG.serverStabilizationTime);
    const boundMs = parseDuration(stabilization) ?? 10_000;
    let last: AutopilotState = { healthy: false };
    try {
      return await waitFor(
        deps,
        `autopilot (asked through ${reader.name}) to count every voter healthy`,
        boundMs,
        async () => {
          last = await reader.client.autopilotState(apiToken);
          return last.healthy ? last : undefined;
        },
        AUTOPILOT_POLL_MS,
      );
    } catch {
      return last;
    }
  }

  /** The findings of `report` about each node, by node name. */
  function codesByNode(report: HealthReport): Map<string, Set<string>> {
    const byNode = new Map<string, Set<string>>();
    for (const f of report.findings)
      if (f.node) byNode.set(f.node, (byNode.get(f.node) ?? new Set()).add(f.code));
    return byNode;
  }

  /**
   * Re-joins and unseals one node as its findings in `report` call for (never initializes); returns what
   * it did. Needs custody, so it runs on the main task queue; what must happen on the node's own Engine
   * (SIGHUP) is `signalVaultContainer`, routed to the node's queue by the workflow.
   */
  async function remediateNode(input: HealthInput, report: HealthReport, name: string): Promise<string[]> {
    const codes = codesByNode(report).get(name);
    // A node our Raft configuration does not list, although initialized, is not identified as ours: it is
    // never sent the custody key, nor joined (and custody is not even read for it). `notAMember` applies the
    // rule to a report that predates the finding (its check ran on an older worker, in a run still open).
    if (codes?.has('NodeNotMember') || notAMember(report, name)) return [];
    // Removed from the Raft cluster (Vault 1.19+): its data is not this cluster's any more, never unsealed.
    if (codes?.has('NodeRemovedFromCluster') || removedFrom(report, name)) return [];
    if (!codes || !UNSEAL_FINDINGS.some((c) => codes.has(c))) return [];
    // A run that checked before the hold was put on (or an older run that never reads one): `StackHeld` is
    // reported as the node's failed action.
    await refuseWhileHeld(deps, input.stack, `${name} was not unsealed or re-joined`);
    const held = await readCustody(deps, input.stack, 'no node can be unsealed');
    const nodes = await locateNodes(deps, input.stack, ALL_SLOTS, STARTING);
    const node = [...nodes.values()].find((n) => n.name === name);
    if (!node) return [];
    const actions: string[] = [];
    if (codes.has('SlotAwayFromHome')) {
      // Never unsealed away from its data; put back with the others when no quorum runs at home (homes.ts).
      const moved = await rehomeSlots(deps, input.stack);
      if (!moved) return [];
      actions.push(automatic(input.stack, 'rehome', moved));
      // The tasks it started again are sealed, on their own data: unsealed now, not left to a later check (the
      // starts came while this check ran).
      for (const n of (await restartedAtHome(input.stack)).values())
        if (await unsealAtHome(deps, input.stack, n, held))
          actions.push(automatic(input.stack, 'unseal', `unsealed ${n.name}`));
      return actions;
    }
    const leaderName = report.raft.servers.find((s) => s.leader)?.nodeId;
    const leader = [...nodes.values()].find((n) => n.name === leaderName);
    // A node that lost its Raft state is joined again to the current leader (never initialized).
    if (
      (codes.has('NodeUninitialized') || codes.has('RaftMemberMissing')) &&
      leader &&
      node.slot !== leader.slot
    ) {
      if (await joinAtHome(deps, input.stack, leader, node))
        actions.push(
          automatic(input.stack, 'rejoin', `re-joined ${name} to the Raft cluster of ${leader.name}`),
        );
    }
    if (await unsealAtHome(deps, input.stack, node, held))
      actions.push(automatic(input.stack, 'unseal', `unsealed ${name}`));
    return actions;
  }

  /** Every slot's task once each answers (after `rehomeSlots` started them again); those that do by the deadline. */
  async function restartedAtHome(stack: string): Promise<Map<number, ClusterNode>> {
    try {
      return await waitFor(deps, `the Vault tasks of ${stack} started on their homes`, 120_000, async () => {
        const nodes = await locateNodes(deps, stack, ALL_SLOTS, STARTING);
        for (const n of nodes.values()) await n.client.sealStatus();
        return nodes.size === VAULT_REPLICAS ? nodes : undefined;
      });
    } catch {
      return locateNodes(deps, stack, ALL_SLOTS, STARTING); // a node lost meanwhile: the others
    }
  }

  /** An automatic action done: logged (the worker's log says what the tool did unasked) and counted. */
  function automatic(stack: string, action: AutomaticAction, what: string): string {
    Context.current().log.info(`automatic action on ${stack}: ${what}`, { action });
    metrics.countAction(stack, action);
    return what;
  }

  /** Waits until node `name` serves the certificate on disk (after a SIGHUP); returns its fingerprint. */
  async function waitForServedCertificate(input: HealthInput, name: string): Promise<string> {
    const disk = await diskCertificate(deps, config.vault.certDir);
    await waitFor(deps, `${name} to serve the certificate on disk`, 30_000, async () => {
      const node = [...(await locateNodes(deps, input.stack, ALL_SLOTS, STARTING)).values()].find(
        (n) => n.name === name,
      );
      if (!node) throw new Error(`${name} has no running task`);
      return (await node.client.servedCertificate()).fingerprint256 === disk.fingerprint256
        ? true
        : undefined;
    });
    return disk.fingerprint256;
  }

  /**
   * The remediation of workflows started before remediation was routed per node (kept so their histories
   * replay and in-flight runs finish): every node in one activity, SIGHUP through this worker's Engine.
   * New runs use `remediateNode`, `signalVaultContainer` on the node's queue and `waitForServedCertificate`.
   */
  async function remediateVaultHealth(input: HealthInput, report: HealthReport): Promise<string[]> {
    const actions: string[] = [];
    for (const [name, codes] of codesByNode(report)) {
      if (codes.has('NodeNotMember') || notAMember(report, name)) continue; // not ours: left alone
      if (codes.has('NodeRemovedFromCluster') || removedFrom(report, name)) continue; // removed: left alone
      actions.push(...(await remediateNode(input, report, name)));
      const row = report.nodes.find((n) => n.name === name);
      const task = (await swarm.currentTasks(serviceName(input.stack))).get(row?.slot ?? 0);
      if (codes.has('CertificateStale') && task?.containerId) {
        await swarm.signalServiceContainer(serviceName(input.stack), task.containerId, 'SIGHUP');
        const fp = await waitForServedCertificate(input, name);
        actions.push(
          automatic(
            input.stack,
            'sighup',
            `reloaded the certificate of ${name} (SIGHUP); it now serves ${fp.slice(0, 17)}…`,
          ),
        );
      }
    }
    return actions;
  }

  /** The operator's hold on the stack, if any: the watcher reads it before it starts a check. */
  async function readStackHold(input: { stack: string }): Promise<StackHold | undefined> {
    return holds.current(input.stack);
  }

  /** The nodes of the swarm (asked of this worker's Engine, a manager): where node-local work is routed. */
  async function listSwarmNodes(): Promise<SwarmNode[]> {
    // Only what the workflows route by: node labels and availability stay out of their histories.
    return (await swarm.listNodes()).map(({ id, hostname, state }) => ({ id, hostname, state }));
  }

  return {
    checkVaultHealth,
    remediateNode,
    waitForServedCertificate,
    remediateVaultHealth,
    readStackHold,
    listSwarmNodes,
  };
}
