/**
 * The command line's grammar: what `vault-bootstrap` accepts, parsed and checked before anything connects.
 * Bad usage is a `UsageError` (exit code 2) whose message names what was wrong, then the usage text.
 */
import { parseArgs } from 'node:util';
import type { ClientConfig } from '../config/client';
import { stackNamesFit, validateStackName } from '../shared/names';
import { ROOT_TOKEN_TTL } from '../shared/inputs';

/** The usage text: printed for `--help` and after every usage error. */
export const USAGE = `usage: vault-bootstrap <bootstrap|status|verify|schedule ACTION|root-token|hold|release|backup now|backup schedule ACTION|backup drill|restore|credentials repair> [--stack NAME] [--wait] [--json] [--ttl DURATION] [--reason TEXT] [--by NAME] [--snapshot FILE]

  bootstrap   start BootstrapVault for the stack, or attach to the one already running
              --wait             follow the progress live and exit non-zero if it fails
  status      show each step of the latest bootstrap of the stack
  verify      run one health check (VerifyVaultHealth) now and print the report (--json: as JSON);
              exit 0 when Healthy, 1 otherwise
  schedule    create | describe | pause | unpause | trigger | delete the periodic health check
              (create is idempotent: it updates an existing schedule, and starts the Docker-events
              watcher that checks right after a Vault task restarts; delete removes both)
  root-token  break glass: a root token made from the unseal key in custody, printed once on stdout
              and revoked when --ttl is over (default 15m; 10s to 24h, e.g. 90s, 30m, 2h)
  hold        --reason TEXT (required) [--by NAME]: an operator is working on the cluster; until
              release, health runs report and never act (a node sealed on purpose stays sealed)
  release     [--by NAME]: end the hold, check and heal at once, print the report (exit as verify)
  backup now  [--wait]: one Raft snapshot of the stack now, into VAULT_BACKUP_DIR/<stack> with its
              manifest, then retention (--wait: until it is written, and print it)
  backup schedule  create | describe | pause | unpause | trigger | delete the stack's two backup
              schedules: a backup every VAULT_BACKUP_INTERVAL and a restore drill every
              VAULT_DRILL_INTERVAL (off: none; create then deletes an existing one); create is
              idempotent, trigger starts one backup now through the schedule
  backup drill  [--wait]: restore the newest snapshot into a throwaway <stack>-drill stack now and read
              its canary back (--wait: until it is done, and print what was restored)
  restore     --snapshot FILE [--wait]: disaster recovery: bring the stack back from nothing (its
              service and volumes gone) from a snapshot in VAULT_BACKUP_DIR/<stack> (or an absolute
              path the worker reads); refused by name, before anything changes, when the snapshot
              does not match its manifest or custody lacks its key (--wait: follow it to the end)
  credentials repair  [--wait]: write again the tool's Vault policies that are missing or changed and
              replace its tokens that are missing or rejected (health reports CredentialMissing or
              CredentialPolicyChanged; nothing repairs them unless asked)

Configuration comes from the environment (see README): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
VAULT_BOOTSTRAP_TASK_QUEUE, VAULT_BOOTSTRAP_STACK, TEMPORAL_UI_URL, TEMPORAL_TLS*, TEMPORAL_API_KEY,
VAULT_HEALTH_INTERVAL, VAULT_HEALTH_JITTER, VAULT_HEALTH_REMEDIATE, VAULT_HEALTH_CERT_WARN_DAYS,
VAULT_BACKUP_INTERVAL, VAULT_DRILL_INTERVAL.`;

