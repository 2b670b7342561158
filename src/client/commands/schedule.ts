/**
 * `vault-bootstrap schedule ACTION` and `backup schedule ACTION`: the stack's schedules, as a table of the two
 * kinds (`SCHEDULE_KINDS`) and the six actions written once over it (`SCHEDULE_COMMANDS`).
 * - `health`: a `VerifyVaultHealth` every `VAULT_HEALTH_INTERVAL`, and with it the Docker-events watcher
 *   (`WatchVaultTasks`), which checks right after a Vault task starts.
 * - `backup`: a `BackupVault` every `VAULT_BACKUP_INTERVAL` and a `RestoreDrill` every `VAULT_DRILL_INTERVAL`
 *   (docs/backups.md); `off` makes `create` delete the drill schedule, so the configuration says what runs.
 * What each schedule is (`healthSchedule`, `backupSchedule`, `drillSchedule`) is pure, so what `create` sends
 * is testable without a server.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type {
  Client,
  ScheduleHandle,
  ScheduleOptionsStartWorkflowAction,
  ScheduleUpdateOptions,
  Workflow,
} from '@temporalio/client';
import type { ClientConfig } from '../../config/client';
import type { ScheduleAction } from '../grammar';
import type { HealthInput } from '../../shared/health';
import {
  backupRunSummary,
  drillRunSummary,
  healthRunSummary,
  watcherRunSummary,
} from '../../shared/run-text';
import { backupWorkflowIds, healthWorkflowIds, legacyHealthWorkflowIds } from '../../shared/workflow-ids';
import { BackupVault, RestoreDrill, VerifyVaultHealth, WatchVaultTasks } from '../../workflows';
import type { CommandContext } from '../context';
import { formatScheduleDescription } from '../format';
import type { ScheduleView } from '../format';
import { EXIT } from '../grammar';
import { emit } from '../output';

/**
 * What `create` sets on a new or existing schedule of `W`: when (`spec`), what it starts and its policies.
 * Its state is set on creation only, so a paused schedule stays paused.
 */
export type ScheduleSpec<W extends Workflow = Workflow> = Pick<
  ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>,
  'spec' | 'action' | 'policies'
>;

/** The input of every VerifyVaultHealth the client starts (`verify`, the schedule), from `VAULT_HEALTH_*`. */
export function healthInput(config: ClientConfig, stack: string): HealthInput {
  return { stack, remediate: config.health.remediate, certExpiryWarnDays: config.health.certExpiryWarnDays };
}

/**
 * Every `VAULT_HEALTH_INTERVAL` with `VAULT_HEALTH_JITTER`, a VerifyVaultHealth with the configured input under
 * `vault-health:<stack>` (the server appends the time). Never two at once: a run still going when the next
 * is due makes the next one skip.
 */
export function healthSchedule(config: ClientConfig, stack: string): ScheduleSpec<typeof VerifyVaultHealth> {
  return {
    spec: { intervals: [{ every: config.health.interval }], jitter: config.health.jitter },
    action: {
      type: 'startWorkflow',
      workflowType: VerifyVaultHealth,
      taskQueue: config.temporal.taskQueue,
      workflowId: healthWorkflowIds(stack).scheduled,
      args: [healthInput(config, stack)],
      staticSummary: healthRunSummary(stack, 'scheduled'),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false },
  };
}

/**
 * The backup schedules' policies: never two at once, a run missed while the server was down made up if it is
 * at most 10 minutes late (later, the next one is as good), and a failed run does not pause the schedule (the
 * next one may well succeed: the storage mount is back).
 */
const BACKUP_POLICIES = {
  overlap: ScheduleOverlapPolicy.SKIP,
  catchupWindow: '10 minutes',
  pauseOnFailure: false,
} as const;

/** Every `VAULT_BACKUP_INTERVAL`, a `BackupVault` of the stack under `vault-backup:<stack>`. */
export function backupSchedule(config: ClientConfig, stack: string): ScheduleSpec<typeof BackupVault> {
  return {
    spec: { intervals: [{ every: config.backup.interval }] },
    action: {
      type: 'startWorkflow',
      workflowType: BackupVault,
      taskQueue: config.temporal.taskQueue,
      workflowId: backupWorkflowIds(stack).backupSchedule,
      args: [{ stack }],
      staticSummary: backupRunSummary(stack, 'scheduled'),
    },
    policies: BACKUP_POLICIES,
  };
}

/** Every `VAULT_DRILL_INTERVAL`, a `RestoreDrill` of the stack under `vault-drill:<stack>`; none when `off`. */
export function drillSchedule(
  config: ClientConfig,
  stack: string,
): ScheduleSpec<typeof RestoreDrill> | undefined {
  const every = config.backup.drillInterval;
  if (every === undefined) return undefined;
  return {
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: RestoreDrill,
      taskQueue: config.temporal.taskQueue,
      workflowId: backupWorkflowIds(stack).drillSchedule,
      args: [{ stack }],
      staticSummary: drillRunSummary(stack, 'scheduled'),
    },
    policies: BACKUP_POLICIES,
  };
}

