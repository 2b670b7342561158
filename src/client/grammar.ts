/**
 * The command line's grammar as data: every flag once (`FLAGS`), every command with the flags it takes, its
 * help and its examples (`COMMANDS`), and the exit codes (`EXIT_CODES`). The parser (`args.ts`), each
 * command's `--help` (`help.ts`) and the README's command and exit-code tables are derived from these tables;
 * nothing else lists a command's flags.
 */
import { ROOT_TOKEN_TTL } from '../shared/inputs';
import { VAULT_COMMANDS_TEXT } from '../shared/vault-commands';

/** `-o/--output`: text for people, or one JSON document on stdout for scripts. */
export type OutputFormat = 'text' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

/** The exit codes, one table for `--help`, the README and the code (`EXIT.*`). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, timedOut: 4, unreachable: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES: readonly { code: ExitCode; meaning: string }[] = [
  { code: EXIT.ok, meaning: 'done: the workflow succeeded, the cluster is Healthy, the action was taken' },
  {
    code: EXIT.failed,
    meaning:
      'the workflow failed (its innermost error is printed, `Type: message`), the cluster is not Healthy, or the action was refused (already held)',
  },
  {
    code: EXIT.usage,
    meaning:
      'bad usage or configuration: nothing was started (a refused confirmation too); Temporal refused the call (permission)',
  },
  {
    code: EXIT.notFound,
    meaning:
      'nothing to act on: no bootstrap run of the stack (`status`), no hold (`release`), no live break-glass token (`root-token revoke`), no schedule (`trigger`)',
  },
  {
    code: EXIT.timedOut,
    meaning: '`--timeout` ran out before the workflow ended; the workflow goes on (`status`, the UI)',
  },
  { code: EXIT.unreachable, meaning: 'Temporal unreachable: the address, TLS, or the server is down' },
];

/** One flag: a boolean when it has no `value` placeholder. The same name means the same thing everywhere. */
export interface FlagSpec {
  short?: string;
  /** The value's placeholder in help (`NAME`, `DURATION`); absent for a boolean flag. */
  value?: string;
  help: string;
  /** Kept for scripts that use it: what to write instead. */
  deprecated?: string;
}

