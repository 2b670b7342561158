/**
 * The worker's own Prometheus metrics (docs/metrics.md): the figures of the health checks this process ran,
 * per node and per stack; the automatic actions it took; how long each activity attempt took; and the
 * process's usual `process_*` and `nodejs_*` figures.
 *
 * Per-node figures are why this exists: Vault's own `/sys/metrics` answers on the active node only, so a
 * sealed standby shows nowhere else. Each report replaces all of its stack's figures (`StackSeries`): a series
 * the new report does not give is removed, never left at the value of an older check. Reports may end out of
 * order (the check at the worker's start beside a scheduled one, `src/first-check.ts`): a report whose check
 * began before the one shown is dropped (`Newest`), so figures never go back to an older look.
 *
 * The metrics live in a registry of their own, not prom-client's global one, so that nothing another module
 * registers ends up in what is served, and tests can make as many as they like. Labels hold stack, node,
 * activity and finding names only: never a token, a key or an address.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AutomaticAction, HealthMetrics, NodeObservation } from '../ports';
import type { HealthReport, HealthVerdict } from '../shared/health';

/** How an activity attempt ended. `cancelled`: Temporal cancelled it (the watcher's waits end that way). */
export type ActivityOutcome = 'completed' | 'failed' | 'cancelled';

// Every verdict and every action: the compiler checks each record lists the whole union, no more.
const VERDICTS = Object.keys({ Healthy: 0, Degraded: 0, Failed: 0 } satisfies Record<HealthVerdict, 0>);
const ACTIONS = Object.keys({ unseal: 0, rejoin: 0, sighup: 0, rehome: 0 } satisfies Record<
  AutomaticAction,
  0
>);

/**
 * From a quick read (50 ms) to the longest bootstrap waits (several minutes); Temporal Core's own activity
 * histogram stops at 60 s. The watcher's waits for a task start, which last until one happens, are in +Inf.
 */
const STEP_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

type Labels = Record<string, string>;

interface Sample {
  labels: Labels;
  value: number;
}

/** A gauge whose series of one stack are replaced together: those the new samples do not give are removed. */
class StackSeries {
  private readonly written = new Map<string, Labels[]>();

  constructor(private readonly gauge: Gauge) {}

  replace(stack: string, samples: Sample[]): void {
    for (const labels of this.written.get(stack) ?? []) this.gauge.remove(labels);
    for (const { labels, value } of samples) this.gauge.set(labels, value);
    this.written.set(
      stack,
      samples.map((s) => s.labels),
    );
  }
}

/** Per stack, when the look behind the figures shown began: only a look that began no earlier replaces them. */
class Newest {
  private readonly shown = new Map<string, number>();

  /** Whether a look at `stack` that began at `iso` may replace what is shown; if so, it is what is shown now. */
  admit(stack: string, iso: string): boolean {
    const at = Date.parse(iso);
    if (at < (this.shown.get(stack) ?? -Infinity)) return false;
    this.shown.set(stack, at);
    return true;
  }
}

function bit(condition: boolean): number {
  return condition ? 1 : 0;
}

/** An ISO 8601 time of the report as Unix seconds, the unit of Prometheus's `time()`. */
function unixSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

export class PrometheusMetrics implements HealthMetrics {
  readonly registry = new Registry();