/** One schedule of a kind, as configuration makes it. */
export interface Schedule {
  id: string;
  /** What it should be; `undefined` when configuration turns it off, and `create` deletes it. */
  wanted: ScheduleSpec | undefined;
  /** The note its state gets on creation. */
  note: string;
  /** What `create` says of it in brackets: how often it runs, or why it is off. */
  about: string;
}

/** A kind of schedule: what every action goes through, and where the kinds differ. */
export interface ScheduleKind {
  /**
   * The kind's schedules, in the order every action goes through them; `trigger` runs the first. All of
   * them, whatever configuration says now: a drill schedule made before `VAULT_DRILL_INTERVAL=off` is still
   * paused, described and deleted.
   */
  schedules(config: ClientConfig, stack: string): [Schedule, ...Schedule[]];
  /** How `trigger` names the one run it starts. */
  oneRun: string;
  /**
   * Set when an action skips a schedule that is not created and says so (`trigger` then exits 1 and prints
   * `triggerHint`); unset, the action fails with `ScheduleNotFoundError`. `delete` takes it as done either way.
   */
  skipsMissing?: { triggerHint: string };
  /** The health check's Docker-events watcher: `create` starts it, `delete` stops it, with the schedule. */
  watcher?: boolean;
}

/** The two kinds: `schedule ACTION` acts on `health`, `backup schedule ACTION` on `backup`. */
export const SCHEDULE_KINDS = {
  health: {
    schedules: (config, stack) => [
      {
        id: healthWorkflowIds(stack).schedule,
        wanted: healthSchedule(config, stack),
        note: `Vault health of ${stack}`,
        about: `every ${config.health.interval}, jitter ${config.health.jitter}`,
      },
    ],
    oneRun: 'one run',
    watcher: true,
  },
  backup: {
    schedules: (config, stack) => [
      {
        id: backupWorkflowIds(stack).backupSchedule,
        wanted: backupSchedule(config, stack),
        note: `Backups of ${stack}`,
        about: `a backup every ${config.backup.interval}`,
      },
      {
        id: backupWorkflowIds(stack).drillSchedule,
        wanted: drillSchedule(config, stack),
        note: `Restore drills of ${stack}`,
        about: config.backup.drillInterval
          ? `a restore drill every ${config.backup.drillInterval}`
          : 'VAULT_DRILL_INTERVAL=off',
      },
    ],
    oneRun: 'one backup',
    skipsMissing: { triggerHint: 'backup schedule create makes it; backup now runs one without it' },
  },
} satisfies Record<string, ScheduleKind>;

export type ScheduleKindName = keyof typeof SCHEDULE_KINDS;

/** Each schedule action, over any kind; every action the parser accepts has one. */
export const SCHEDULE_COMMANDS: Record<
  ScheduleAction,
  (ctx: CommandContext, kind: ScheduleKind) => Promise<number>
> = {
  create,
  describe: (ctx, kind) =>
    forEach(ctx, kind, 'not created', async (h, id) => {
      const d = await h.describe();
      return { text: formatScheduleDescription(id, d), json: scheduleJson(id, d) };
    }),
  pause: (ctx, kind) =>
    forEach(ctx, kind, 'not created, skipped', (h, id) =>
      h
        .pause('paused from vault-bootstrap')
        .then(() => said(`schedule ${id}: paused`, { id, state: 'paused' })),
    ),
  unpause: (ctx, kind) =>
    forEach(ctx, kind, 'not created, skipped', (h, id) =>
      h
        .unpause('unpaused from vault-bootstrap')
        .then(() => said(`schedule ${id}: active`, { id, state: 'active' })),
    ),
  trigger,
  delete: remove,
};

/** What an action says of one schedule: a line of text, and the same as JSON. */
interface Said {
  text: string;
  json: Record<string, unknown>;
}

function said(text: string, json: Record<string, unknown>): Said {
  return { text, json };
}

/** Prints what the action said of each schedule: its text, one schedule at a time, or `{ stack, schedules }` as JSON. */
function report(ctx: CommandContext, all: readonly Said[]): void {
  if (ctx.output === 'json') emit(ctx, { stack: ctx.stack, schedules: all.map((a) => a.json) }, () => '');
  else for (const a of all) console.log(a.text);
}

