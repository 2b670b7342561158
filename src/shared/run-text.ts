/**
 * What a run says about itself in the Temporal UI, so an operator reads it without opening JSON: the static
 * summary and details set when a run starts, each step's activity summary on the timeline, and the current
 * details a running workflow keeps up to date (docs/operator-view.md). Plain strings from names, states and
 * the steps' own key-free summaries: never key material. Pure, so the workflows and the client share it.
 */
import type { HealthReport, StackHold } from './health';
import { BOOTSTRAP_STEPS } from './steps';
import type { BootstrapStep, StepProgress } from './steps';

/** The eight numbered steps: the bootstrap without its preflight and the final root-token revocation. */
const NUMBERED = BOOTSTRAP_STEPS.filter((s) => s !== 'preflight' && s !== 'revokeRootToken');

/** What each step does, in a few words (the timeline's activity summary adds it to the step's name). */
const PURPOSE: Record<BootstrapStep, string> = {
  preflight: 'check the configuration, Docker, the certificates and custody',
  ensurePlaceholderSecret: 'create the placeholder unseal-key secret the stack file needs',
  deployStack: 'deploy the Vault stack and wait for its three tasks',
  initLeader: 'initialize vault-1 and put the keys in custody',
  rotateUnsealKeySecret: 'swap the real unseal key into the service',
  unsealLeader: 'unseal vault-1',
  joinPeers: 'join vault-2 and vault-3 to vault-1',
  unsealPeers: 'unseal vault-2 and vault-3 and wait until they are Raft voters',
  verifyCluster: 'verify: three tasks, all unsealed, three voters, one leader',
  revokeRootToken: 'leave the worker its own token and revoke the root token',
};

/** `unsealPeers (7/8)`; `preflight (before 1/8)`; `revokeRootToken (after 8/8)`. */
export function stepLabel(step: BootstrapStep): string {
  const n = (NUMBERED as readonly string[]).indexOf(step);
  if (n >= 0) return `${step} (${n + 1}/${NUMBERED.length})`;
  return step === 'preflight'
    ? `${step} (before 1/${NUMBERED.length})`
    : `${step} (after ${NUMBERED.length}/${NUMBERED.length})`;
}

/** The activity summary on the run's timeline: `unsealPeers (7/8): unseal vault-2 and vault-3 and …`. */
export function stepSummary(step: BootstrapStep): string {
  return `${stepLabel(step)}: ${PURPOSE[step]}`;
}

/** The bootstrap run's one-line static summary (the list page and the run's header). */
export function bootstrapRunSummary(stack: string): string {
  return `Bootstrap Vault stack ${stack}`;
}

/** The bootstrap run's static details: what it is and how to follow it from a shell. */
export function bootstrapRunDetails(stack: string, taskQueue: string): string {
  // The UI breaks lines where the text does: a paragraph is one line.
  return [
    `Bootstraps the Vault stack **${stack}** on Docker Swarm (task queue \`${taskQueue}\`): the steps below, in ` +
      'order, each an idempotent activity; a run that stops part-way resumes at the first step without a ' +
      'completion. The current details show which step runs now and what each finished step did.',
    '',
    ...NUMBERED.map((s, i) => `${i + 1}. \`${s}\`: ${PURPOSE[s]}`),
    '',
    `From a shell: \`vault-bootstrap status --stack ${stack}\`.`,
  ].join('\n');
}

/** The bootstrap run's current details: the step running now, then one line per step. */
export function bootstrapProgressDetails(stack: string, progress: readonly StepProgress[]): string {
  const running = progress.find((p) => p.status === 'running');
  const failed = progress.find((p) => p.status === 'failed');
  const head = failed
    ? `failed at ${stepLabel(failed.step)}`
    : running
      ? `running ${stepLabel(running.step)}`
      : progress.every((p) => p.status === 'done')
        ? 'done'
        : 'starting';
  const rows = progress.map((p) => {
    const note = p.status === 'failed' ? (p.error ?? '') : (p.summary ?? '');
    return `- \`${p.step}\` ${p.status}${note ? `: ${oneLine(note)}` : ''}`;
  });
  return [`**Bootstrap Vault stack ${stack}**: ${head}`, '', ...rows].join('\n');
}

/** Why a health run ran: the schedule, a Vault task's start, an operator's `verify`, or a hold's release. */
export type HealthTrigger = 'scheduled' | 'task start' | 'recheck' | 'on demand' | 'release';

/** A health run's one-line static summary: `Health iklimco (scheduled)`. */
export function healthRunSummary(stack: string, trigger: HealthTrigger): string {
  return `Health ${stack} (${trigger})`;
}

/** A health run's outcome in one line: `Health iklimco: Degraded — NodeSealed vault-2, …`. */
export function healthVerdictLine(report: Pick<HealthReport, 'stack' | 'verdict' | 'findings'>): string {
  const findings = report.findings.map((f) => (f.node ? `${f.code} ${f.node}` : f.code));
  return `Health ${report.stack}: ${report.verdict}${findings.length ? ` — ${findings.join(', ')}` : ''}`;
}

/** A health run's current details: the verdict line, the hold, then what remediation did and what failed. */
export function healthDetails(
  report: Pick<HealthReport, 'stack' | 'verdict' | 'findings' | 'actions' | 'actionFailures' | 'hold'>,
): string {
  const lines = [`**${healthVerdictLine(report)}**`];
  if (report.hold) lines.push('', `${holdLine(report.hold)}: reported only, nothing done`);
  if (report.findings.length)
    lines.push('', ...report.findings.map((f) => `- ${f.code}: ${oneLine(f.detail)}`));
  if (report.actions.length) lines.push('', 'Actions:', ...report.actions.map((a) => `- ${oneLine(a)}`));
  if (report.actionFailures?.length)
    lines.push('', 'Failed actions:', ...report.actionFailures.map((a) => `- ${oneLine(a)}`));
  return lines.join('\n');
}

/** A hold in one line: `Held since 2026-11-30T12:00:00Z by ana: disk replacement on node 2`. */
export function holdLine(hold: StackHold): string {
  return `Held since ${hold.since}${hold.by ? ` by ${hold.by}` : ''}: ${oneLine(hold.reason)}`;
}

/** A hold's one-line static summary: `Hold iklimco: disk replacement on node 2`. */
export function holdRunSummary(stack: string, hold: StackHold): string {
  return `Hold ${stack}: ${oneLine(hold.reason)}`;
}

/** A hold run's current details while it lasts: what it does and how it ends. */
export function heldDetails(stack: string, hold: StackHold): string {
  return [
    `**${holdLine(hold)}**`,
    '',
    `Health runs of ${stack} report and never act; the task-start watcher starts no check.`,
    `\`vault-bootstrap release --stack ${stack}\` ends the hold and checks (and heals) at once.`,
  ].join('\n');
}

/** The task-start watcher's static summary. */
export function watcherRunSummary(stack: string): string {
  return `Watch Vault task starts of ${stack}`;
}

/** Why a backup or a restore drill ran: its schedule, or an operator's `backup now` / `backup drill`. */
export type BackupTrigger = 'scheduled' | 'on demand';

/** A backup run's one-line static summary: `Backup iklimco (scheduled)`. */
export function backupRunSummary(stack: string, trigger: BackupTrigger): string {
  return `Backup ${stack} (${trigger})`;
}

/** A restore drill's one-line static summary: `Restore drill iklimco (on demand)`. */
export function drillRunSummary(stack: string, trigger: BackupTrigger): string {
  return `Restore drill ${stack} (${trigger})`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