/** The command line is malformed: unknown command or option, or a missing action. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The commands, one file each under `commands/`. */
export const COMMANDS = [
  'bootstrap',
  'status',
  'verify',
  'schedule',
  'root-token',
  'hold',
  'release',
  'backup',
  'restore',
  'credentials',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/**
 * The operations on a schedule: the periodic health check's and, under `backup schedule`, the backup and drill
 * schedules' (all in `commands/schedule.ts`).
 */
export const SCHEDULE_ACTIONS = ['create', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

interface Common {
  /** `--stack`, unchecked: it is validated once the configuration (and so the default stack) is known. */
  stack?: string;
}

/** One command, with the flags that command uses. Flags another command uses are accepted and ignored. */
export type Command =
  | (Common & { name: 'bootstrap'; wait: boolean })
  | (Common & { name: 'status' })
  | (Common & { name: 'verify'; json: boolean })
  | (Common & { name: 'schedule'; action: ScheduleAction })
  | (Common & { name: 'root-token'; ttlSeconds: number })
  | (Common & { name: 'hold'; reason: string; by?: string })
  | (Common & { name: 'release'; by?: string })
  | (Common & { name: 'backup'; action: 'now' | 'drill'; wait: boolean })
  | (Common & { name: 'backup'; action: 'schedule'; scheduleAction: ScheduleAction })
  | (Common & { name: 'restore'; snapshot: string; wait: boolean })
  | (Common & { name: 'credentials'; action: 'repair'; wait: boolean });

/**
 * What `backup` does: `now` (one backup), `schedule ACTION` (the backup and drill schedules, in
 * `commands/schedule.ts`) or `drill` (one restore drill), under `commands/backup/`.
 */
export const BACKUP_ACTIONS = ['now', 'schedule', 'drill'] as const;
export type BackupAction = (typeof BACKUP_ACTIONS)[number];

/** The longest `--reason` of `hold`: a line for the UI's list, not a report. */
export const HOLD_REASON_MAX = 200;

/** `--reason` of `hold`: required, one line of at most `HOLD_REASON_MAX` characters; else `UsageError`. */
export function parseHoldReason(text: string | undefined): string {
  const reason = text?.replace(/\s+/g, ' ').trim() ?? '';
  if (!reason || reason.length > HOLD_REASON_MAX)
    throw new UsageError(
      `hold needs --reason: what the operator is doing, 1 to ${HOLD_REASON_MAX} characters\n${USAGE}`,
    );
  return reason;
}

/** `90s`, `30m`, `2h` in seconds, within `ROOT_TOKEN_TTL`; else `UsageError`. */
export function parseTtl(text: string | undefined): number {
  if (text === undefined) return ROOT_TOKEN_TTL.defaultSeconds;
  const m = /^(\d+)(s|m|h)$/.exec(text);
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] : NaN;
  if (!(seconds >= ROOT_TOKEN_TTL.minSeconds && seconds <= ROOT_TOKEN_TTL.maxSeconds))
    throw new UsageError(
      `--ttl ${JSON.stringify(text)}: expected a duration from 10s to 24h such as 90s, 30m or 2h\n${USAGE}`,
    );
  return seconds;
}

/** What the command line asks for: a command to run, or the usage text (exit 0 for `--help`, 2 for nothing). */
export type Invocation = { kind: 'run'; command: Command } | { kind: 'usage'; exitCode: 0 | 2 };

function isCommandName(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

function isScheduleAction(name: string | undefined): name is ScheduleAction {
  return name !== undefined && (SCHEDULE_ACTIONS as readonly string[]).includes(name);
}

function isBackupAction(name: string | undefined): name is BackupAction {
  return name !== undefined && (BACKUP_ACTIONS as readonly string[]).includes(name);
}

/** `<what> needs one of a, b, c` and, when one was given, which: a missing or unknown action. */
function needsOneOf(what: string, choices: readonly string[], got: string | undefined): UsageError {
  const given = got === undefined ? '' : `, not ${JSON.stringify(got)}`;
  return new UsageError(`${what} needs one of ${choices.join(', ')}${given}\n${USAGE}`);
}

/**
 * Parses `argv` (without `node` and the script). Throws `UsageError` for an unknown option, command, backup
 * action or schedule action; reads no configuration and touches nothing.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        stack: { type: 'string' },
        wait: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ttl: { type: 'string' },
        reason: { type: 'string' },
        by: { type: 'string' },
        snapshot: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [name, action, subAction] = positionals;
  if (values.help || name === undefined) return { kind: 'usage', exitCode: values.help ? 0 : 2 };
  if (!isCommandName(name)) throw new UsageError(`unknown command ${JSON.stringify(name)}\n${USAGE}`);
  const stack = values.stack;
  switch (name) {
    case 'bootstrap':
      return { kind: 'run', command: { name, stack, wait: values.wait } };
    case 'status':
      return { kind: 'run', command: { name, stack } };
    case 'verify':
      return { kind: 'run', command: { name, stack, json: values.json } };
    case 'schedule':
      if (!isScheduleAction(action)) throw needsOneOf('schedule', SCHEDULE_ACTIONS, action);
      return { kind: 'run', command: { name, stack, action } };
    case 'root-token':
      return { kind: 'run', command: { name, stack, ttlSeconds: parseTtl(values.ttl) } };
    case 'hold':
      return { kind: 'run', command: { name, stack, reason: parseHoldReason(values.reason), by: values.by } };
    case 'release':
      return { kind: 'run', command: { name, stack, by: values.by } };
    case 'backup':
      if (!isBackupAction(action)) throw needsOneOf('backup', BACKUP_ACTIONS, action);
      if (action !== 'schedule') return { kind: 'run', command: { name, stack, action, wait: values.wait } };
      if (!isScheduleAction(subAction)) throw needsOneOf('backup schedule', SCHEDULE_ACTIONS, subAction);
      return { kind: 'run', command: { name, stack, action, scheduleAction: subAction } };
    case 'restore':
      if (!values.snapshot?.trim())
        throw new UsageError(
          `restore needs --snapshot FILE: a snapshot in the stack's backup folder, or an absolute path\n${USAGE}`,
        );
      return { kind: 'run', command: { name, stack, snapshot: values.snapshot.trim(), wait: values.wait } };
    case 'credentials':
      if (action !== 'repair') throw needsOneOf('credentials', ['repair'], action);
      return { kind: 'run', command: { name, stack, action, wait: values.wait } };
  }
}

/**
 * The stack a command acts on: `--stack`, else `VAULT_BOOTSTRAP_STACK`; a bad name, or one whose secret names
 * would exceed Swarm's limit, is a `ConfigError` for `--stack`.
 */
export function resolveStack(command: Command, config: ClientConfig): string {
  return stackNamesFit(
    config.stack,
    validateStackName(command.stack ?? config.stack.defaultName, '--stack'),
    '--stack',
  );
}