  private readonly nodeUp = this.stackGauge(
    'vault_bootstrap_node_up',
    "Whether the node answered its seal status at the last look at its stack's nodes (a health check, the check at the worker's start, or the bootstrap's verify step) (1) or not (0: no running task, or no answer).",
    ['node'],
  );
  private readonly nodeSealed = this.stackGauge(
    'vault_bootstrap_node_sealed',
    "Whether the node said it was sealed at the last look at its stack's nodes (1) or unsealed (0). No series while it does not answer: unknown is not sealed.",
    ['node'],
  );
  private readonly nodeVoter = this.stackGauge(
    'vault_bootstrap_node_voter',
    "Whether the node is a voter in the Raft configuration read at the last look at its stack's nodes (1) or not, or not listed (0). No series when no unsealed node gave the configuration.",
    ['node'],
  );
  private readonly nodeLeader = this.stackGauge(
    'vault_bootstrap_node_leader',
    "Whether the Raft configuration read at the last look at its stack's nodes names the node leader (1) or not (0). Every node 0 when no unsealed node gave the configuration: none is known to lead.",
    ['node'],
  );
  private readonly failureTolerance = this.stackGauge(
    'vault_bootstrap_raft_failure_tolerance',
    'How many voters may fail with quorum kept, as autopilot reported at the last health check. No series when it was not read.',
  );
  private readonly verdict = this.stackGauge(
    'vault_bootstrap_health_verdict',
    'The verdict of the last health check, as a state set: 1 for the current verdict (Healthy, Degraded, Failed), 0 for the others.',
    ['verdict'],
  );
  private readonly lastCheck = this.stackGauge(
    'vault_bootstrap_last_health_check_timestamp_seconds',
    'When this process last checked the health of the stack (Unix time): the age of every other figure of the stack.',
  );
  private readonly certificateExpiry = this.stackGauge(
    'vault_bootstrap_certificate_expiry_timestamp_seconds',
    'When the certificate in the Vault TLS folder (fullchain.pem), as read by the last health check, expires (Unix time).',
  );
  private readonly hold = this.stackGauge(
    'vault_bootstrap_hold',
    'Whether an operator held the stack at the last health check (1: vault-bootstrap hold; nothing is remediated) or not (0).',
  );
  private readonly findings = this.stackGauge(
    'vault_bootstrap_health_findings',
    'How many findings of each code the last health check reported. Codes it did not report have no series.',
    ['code'],
  );
  private readonly lastSnapshot = this.stackGauge(
    'vault_bootstrap_backup_last_snapshot_timestamp_seconds',
    "When the newest snapshot in the stack's backup folder that matches its manifest was taken (Unix time), as the last health check read the folder. No series when the folder cannot be read or holds no good snapshot (alert VaultBackupMissing).",
  );
  private readonly backupTarget = this.stackGauge(
    'vault_bootstrap_backup_target_ok',
    "Whether the stack's next backup can be written (1) or not (0: the backup root missing, a folder the worker cannot write or others can), as the last health check found its backup folder. The finding BackupTargetUnusable says why.",
  );
  private readonly drillOk = this.stackGauge(
    'vault_bootstrap_restore_drill_ok',
    'Whether the latest restore drill of the stack restored its snapshot and read the canary back (1) or failed (0). No series before the first drill.',
  );
  private readonly drillTime = this.stackGauge(
    'vault_bootstrap_restore_drill_timestamp_seconds',
    'When the latest restore drill of the stack ended (Unix time). No series before the first drill.',
  );
  private readonly remediations = new Counter({
    name: 'vault_bootstrap_remediations_total',
    help: 'Automatic actions this process took on nodes of the stack: unseal, rejoin (a node that lost its Raft state joined again), sighup (certificate reload), rehome (slots started again on the nodes that hold their data).',
    labelNames: ['stack', 'action'],
    registers: [this.registry],
  });
  private readonly stepDuration = new Histogram({
    name: 'vault_bootstrap_step_duration_seconds',
    help: 'How long each activity attempt this process ran took, by activity type (the bootstrap steps, health checks, remediation, waits) and outcome (completed, failed, cancelled).',
    labelNames: ['step', 'outcome'],
    buckets: STEP_DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    // Read when scraped (plus an event-loop delay monitor): cheap, and Temporal Core reports no process figures.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Per node figures and per stack figures are dated apart: a look at the nodes alone leaves the stack's alone. */
  private readonly nodesShown = new Newest();
  private readonly stackShown = new Newest();

  recordHealth(report: HealthReport): void {
    const { stack, checkedAt, nodes, raft } = report;
    this.recordNodes({ stack, observedAt: checkedAt, nodes, servers: raft.servers });
    if (this.stackShown.admit(stack, checkedAt)) this.recordStack(report);
    // Zero before the first action: `increase()` then counts that action too, as it needs an earlier sample.
    for (const action of ACTIONS) this.remediations.inc({ stack: report.stack, action }, 0);
  }

  recordNodes({ stack, observedAt, nodes, servers: raft }: NodeObservation): void {
    if (!this.nodesShown.admit(stack, observedAt)) return;
    const sample = (node: string, value: boolean): Sample => ({ labels: { stack, node }, value: bit(value) });
    const servers = new Map(raft.map((s) => [s.nodeId, s]));
    this.nodeUp.replace(
      stack,
      nodes.map((n) => sample(n.name, n.reachable)),
    );
    this.nodeSealed.replace(
      stack,
      nodes.filter((n) => n.reachable).map((n) => sample(n.name, n.sealed === true)),
    );
    // No Raft view (no unsealed node answered, or the worker's token was refused): whether a node votes is
    // unknown, and no node is known to lead, which is what the health check reports too (`RaftNoLeader`).
    this.nodeVoter.replace(
      stack,
      servers.size === 0 ? [] : nodes.map((n) => sample(n.name, servers.get(n.name)?.voter === true)),
    );
    this.nodeLeader.replace(
      stack,
      nodes.map((n) => sample(n.name, servers.get(n.name)?.leader === true)),
    );
  }

  countAction(stack: string, action: AutomaticAction): void {
    this.remediations.inc({ stack, action });
  }

  observeActivity(activityType: string, seconds: number, outcome: ActivityOutcome): void {
    this.stepDuration.observe({ step: activityType, outcome }, seconds);
  }

  private recordStack(report: HealthReport): void {
    const { stack, raft } = report;
    const sample = (value: number, labels: Labels = {}): Sample => ({ labels: { stack, ...labels }, value });
    this.failureTolerance.replace(
      stack,
      raft.failureTolerance === undefined ? [] : [sample(raft.failureTolerance)],
    );
    this.verdict.replace(
      stack,
      VERDICTS.map((verdict) => sample(bit(verdict === report.verdict), { verdict })),
    );
    this.lastCheck.replace(stack, [sample(unixSeconds(report.checkedAt))]);
    this.certificateExpiry.replace(stack, [sample(unixSeconds(report.certificate.validTo))]);
    this.hold.replace(stack, [sample(bit(report.hold !== undefined))]);
    const backup = report.backup;
    this.backupTarget.replace(stack, backup?.target ? [sample(bit(backup.target.usable))] : []);
    this.lastSnapshot.replace(
      stack,
      backup?.newest?.good ? [sample(unixSeconds(backup.newest.takenAt))] : [],
    );
    this.drillOk.replace(stack, backup?.drill ? [sample(bit(backup.drill.ok))] : []);
    this.drillTime.replace(stack, backup?.drill ? [sample(unixSeconds(backup.drill.at))] : []);
    const counts = new Map<string, number>();
    for (const { code } of report.findings) counts.set(code, (counts.get(code) ?? 0) + 1);
    this.findings.replace(
      stack,
      [...counts].map(([code, n]) => sample(n, { code })),
    );
  }

  /** A gauge labelled `stack` (and `labelNames`), in this registry, replaced per stack by each report. */
  private stackGauge(name: string, help: string, labelNames: string[] = []): StackSeries {
    return new StackSeries(
      new Gauge({ name, help, labelNames: ['stack', ...labelNames], registers: [this.registry] }),
    );
  }
}
