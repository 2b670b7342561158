/**
 * What the command line prints: pure functions from workflow state to text, so the exact lines operators
 * and tests read (`<step>  done  <summary>`, `BootstrapVault failed: Type: message`) live in one place.
 */
import type { ClientConfig } from '../config/client';
import type { DrillResult } from '../shared/backup';
import { describeFailure } from '../shared/errors';
import type { BackupStatus, HealthReport } from '../shared/health';
import { holdLine } from '../shared/run-text';
import type { StepProgress } from '../shared/steps';
import type { ClusterSummary } from '../shared/types';

/** The Temporal UI page of a workflow, for the operator to click. */
export function uiLink(config: ClientConfig, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * The `status` table: one row per step with its status, duration, the current attempt (for the running
 * step, from the pending activity) and its summary or error.
 */
export function formatProgress(rows: readonly StepProgress[], attempt?: number): string {
  return rows
    .map((r) => {
      const took =
        r.startedAt && r.endedAt
          ? ` ${((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)}s`
          : '';
      const att = r.status === 'running' && attempt && attempt > 1 ? ` (attempt ${attempt})` : '';
      const detail = r.error ?? r.summary ?? '';
      return `  ${r.status.padEnd(8)} ${r.step.padEnd(24)}${took.padStart(8)}${att}  ${detail}`;
    })
    .join('\n');
}

/** One line of `bootstrap --wait`'s live log: a step changed to `row.status` at `at` (printed as UTC `HH:MM:SS`). */
export function formatProgressEvent(row: StepProgress, at: Date): string {
  const detail = row.status === 'running' ? '' : `  ${row.error ?? row.summary ?? ''}`;
  return `[${at.toISOString().slice(11, 19)}] ${row.step.padEnd(24)} ${row.status}${detail}`;
}

/** What `bootstrap` prints once the run is started or attached to: ids (the run id the e2e race test compares) and the UI link. */
export function formatBootstrapStarted(
  config: ClientConfig,
  stack: string,
  workflowId: string,
  runId: string,
): string {
  return [
    `BootstrapVault for stack ${stack}: workflow ${workflowId} (run ${runId})`,
    `Temporal UI: ${uiLink(config, workflowId)}`,
  ].join('\n');
}

/** What `bootstrap --wait` prints (to stderr) when the run failed: the innermost `Type: message`, then the UI link. */
export function formatBootstrapFailure(config: ClientConfig, workflowId: string, err: unknown): string {
  return [`\nBootstrapVault failed: ${describeFailure(err)}`, `See ${uiLink(config, workflowId)}`].join('\n');
}

/** What `bootstrap --wait` prints when the cluster is bootstrapped and verified (starts with an empty line). */
export function formatBootstrapSummary(s: ClusterSummary): string {
  return [
    `\nVault cluster ${s.service} is bootstrapped and verified:`,
    `  running tasks : ${s.runningTasks}`,
    `  leader        : ${s.leader}`,
    `  followers     : ${s.followers.join(', ')}`,
    `  unseal secret : ${s.unsealSecret} (version ${s.unsealSecretVersion}) at target vault_unseal_key`,
    `  key custody   : record ${s.keyId}`,
  ].join('\n');
}

/** The report's backup lines: the folder when a backup cannot be written, the newest snapshot, the latest drill. */
function backupLines(b: BackupStatus): string[] {
  const target = b.target && !b.target.usable ? [`  backup   NEXT BACKUP WOULD FAIL: ${b.target.error}`] : [];
  const newest = b.newest
    ? `newest ${b.newest.file} (${b.newest.size} bytes${b.newest.good ? '' : ', DOES NOT MATCH ITS MANIFEST'}), ${b.count} kept`
    : 'no snapshot yet';
  const d = b.drill;
  const drill = !d
    ? 'no restore drill yet'
    : d.ok
      ? `restore drill OK at ${d.at}: ${d.snapshot ?? '?'} restored in ${d.seconds ?? '?'} s`
      : `restore drill FAILED at ${d.at}: ${d.error ?? 'unknown'}`;
  return [...target, `  backup   ${newest}`, `  drill    ${drill}`];
}

/** The human-readable health report `verify` prints (without `--json`). */
export function formatReport(r: HealthReport): string {
  const lines = [
    `${r.verdict}: ${r.stack} at ${r.checkedAt} (${r.service.running}/${r.service.desired} tasks)`,
  ];
  for (const n of r.nodes) {
    const state = !n.reachable
      ? `unreachable (${n.error ?? 'no answer'})`
      : `initialized=${n.initialized} sealed=${n.sealed}${n.health ? ` sys/health=${n.health}` : ''}`;
    lines.push(`  ${n.name.padEnd(8)} ${state}`);
  }
  const leader = r.raft.servers.find((s) => s.leader)?.nodeId ?? 'none';
  const tolerance =
    r.raft.failureTolerance === undefined ? '' : `, failure tolerance ${r.raft.failureTolerance}`;
  lines.push(
    `  raft     leader ${leader}, voters ${r.raft.servers.filter((s) => s.voter).length}, autopilot healthy ${String(r.raft.autopilotHealthy)}${tolerance}`,
  );
  lines.push(
    `  cert     ${r.certificate.diskFingerprint.slice(0, 23)}… valid until ${r.certificate.validTo} (${r.certificate.daysLeft} days)`,
  );
  if (r.hold) lines.push(`  hold     ${holdLine(r.hold)}: reported only, nothing done`);
  if (r.backup) lines.push(...backupLines(r.backup));
  for (const f of r.findingsBefore ?? [])
    lines.push(`  found    ${f.code}${f.node ? ` ${f.node}` : ''}: ${f.detail}`);
  for (const a of r.actions) lines.push(`  action   ${a}`);
  for (const a of r.actionFailures ?? []) lines.push(`  FAILED   ${a}`);
  for (const f of r.findings) lines.push(`  finding  ${f.code}${f.node ? ` ${f.node}` : ''}: ${f.detail}`);
  // Not findings (src/shared/health.ts, `notes`): what the check saw and leaves to the operator.
  for (const n of r.notes ?? []) lines.push(`  note     ${n.detail}`);
  return lines.join('\n');
}

/** The part of a schedule's description that `describe` prints (a `ScheduleDescription` is one). */
export interface ScheduleView {
  state: { paused: boolean; note?: string };
  info: {
    numActionsTaken: number;
    numActionsSkippedOverlap: number;
    recentActions: readonly { takenAt: Date; action: { workflow: { workflowId: string } } }[];
    nextActionTimes: readonly Date[];
  };
}

/**
 * What `schedule describe` and `backup schedule describe` print for one schedule: whether it is active, how
 * often it ran, the runs it started (oldest first) and its next three times.
 */
export function formatScheduleDescription(scheduleId: string, d: ScheduleView): string {
  return [
    `schedule ${scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `  runs so far ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}`,
    ...d.info.recentActions.map((a) => `  ran ${a.takenAt.toISOString()} ${a.action.workflow.workflowId}`),
    ...d.info.nextActionTimes.slice(0, 3).map((n) => `  next ${n.toISOString()}`),
  ].join('\n');
}

/** What `backup drill --wait` prints when a drill restored a snapshot and read its canary back. */
export function formatDrillResult(r: DrillResult): string {
  const s = (n: number) => `${n.toFixed(1)} s`;
  return [
    `restore drill of ${r.stack}: ${r.snapshot.file} restored into ${r.drillStack} (Vault ${r.vaultVersion})`,
    `  snapshot  ${r.snapshot.file}: ${r.snapshot.size} bytes, taken at ${r.snapshot.takenAt}, sha256 ${r.snapshot.sha256}`,
    `  canary    ${r.canary.path} read back ${JSON.stringify(r.canary.read)} (expected ${JSON.stringify(r.canary.expected)})`,
    `  took      ${s(r.seconds.total)}: deploy ${s(r.seconds.deploy)}, restore and unseal ${s(r.seconds.restore)}`,
  ].join('\n');
}