/** A schedule's description as `describe -o json` prints it. */
function scheduleJson(id: string, d: ScheduleView): Record<string, unknown> {
  return {
    id,
    state: d.state.paused ? 'paused' : 'active',
    ...(d.state.note ? { note: d.state.note } : {}),
    actionsTaken: d.info.numActionsTaken,
    skippedForOverlap: d.info.numActionsSkippedOverlap,
    recentRuns: d.info.recentActions.map((a) => ({
      at: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    nextTimes: d.info.nextActionTimes.slice(0, 3).map((n) => n.toISOString()),
  };
}

/**
 * Runs `schedule <action>` (kind `health`) or `backup schedule <action>` (kind `backup`);
 * resolves with the exit code.
 */
export function schedule(
  ctx: CommandContext,
  kind: ScheduleKindName,
  action: ScheduleAction,
): Promise<number> {
  return SCHEDULE_COMMANDS[action](ctx, SCHEDULE_KINDS[kind]);
}

/** `create`: each schedule made what configuration says (idempotent), then the watcher, if the kind has one. */
async function create(ctx: CommandContext, kind: ScheduleKind): Promise<number> {
  const { client, config, stack } = ctx;
  const out: Said[] = [];
  for (const { id, wanted, note, about } of kind.schedules(config, stack)) {
    let done;
    if (wanted) done = await upsertSchedule(client, id, wanted, note);
    else done = (await deleteSchedule(client, id)) ? 'deleted' : 'none';
    out.push(said(`schedule ${id}: ${done} (${about})`, { id, outcome: done, about }));
  }
  if (kind.watcher) {
    const { watcher } = healthWorkflowIds(stack);
    await client.workflow.start(WatchVaultTasks, {
      taskQueue: config.temporal.taskQueue,
      workflowId: watcher,
      args: [{ stack }],
      staticSummary: watcherRunSummary(stack),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    out.push(
      said(`watcher ${watcher}: running (checks right after a Vault task starts)`, {
        id: watcher,
        outcome: 'running',
      }),
    );
  }
  report(ctx, out);
  return EXIT.ok;
}

/** `trigger`: one run of the kind's first schedule now (skipped if one is running); 3 when it is not created. */
async function trigger(ctx: CommandContext, kind: ScheduleKind): Promise<number> {
  const [{ id }] = kind.schedules(ctx.config, ctx.stack);
  try {
    await ctx.client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError) || !kind.skipsMissing) throw err;
    // Nothing ran, so a script that asked for a run must not read success.
    console.error(
      `vault-bootstrap: schedule ${id} is not created, nothing triggered (${kind.skipsMissing.triggerHint})`,
    );
    return EXIT.notFound;
  }
  report(ctx, [said(`schedule ${id}: triggered ${kind.oneRun}`, { id, outcome: 'triggered' })]);
  return EXIT.ok;
}

/**
 * `delete`: each schedule gone, whether it was there or not; runs they started go on. The health check's
 * watcher goes too, and the schedule and watcher an earlier version made under the ids without the `:`
 * separator, so `delete` + `create` migrates a stack. The client asks before (`--yes` does not).
 */
async function remove(ctx: CommandContext, kind: ScheduleKind): Promise<number> {
  if (!kind.watcher)
    return forEach(ctx, kind, 'not created, skipped', (h, id) =>
      h.delete().then(() => said(`schedule ${id}: deleted`, { id, outcome: 'deleted' })),
    );
  const { client, stack } = ctx;
  const ids = healthWorkflowIds(stack);
  for (const { schedule, watcher } of [ids, legacyHealthWorkflowIds(stack)]) {
    await deleteSchedule(client, schedule);
    await client.workflow
      .getHandle<typeof WatchVaultTasks>(watcher)
      .terminate('schedule deleted')
      .catch(() => undefined);
  }
  report(ctx, [
    said(`schedule ${ids.schedule} and watcher ${ids.watcher}: deleted`, {
      id: ids.schedule,
      watcher: ids.watcher,
      outcome: 'deleted',
    }),
  ]);
  return EXIT.ok;
}

/**
 * Prints what `act` says of each of the kind's schedules. One that is not created fails the action, or, when
 * the kind skips it, says `schedule <id>: <missing>`.
 */
async function forEach(
  ctx: CommandContext,
  kind: ScheduleKind,
  missing: string,
  act: (handle: ScheduleHandle, id: string) => Promise<Said>,
): Promise<number> {
  const out: Said[] = [];
  for (const { id } of kind.schedules(ctx.config, ctx.stack)) {
    try {
      out.push(await act(ctx.client.schedule.getHandle(id), id));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError) || !kind.skipsMissing) throw err;
      out.push(said(`schedule ${id}: ${missing}`, { id, outcome: missing }));
    }
  }
  report(ctx, out);
  return EXIT.ok;
}

/**
 * Makes the schedule `scheduleId` what `wanted` says: updates it when it exists (keeping its state, so a
 * paused one stays paused), creates it with `note` otherwise. Resolves with which it did.
 */
async function upsertSchedule(
  client: Client,
  scheduleId: string,
  wanted: ScheduleSpec,
  note: string,
): Promise<'created' | 'updated'> {
  const update = () => client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, ...wanted }));
  try {
    await update();
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  try {
    await client.schedule.create({ scheduleId, ...wanted, state: { note } });
    return 'created';
  } catch (raced) {
    // Another `create` (a second init-infra-prod.sh) made it between our update and create.
    if (!(raced instanceof ScheduleAlreadyRunning)) throw raced;
    await update();
    return 'updated';
  }
}

/** Deletes the schedule `scheduleId`; resolves with whether there was one. */
function deleteSchedule(client: Client, scheduleId: string): Promise<boolean> {
  return client.schedule
    .getHandle(scheduleId)
    .delete()
    .then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        return false;
      },
    );
}
