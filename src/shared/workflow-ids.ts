/**
 * Every workflow and schedule id the worker, the workflows and the client use, built from the stack name.
 * Kind and stack are joined by `ID_SEPARATOR` (`:`), which a stack name cannot contain, so no id of one stack
 * equals or prefixes an id of another; the ids that predate it keep their first format (said where). Workflows
 * import this module: sandbox-safe, no Node builtins.
 */
import { ID_SEPARATOR as SEP } from './names';

/** The id of a stack's `BootstrapVault` (one per stack: a second `bootstrap` attaches to it). */
export function bootstrapWorkflowId(stack: string): string {
  return `vault-bootstrap-${stack}`;
}

/**
 * The ids of a stack's health workflows. Before the separator, stack `x`'s watcher `vault-health-watch-x` was
 * stack `watch-x`'s scheduled run id.
 * - `schedule`, `scheduled`: the schedule and the workflow id its runs get (the server appends the time).
 * - `watcher`: the `WatchVaultTasks` workflow.
 * - `event`: the prefix of the `VerifyVaultHealth` children the watcher starts (`<event>-<run8>-<i>`). Kept in
 *   its first format: it is part of the commands recorded in running watchers' histories (a change would fail
 *   their replay), and it is unambiguous already, being the only id that starts `vault-health-event-`.
 */
export function healthWorkflowIds(stack: string): {
  schedule: string;
  scheduled: string;
  watcher: string;
  event: string;
} {
  return {
    schedule: `vault-health${SEP}${stack}`,
    scheduled: `vault-health${SEP}${stack}`,
    watcher: `vault-health-watch${SEP}${stack}`,
    event: `vault-health-event-${stack}`,
  };
}

/**
 * The ids `schedule create` used before the `:` separator, which `schedule delete` also removes so that an
 * existing schedule and watcher do not keep running beside the new ones (README, "Health verification").
 */
export function legacyHealthWorkflowIds(stack: string): { schedule: string; watcher: string } {
  return { schedule: `vault-health-${stack}`, watcher: `vault-health-watch-${stack}` };
}

/** The id of a stack's `HoldVaultStack` workflow: running while an operator holds the stack. */
export function holdWorkflowId(stack: string): string {
  return `vault-hold${SEP}${stack}`;
}

/** The id of the check a release starts (`<hold run's first 8 characters>` keeps each release's apart). */
export function releaseCheckWorkflowId(stack: string, holdRunId: string): string {
  return `vault-health-release${SEP}${stack}-${holdRunId.slice(0, 8)}`;
}

/**
 * The ids of a stack's backup schedules and the runs they start (the server appends the time to a scheduled
 * run's id).
 * - `drill`: the one id under which a stack's restore drill runs, whoever asked (`backup drill`, or a scheduled
 *   run, which hands the drill to a child of this id): two drills of a stack never run at once, so neither
 *   removes the other's throwaway stack. `backup drill` attaches to one running; a scheduled run waits for it.
 * - `drillNow`: the ids `backup drill` gave before `drill` (each call its own); no longer started.
 * - `list`: a `ListVaultSnapshots` of `backup list`, one per call.
 */
export function backupWorkflowIds(stack: string): {
  backupSchedule: string;
  drillSchedule: string;
  backupNow: (at: number) => string;
  drill: string;
  drillNow: (at: number) => string;
  list: (at: number) => string;
} {
  return {
    backupSchedule: `vault-backup${SEP}${stack}`,
    drillSchedule: `vault-drill${SEP}${stack}`,
    backupNow: (at) => `vault-backup-now${SEP}${stack}${SEP}${at}`,
    drill: `vault-drill-run${SEP}${stack}`,
    drillNow: (at) => `vault-drill-now${SEP}${stack}${SEP}${at}`,
    list: (at) => `vault-backup-list${SEP}${stack}${SEP}${at}`,
  };
}

/** The id of a stack's `RestoreVault` (one at a time: a second `restore` attaches to it). */
export function restoreWorkflowId(stack: string): string {
  return `vault-restore${SEP}${stack}`;
}

/** The id of one `BreakGlassRootToken` (`root-token`), started at `at`: each call its own. */
export function breakGlassWorkflowId(stack: string, at: Date): string {
  return `${breakGlassWorkflowIdPrefix(stack)}${at.toISOString()}`;
}

/** What every `breakGlassWorkflowId` of `stack` starts with, and no other stack's does. */
export function breakGlassWorkflowIdPrefix(stack: string): string {
  return `vault-break-glass${SEP}${stack}${SEP}`;
}

/** The id of a stack's `RepairVaultCredentials` (`credentials repair`): one at a time per stack. */
export function credentialsRepairWorkflowId(stack: string): string {
  return `vault-credentials-repair${SEP}${stack}`;
}

/** The id of one `RunVaultCommand` (`exec`), started at `at`: each call its own. */
export function vaultCommandWorkflowId(stack: string, at: Date): string {
  return `vault-exec${SEP}${stack}${SEP}${at.toISOString()}`;
}

/** The id of one `DiagnoseVaultStack` (`doctor`), started at `at`: each call its own. */
export function diagnoseWorkflowId(stack: string, at: Date): string {
  return `vault-doctor${SEP}${stack}${SEP}${at.toISOString()}`;
}

/**
 * The id of a stack's `RekeyVault` (one rotation of a stack at a time: a second `rekey` attaches to it), and the
 * ids of the backup and the drill it runs as children.
 */
export function rekeyWorkflowIds(stack: string): { rekey: string; backup: string; drill: string } {
  const rekey = `vault-rekey${SEP}${stack}`;
  return { rekey, backup: `${rekey}${SEP}backup`, drill: `${rekey}${SEP}drill` };
}

/** The id of a stack's `UpgradeVault` (one at a time: a second `upgrade` follows it), and its children's. */
export function upgradeWorkflowIds(stack: string): { upgrade: string; backup: string; drill: string } {
  const upgrade = `vault-upgrade${SEP}${stack}`;
  return { upgrade, backup: `${upgrade}${SEP}backup`, drill: `${upgrade}${SEP}drill` };
}