export const FLAGS = {
  stack: {
    value: 'NAME',
    help: 'the stack to act on (default: VAULT_BOOTSTRAP_STACK, else iklimco)',
  },
  wait: { help: 'follow the run to its end and exit as it ended' },
  timeout: {
    value: 'DURATION',
    help: `stop waiting after DURATION (e.g. 90s, 10m, 1h30m) with exit code ${EXIT.timedOut}; the run goes on`,
  },
  ttl: {
    value: 'DURATION',
    help: `how long the token lives before it is revoked, ${ROOT_TOKEN_TTL.minSeconds}s to ${ROOT_TOKEN_TTL.maxSeconds / 3600}h (default ${ROOT_TOKEN_TTL.defaultSeconds / 60}m)`,
  },
  accessor: { value: 'ACCESSOR', help: 'only the token with this accessor (as root-token printed it)' },
  reason: { value: 'TEXT', help: 'what the operator is doing (required, one line, at most 200 characters)' },
  by: { value: 'NAME', help: 'who does it (default: the user running the client)' },
  snapshot: {
    value: 'FILE',
    help: "a snapshot's file name in the stack's backup folder, as `backup list` shows it (no path)",
  },
  image: {
    value: 'IMAGE',
    help: 'the Vault image to run: the repository the stack runs, pinned (a tag other than latest, or a digest)',
  },
  rollback: { help: 'back to the image the service ran before the last upgrade' },
  'node-timeout': {
    value: 'DURATION',
    help: 'how long a replaced node may take to serve before the upgrade stops, 30s to 1h (default 5m)',
  },
  yes: { short: 'y', help: 'do not ask for confirmation (required when stdin is not a terminal)' },
  json: { help: 'print the report as JSON', deprecated: '-o json' },
  output: { short: 'o', value: 'text|json', help: 'text (default), or one JSON document on stdout' },
  address: { value: 'HOST:PORT', help: 'Temporal frontend (overrides TEMPORAL_ADDRESS)' },
  namespace: { value: 'NAME', help: 'Temporal namespace (overrides TEMPORAL_NAMESPACE)' },
  'ui-url': { value: 'URL', help: 'Temporal UI base URL for the links printed (overrides TEMPORAL_UI_URL)' },
  profile: {
    value: 'NAME',
    help: 'profile of the Temporal client config file (overrides TEMPORAL_PROFILE; see TEMPORAL_CONFIG_FILE)',
  },
  help: { short: 'h', help: 'this help' },
  version: { help: "the client's version" },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** The flags every command takes, before or after its words. */
export const GLOBAL_FLAGS: readonly FlagName[] = [
  'output',
  'address',
  'namespace',
  'ui-url',
  'profile',
  'help',
];

/** One command: the words that name it, the flags it takes besides the global ones, its help. */
export interface CommandSpec {
  /** `['backup', 'schedule', 'delete']`. */
  words: readonly string[];
  /** One line, for the list of commands. */
  summary: string;
  /** What it does in more words, for its own help. */
  description?: string;
  flags: readonly FlagName[];
  /** Flags it cannot run without. */
  required?: readonly FlagName[];
  /** It takes the words after `--` (`exec`): their placeholder. */
  rest?: string;
  examples: readonly string[];
  /** A group (`backup`): it needs one more word, its help lists the commands under it. */
  group?: true;
  /**
   * What it asks before it runs (`<stack>` and `<snapshot>` are filled in): it takes `--yes`, which skips the
   * question, and is refused without it when stdin is not a terminal.
   */
  confirm?: string;
}

/** The operations on a schedule, for `schedule` and `backup schedule` alike. */
export const SCHEDULE_ACTIONS = ['create', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

const SCHEDULE_ACTION_HELP: Record<ScheduleAction, { summary: string; flags: readonly FlagName[] }> = {
  create: {
    summary: 'create, or update to the current settings (idempotent; a paused one stays paused)',
    flags: ['stack'],
  },
  describe: { summary: 'whether active, its runs so far and its next times', flags: ['stack'] },
  pause: { summary: 'stop starting runs until unpause', flags: ['stack'] },
  unpause: { summary: 'start runs again', flags: ['stack'] },
  trigger: {
    summary: `start one run now (exit ${EXIT.notFound} when the schedule is not created)`,
    flags: ['stack'],
  },
  delete: {
    summary: 'delete it (asks first; --yes does not); runs it started go on',
    flags: ['stack', 'yes'],
  },
};

function scheduleCommands(group: readonly string[], what: string, about: string): CommandSpec[] {
  return SCHEDULE_ACTIONS.map((action) => ({
    words: [...group, action],
    summary: `${SCHEDULE_ACTION_HELP[action].summary}: ${what}`,
    description: about,
    flags: SCHEDULE_ACTION_HELP[action].flags,
    ...(action === 'delete' ? { confirm: `delete ${what} of stack <stack>` } : {}),
    examples: [
      `vault-bootstrap ${[...group, action].join(' ')} --stack iklimco${action === 'delete' ? ' --yes' : ''}`,
    ],
  }));
}

/** A group of commands (`backup`): only a name and what its commands are about. */
function group(words: readonly string[], summary: string): CommandSpec {
  return { words, summary, group: true, flags: [], examples: [] };
}

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['bootstrap'],
    summary: 'start BootstrapVault for the stack, or attach to the run already going',
    description:
      'A second call while a run goes attaches to it; a call after it ended starts a fresh run, which changes ' +
      'nothing on a bootstrapped cluster. With --wait: one line per step as it changes, a line when no worker ' +
      'polls the task queue, the attempt and last error of a step being retried; exit 1 when it fails.',
    flags: ['stack', 'wait', 'timeout'],
    examples: [
      'vault-bootstrap bootstrap --stack iklimco --wait',
      'vault-bootstrap bootstrap --stack iklimco --wait --timeout 15m',
    ],
  },
  {
    words: ['status'],
    summary: 'each step of the latest bootstrap of the stack: status, time, attempt, summary',
    description: `Exit 1 when the run failed, was terminated or timed out; ${EXIT.notFound} when the stack has no bootstrap run.`,
    flags: ['stack'],
    examples: ['vault-bootstrap status --stack iklimco', 'vault-bootstrap status --stack iklimco -o json'],
  },
  {
    words: ['verify'],
    summary: 'run one health check (VerifyVaultHealth) now and print its report',
    description:
      'Exit 0 when the verdict is Healthy, 1 otherwise. It heals what is safe to heal, as VAULT_HEALTH_REMEDIATE says.',
    flags: ['stack', 'json'],
    examples: ['vault-bootstrap verify --stack iklimco', 'vault-bootstrap verify --stack iklimco -o json'],
  },
  group(['schedule'], 'the periodic health check and its Docker-events watcher'),
  ...scheduleCommands(
    ['schedule'],
    'the health check schedule',
    'The health check every VAULT_HEALTH_INTERVAL (VAULT_HEALTH_JITTER), and the watcher that checks right after ' +
      'a Vault task restarts: create starts it, delete removes it with the schedule.',
  ),
  {
    words: ['root-token'],
    summary: 'break glass: a root token from the unseal key in custody, revoked when --ttl is over',
    description:
      'The token is printed once on stdout (the accessor and revocation time on stderr). It is encrypted by the ' +
      'worker to VAULT_BOOTSTRAP_BREAK_GLASS_KEY, whose public half the worker must pin.',
    flags: ['stack', 'ttl', 'timeout'],
    examples: [
      'vault-bootstrap root-token --stack iklimco --ttl 15m',
      'VAULT_TOKEN=$(vault-bootstrap root-token --stack iklimco --ttl 1h30m)',
    ],
  },
  {
    words: ['root-token', 'revoke'],
    summary: 'revoke break-glass tokens of the stack now, before their TTL',
    description:
      'Signals the running BreakGlassRootToken workflows of the stack and waits until each says its token is ' +
      `revoked: the one that issued --accessor, or every live one. Exit ${EXIT.notFound} when there is none.`,
    flags: ['stack', 'accessor', 'timeout'],
    examples: [
      'vault-bootstrap root-token revoke --stack iklimco',
      'vault-bootstrap root-token revoke --stack iklimco --accessor Xy3kQ0Ld9VbNwz1h8Ptfa2Rc',
    ],
  },
  {
    words: ['hold'],
    summary: 'an operator works on the cluster: until release, health runs report and never act',
    description: 'A node sealed on purpose stays sealed. Exit 1 when the stack is already held.',
    flags: ['stack', 'reason', 'by'],
    required: ['reason'],
    examples: ['vault-bootstrap hold --stack iklimco --reason "disk swap on node 2"'],
  },
  {
    words: ['release'],
    summary: 'end the hold, check and heal at once, print the report',
    description:
      'Waits for the check the release runs, which waits for autopilot to settle after it healed (at most its ' +
      `server stabilization time). Exit 0 when that check is Healthy, 1 otherwise, ${EXIT.notFound} when the stack is not held.`,
    flags: ['stack', 'by', 'timeout'],
    examples: ['vault-bootstrap release --stack iklimco'],
  },
  group(['backup'], 'Raft snapshots of the stack: now, listed, drilled, scheduled'),
  {
    words: ['backup', 'now'],
    summary: 'one Raft snapshot now into VAULT_BACKUP_DIR/<stack> with its manifest, then retention',
    flags: ['stack', 'wait', 'timeout'],
    examples: ['vault-bootstrap backup now --stack iklimco --wait'],
  },
  {
    words: ['backup', 'list'],
    summary: "the stack's snapshots, newest first, with their manifest status (read by the worker)",
    description:
      'Each snapshot with when it was taken, its size and whether the file matches its manifest; the files ' +
      'skipped (a manifest unreadable, unsigned, forged or of another cluster) with why.',
    flags: ['stack'],
    examples: [
      'vault-bootstrap backup list --stack iklimco',
      'vault-bootstrap backup list --stack iklimco -o json',
    ],
  },
  {
    words: ['backup', 'drill'],
    summary: 'restore the newest snapshot into a throwaway <stack>-drill stack now and read its canary back',
    flags: ['stack', 'wait', 'timeout'],
    examples: ['vault-bootstrap backup drill --stack iklimco --wait'],
  },
  group(['backup', 'schedule'], 'the backup and restore drill schedules'),
  ...scheduleCommands(
    ['backup', 'schedule'],
    'the backup and drill schedules',
    'A backup every VAULT_BACKUP_INTERVAL and a restore drill every VAULT_DRILL_INTERVAL (off: none, and create ' +
      'deletes an existing one); trigger starts one backup now through the schedule.',
  ),
  {
    words: ['restore'],
    summary: 'disaster recovery: bring the stack back from nothing from one of its snapshots',
    description:
      "The stack's service and volumes must be gone. The snapshot is a file name in VAULT_BACKUP_DIR/<stack> " +
      '(`backup list`); the worker refuses by name, before anything changes, one that does not match its manifest ' +
      'or whose key custody lacks. Asks for confirmation; --yes does not.',
    flags: ['stack', 'snapshot', 'yes', 'wait', 'timeout'],
    required: ['snapshot'],
    confirm: 'restore stack <stack> from <snapshot> (its service and volumes must be gone)',
    examples: [
      'vault-bootstrap restore --stack iklimco --snapshot iklimco-20261130T120000Z.snap --yes --wait',
    ],
  },
  {
    words: ['rekey'],
    summary: 'rotate the unseal key: new key in custody first, nodes restarted onto it one at a time',
    description:
      'The new key is stored in custody before Vault takes it; the nodes restart onto a new secret version one ' +
      'at a time, each unsealed with the new key and a healthy Raft voter before the next; a fresh snapshot is ' +
      'taken and drilled with the new key; then the old secret is removed. The old key stays in custody for the ' +
      'snapshots taken before (docs/rekey.md). Needs a backup folder (VAULT_BACKUP_DIR).',
    flags: ['stack', 'wait', 'timeout'],
    examples: ['vault-bootstrap rekey --stack iklimco --wait'],
  },
  {
    words: ['upgrade'],
    summary:
      'a rolling upgrade of the Vault image: snapshot and drill first, one node at a time, the leader last',
    description:
      'A snapshot is taken and drilled, the stack held, then the tasks are replaced one at a time, each unsealed ' +
      'and a healthy Raft voter before the next, the active node stepping down before its own task goes; the hold ' +
      'is released at the end. A replaced node that does not serve within --node-timeout stops the upgrade ' +
      '(UpgradeNodeUnhealthy), the others serving. --rollback returns to the image recorded at the last upgrade. Set VAULT_IMAGE to ' +
      'the new image too: a restore, a drill and a deploy of the stack file take that one (docs/upgrade.md).',
    flags: ['stack', 'image', 'rollback', 'node-timeout', 'wait', 'timeout'],
    examples: [
      'vault-bootstrap upgrade --stack iklimco --image hashicorp/vault:1.21.1 --wait',
      'vault-bootstrap upgrade --stack iklimco --rollback --wait',
    ],
  },
  group(['credentials'], "the tool's own Vault policies and tokens"),
  {
    words: ['credentials', 'repair'],
    summary:
      "write again the tool's policies that are missing or changed, replace its tokens that are missing or rejected",
    description:
      'What health reports as CredentialMissing or CredentialPolicyChanged; nothing repairs them unless asked.',
    flags: ['stack', 'wait', 'timeout'],
    examples: ['vault-bootstrap credentials repair --stack iklimco --wait'],
  },
  {
    words: ['exec'],
    summary:
      "run a command in a Vault task with a short-lived token that can only read the Raft state (the seed's checks)",
    description:
      `Runs the command word for word in a Vault task on the worker's node, with a token made for it and revoked after; ` +
      `only read-only commands that print no secret: ${VAULT_COMMANDS_TEXT} (with -format=table|json|yaml). ` +
      'Prints what the command printed and exits with its exit code, as docker exec does (1 when it could not run).',
    flags: ['stack'],
    rest: 'CMD ARGS...',
    examples: [
      'vault-bootstrap exec --stack iklimco -- vault operator raft list-peers',
      'vault-bootstrap exec --stack iklimco -- vault status',
    ],
  },
  {
    words: ['doctor'],
    summary: 'check the configuration, Temporal, the workers and agents, certificates, backups and custody',
    description:
      'One row per check (ok, WARN, FAIL, skip), top to bottom; reads only. Works with Temporal unreachable. ' +
      'Exits 1 when a check failed, 0 otherwise (warnings included).',
    flags: ['stack'],
    examples: ['vault-bootstrap doctor --stack iklimco', 'vault-bootstrap doctor -o json'],
  },
];

/** A command's name as typed: `backup schedule delete`. */
export function commandName(spec: Pick<CommandSpec, 'words'>): string {
  return spec.words.join(' ');
}

/** The commands one word below `words` (`backup` -> now, list, drill, schedule). */
export function childrenOf(words: readonly string[]): CommandSpec[] {
  return COMMANDS.filter(
    (c) => c.words.length === words.length + 1 && words.every((w, i) => c.words[i] === w),
  );
}
