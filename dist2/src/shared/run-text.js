"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.stepLabel = stepLabel;
exports.stepSummary = stepSummary;
exports.bootstrapRunSummary = bootstrapRunSummary;
exports.bootstrapRunDetails = bootstrapRunDetails;
exports.bootstrapProgressDetails = bootstrapProgressDetails;
exports.healthRunSummary = healthRunSummary;
exports.healthVerdictLine = healthVerdictLine;
exports.healthDetails = healthDetails;
exports.holdLine = holdLine;
exports.holdRunSummary = holdRunSummary;
exports.heldDetails = heldDetails;
exports.watcherRunSummary = watcherRunSummary;
exports.backupRunSummary = backupRunSummary;
exports.drillRunSummary = drillRunSummary;
const steps_1 = require("./steps");
/** The eight numbered steps: the bootstrap without its preflight and the final root-token revocation. */
const NUMBERED = steps_1.BOOTSTRAP_STEPS.filter((s) => s !== 'preflight' && s !== 'revokeRootToken');
/** What each step does, in a few words (the timeline's activity summary adds it to the step's name). */
const PURPOSE = {
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
function stepLabel(step) {
    const n = NUMBERED.indexOf(step);
    if (n >= 0)
        return `${step} (${n + 1}/${NUMBERED.length})`;
    return step === 'preflight'
        ? `${step} (before 1/${NUMBERED.length})`
        : `${step} (after ${NUMBERED.length}/${NUMBERED.length})`;
}
/** The activity summary on the run's timeline: `unsealPeers (7/8): unseal vault-2 and vault-3 and …`. */
function stepSummary(step) {
    return `${stepLabel(step)}: ${PURPOSE[step]}`;
}
/** The bootstrap run's one-line static summary (the list page and the run's header). */
function bootstrapRunSummary(stack) {
    return `Bootstrap Vault stack ${stack}`;
}
/** The bootstrap run's static details: what it is and how to follow it from a shell. */
function bootstrapRunDetails(stack, taskQueue) {
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
function bootstrapProgressDetails(stack, progress) {
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
/** A health run's one-line static summary: `Health iklimco (scheduled)`. */
function healthRunSummary(stack, trigger) {
    return `Health ${stack} (${trigger})`;
}
/** A health run's outcome in one line: `Health iklimco: Degraded — NodeSealed vault-2, …`. */
function healthVerdictLine(report) {
    const findings = report.findings.map((f) => (f.node ? `${f.code} ${f.node}` : f.code));
    return `Health ${report.stack}: ${report.verdict}${findings.length ? ` — ${findings.join(', ')}` : ''}`;
}
/** A health run's current details: the verdict line, the hold, then what remediation did and what failed. */
function healthDetails(report) {
    const lines = [`**${healthVerdictLine(report)}**`];
    if (report.hold)
        lines.push('', `${holdLine(report.hold)}: reported only, nothing done`);
    if (report.findings.length)
        lines.push('', ...report.findings.map((f) => `- ${f.code}: ${oneLine(f.detail)}`));
    if (report.actions.length)
        lines.push('', 'Actions:', ...report.actions.map((a) => `- ${oneLine(a)}`));
    if (report.actionFailures?.length)
        lines.push('', 'Failed actions:', ...report.actionFailures.map((a) => `- ${oneLine(a)}`));
    return lines.join('\n');
}
/** A hold in one line: `Held since 2026-11-30T12:00:00Z by ana: disk replacement on node 2`. */
function holdLine(hold) {
    return `Held since ${hold.since}${hold.by ? ` by ${hold.by}` : ''}: ${oneLine(hold.reason)}`;
}
/** A hold's one-line static summary: `Hold iklimco: disk replacement on node 2`. */
function holdRunSummary(stack, hold) {
    return `Hold ${stack}: ${oneLine(hold.reason)}`;
}
/** A hold run's current details while it lasts: what it does and how it ends. */
function heldDetails(stack, hold) {
    return [
        `**${holdLine(hold)}**`,
        '',
        `Health runs of ${stack} report and never act; the task-start watcher starts no check.`,
        `\`vault-bootstrap release --stack ${stack}\` ends the hold and checks (and heals) at once.`,
    ].join('\n');
}
/** The task-start watcher's static summary. */
function watcherRunSummary(stack) {
    return `Watch Vault task starts of ${stack}`;
}
/** A backup run's one-line static summary: `Backup iklimco (scheduled)`. */
function backupRunSummary(stack, trigger) {
    return `Backup ${stack} (${trigger})`;
}
/** A restore drill's one-line static summary: `Restore drill iklimco (on demand)`. */
function drillRunSummary(stack, trigger) {
    return `Restore drill ${stack} (${trigger})`;
}
function oneLine(text) {
    return text.replace(/\s+/g, ' ').trim();
}
//# sourceMappingURL=run-text.js.map