"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.REMEDIABLE = exports.UNSEAL_FINDINGS = exports.HEALTH_DEFAULTS = void 0;
exports.healthWorkflowIds = healthWorkflowIds;
exports.holdWorkflowId = holdWorkflowId;
exports.releaseCheckWorkflowId = releaseCheckWorkflowId;
exports.legacyHealthWorkflowIds = legacyHealthWorkflowIds;
const names_1 = require("./names");
/** Defaults of `HealthInput` (the client's `VAULT_HEALTH_CERT_WARN_DAYS` default too). */
exports.HEALTH_DEFAULTS = { certExpiryWarnDays: 21, settleSeconds: 30 };
/** A node's findings that call for a re-join and/or an unseal (`remediateNode`, on the main queue). */
exports.UNSEAL_FINDINGS = [
    'NodeSealed',
    'NodeUninitialized',
    'RaftMemberMissing',
];
/** Findings remediation may act on; everything else is reported only. */
exports.REMEDIABLE = [
    'NodeSealed',
    'NodeUninitialized',
    'RaftMemberMissing',
    'CertificateStale',
];
/**
 * The ids of a stack's health workflows. The kind and the stack are joined by `ID_SEPARATOR` (`:`), which a
 * stack name cannot contain, so no id of one stack equals or prefixes an id of another (before, stack `x`'s
 * watcher `vault-health-watch-x` was stack `watch-x`'s scheduled run id).
 * - `schedule`, `scheduled`: the schedule and the workflow id its runs get (the server appends the time).
 * - `watcher`: the `WatchVaultTasks` workflow.
 * - `event`: the prefix of the `VerifyVaultHealth` children the watcher starts (`<event>-<run8>-<i>`). Kept in
 *   its first format: it is part of the commands recorded in running watchers' histories (a change would fail
 *   their replay), and it is unambiguous already, being the only id that starts `vault-health-event-`.
 */
function healthWorkflowIds(stack) {
    return {
        schedule: `vault-health${names_1.ID_SEPARATOR}${stack}`,
        scheduled: `vault-health${names_1.ID_SEPARATOR}${stack}`,
        watcher: `vault-health-watch${names_1.ID_SEPARATOR}${stack}`,
        event: `vault-health-event-${stack}`,
    };
}
/** The id of a stack's `HoldVaultStack` workflow: running while an operator holds the stack. */
function holdWorkflowId(stack) {
    return `vault-hold${names_1.ID_SEPARATOR}${stack}`;
}
/** The id of the check a release starts (`<hold run's first 8 characters>` keeps each release's apart). */
function releaseCheckWorkflowId(stack, holdRunId) {
    return `vault-health-release${names_1.ID_SEPARATOR}${stack}-${holdRunId.slice(0, 8)}`;
}
/**
 * The ids `schedule create` used before the `:` separator, which `schedule delete` also removes so that an
 * existing schedule and watcher do not keep running beside the new ones (README, "Health verification").
 */
function legacyHealthWorkflowIds(stack) {
    return { schedule: `vault-health-${stack}`, watcher: `vault-health-watch-${stack}` };
}
//# sourceMappingURL=health.js.map