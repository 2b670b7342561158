/**
 * The jobs `initLeader` runs beside vault-1 (docs/faults.md, "The init answer outlives whoever asked"): what
 * they run and how their output is read. Pure: the Swarm port starts and reads them.
 *
 * - The **init job** runs the Vault CLI's `operator init` against vault-1, with the stack's init key as
 *   `-pgp-keys` and `-root-token-pgp-key`: Vault encrypts both answers to it. The job writes the answer to a
 *   file on vault-1's data volume (synced) before it prints it, so it is kept twice for whichever worker comes
 *   next, however the one that started it ended: in the job's output (its service logs), and on the volume,
 *   which outlives the job's container (a node whose Engine restarts may remove a finished task's container,
 *   and its log with it).
 * - The **answer job** reads that file back on the same node, when the init job's output holds no answer.
 * - The **wipe job** empties vault-1's data folder on its own node, when `sys/init` was cut short by the death
 *   of vault-1's task and left Raft state without a barrier (every later init: "cluster already has state").
 */
import type { EncryptedInitAnswer, JobSpec } from '../../ports';
import { LABEL_KIND, LABEL_STACK, serviceName, VAULT_API_PORT } from '../../shared/constants';

/** The container paths the jobs use: the stack file's mounts of the certificates and of Raft's data. */
export const VAULT_CERTS_DIR = '/vault/certs';
export const VAULT_DATA_DIR = '/vault/data';

/** How long Vault may take over `sys/init` (Raft bootstrap, election, keyring, barrier) before a retry looks again. */
export const INIT_JOB_DEADLINE_MS = 240_000;

/** The label of a job naming the Vault task it works on (the init answer can come only while that task lives). */
export const LABEL_TARGET_TASK = 'io.iklimco.vault-bootstrap.target-task';

/**
 * How long a job whose target task is gone may still end by itself before it is taken to have nothing: an
 * answer that had fully arrived is printed within milliseconds.
 */
export const TARGET_GONE_GRACE_MS = 5_000;

/**
 * The prefix of the files an init job keeps on vault-1's data volume (beside Raft's `raft/` and `vault.db`,
 * which Vault alone reads), one set per job, named by its Swarm service id: `.answer` (encrypted to the init
 * key, which custody discards once the answer is stored), `.tmp` (the answer being written), `.err` (what the
 * CLI wrote to its error output) and `.started` (written, and synced, before `sys/init` is sent). They stay:
 * the wipe job leaves them too, so a failed job Swarm runs again after a wipe still finds its `.started`.
 */
export const initFilesOf = (jobId: string) => `${VAULT_DATA_DIR}/.vault-bootstrap-init.${jobId}`;

/**
 * Why a run of an init job stops before sending `sys/init`: an earlier run of the same job (Swarm runs a
 * replicated job's failed task again, at its next reconciliation, whatever its restart policy) started and left
 * no answer. `sys/init` is sent at most once per job.
 */
export const INIT_NOT_AGAIN =
  'an earlier run of this init job started and left no answer: sys/init is not sent twice';

export const initJobName = (stack: string) => `${serviceName(stack)}-init`;
export const answerJobName = (stack: string) => `${serviceName(stack)}-init-answer`;
export const wipeJobName = (stack: string) => `${serviceName(stack)}-wipe`;

/** The text of a `sys/init` refused because a cut-short init left Raft state behind. */
export const WEDGED_INIT = /cluster already has state/;

interface Target {
  stack: string;
  slot: number;
  /** The Swarm task of vault-1 the job talks to. */
  taskId: string;
  nodeId: string;
  /** vault-1's address on the overlay network. */
  address: string;
  /** The name vault-1's certificate carries. */
  serverName: string;
}

/**
 * The init job. The public key comes in through the environment (it is public); the CLI reads it from a
 * file, written in the job's own /tmp. `VAULT_MAX_RETRIES=0`: an init is sent once, never again by the CLI.
 * The answer goes to a temporary file on the data volume, is synced, renamed into place, synced again and only
 * then printed: a job that exits 0 has left the answer on the volume. What the CLI writes to its error output
 * goes to a file beside it (then to the job's own), so why an init failed is the CLI's word, not a log
 * reader's. The files are this job's own (named by its service id, which Swarm puts in `P`).
 *
 * Swarm runs a failed job again at its next reconciliation (a node's Engine coming back is enough), so a run
 * begins by looking at what an earlier run left: a saved answer is printed again (the job completes; nothing
 * is sent); a start without an answer stops the run (`INIT_NOT_AGAIN`), keeping the earlier run's files as
 * they are: the answer of an init is never overwritten, and `sys/init` never sent twice.
 */
export function initJobSpec(target: Target, publicKey: string): JobSpec {
  return {
    name: initJobName(target.stack),
    likeService: serviceName(target.stack),
    mounts: [VAULT_CERTS_DIR, VAULT_DATA_DIR],
    slot: target.slot,
    nodeId: target.nodeId,
    command: [
      'sh',
      '-c',
      'umask 077; ' +
        'if [ -s "$P.answer" ]; then cat -- "$P.answer"; exit 0; fi; ' +
        'if [ -e "$P.started" ]; then echo "$NOT_AGAIN" >&2; exit 3; fi; ' +
        ': > "$P.started" && sync && ' +
        'printf "%s\\n" "$VAULT_BOOTSTRAP_INIT_KEY" > /tmp/init-key.asc && ' +
        '{ vault operator init -key-shares=1 -key-threshold=1 ' +
        '-pgp-keys=/tmp/init-key.asc -root-token-pgp-key=/tmp/init-key.asc -format=json ' +
        '> "$P.tmp" 2> "$P.err"; rc=$?; sync; cat -- "$P.err" >&2; [ "$rc" -eq 0 ] || exit "$rc"; } && ' +
        'mv -- "$P.tmp" "$P.answer" && sync && cat -- "$P.answer"',
    ],
    env: {
      VAULT_ADDR: `https://${target.address}:${VAULT_API_PORT}`,
      VAULT_CACERT: `${VAULT_CERTS_DIR}/ca.pem`,
      VAULT_TLS_SERVER_NAME: target.serverName,
      VAULT_CLIENT_TIMEOUT: `${INIT_JOB_DEADLINE_MS / 1000}s`,
      VAULT_MAX_RETRIES: '0',
      VAULT_BOOTSTRAP_INIT_KEY: publicKey,
      // Swarm expands the template per task: every run of this job has the same service id.
      P: initFilesOf('{{.Service.ID}}'),
      NOT_AGAIN: INIT_NOT_AGAIN,
    },
    labels: { [LABEL_KIND]: 'init-job', [LABEL_STACK]: target.stack, [LABEL_TARGET_TASK]: target.taskId },
  };
}

/** The answer job's last line: its output is whole once it shows it. */
export const ANSWER_JOB_END = '-- end of the kept init answer --';
/** The answer job's line between the kept answer and what the CLI wrote to its error output. */
export const ANSWER_JOB_CLI_ERRORS = "-- the init CLI's errors --";

/**
 * What the init job left on the volume: its answer, if any, and what the Vault CLI itself wrote to its error
 * output (empty when the CLI was killed before it wrote, or never ran). The CLI's own words, not the service
 * logs, which may also carry the daemon's messages about reading them.
 */
export interface KeptInit {
  answer?: EncryptedInitAnswer;
  cliErrors: string;
}

/**
 * The answer job: prints the answer the init job kept on the volume (the renamed file, else the temporary one
 * of a job killed before the rename), then `ANSWER_JOB_CLI_ERRORS` and the CLI's error output, then
 * `ANSWER_JOB_END`: output that ends so and holds no answer proves the volume keeps none. Pinned to the node
 * the init job ran on, where that volume is.
 */
export function answerJobSpec(target: VolumeTarget, initJobId: string): JobSpec {
  return dataVolumeJob(
    target,
    answerJobName(target.stack),
    'init-answer-job',
    'if [ -s "$P.answer" ]; then cat -- "$P.answer"; elif [ -s "$P.tmp" ]; then cat -- "$P.tmp"; fi; ' +
      'echo; echo "$ERRORS"; if [ -f "$P.err" ]; then cat -- "$P.err"; fi; echo; echo "$END"',
    { P: initFilesOf(initJobId), ERRORS: ANSWER_JOB_CLI_ERRORS, END: ANSWER_JOB_END },
  );
}

/**
 * What the answer job read (`KeptInit`), or undefined when its output is not whole (not read yet, or the job
 * cut short): then it proves nothing. No answer in whole output proves the volume keeps none.
 */
export function parseKeptInit(stdout: string): KeptInit | undefined {
  const end = stdout.lastIndexOf(ANSWER_JOB_END);
  const errors = stdout.lastIndexOf(ANSWER_JOB_CLI_ERRORS, end);
  if (end < 0 || errors < 0) return undefined;
  const answer = parseInitAnswer(stdout.slice(0, errors));
  const cliErrors = stdout.slice(errors + ANSWER_JOB_CLI_ERRORS.length, end).trim();
  return answer ? { answer, cliErrors } : { cliErrors };
}

/**
 * The wipe job: removes what Raft and the barrier keep in vault-1's data folder, nothing else; once per job
 * (a mark named by its service id), so Swarm running a failed wipe job again later wipes nothing.
 */
export function wipeJobSpec(target: VolumeTarget): JobSpec {
  return dataVolumeJob(
    target,
    wipeJobName(target.stack),
    'wipe-job',
    // Swarm may run a failed job again, at any later moment: only the first run wipes (its mark is synced first).
    'if [ -e "$MARK" ]; then echo "this wipe job ran already: nothing wiped"; exit 0; fi; ' +
      `: > "$MARK" && sync && cd ${VAULT_DATA_DIR} && rm -rf -- raft vault.db && ls -A`,
    { MARK: `${VAULT_DATA_DIR}/.vault-bootstrap-wipe.{{.Service.ID}}` },
  );
}

/** The slot and node whose data volume a job mounts. */
type VolumeTarget = Pick<Target, 'stack' | 'slot' | 'nodeId'>;

/** A job on the slot's node with its data volume mounted, running `script` in the image's shell. */
function dataVolumeJob(
  target: VolumeTarget,
  name: string,
  kind: string,
  script: string,
  env: Record<string, string> = {},
): JobSpec {
  return {
    name,
    likeService: serviceName(target.stack),
    mounts: [VAULT_DATA_DIR],
    slot: target.slot,
    nodeId: target.nodeId,
    command: ['sh', '-c', script],
    env,
    labels: { [LABEL_KIND]: kind, [LABEL_STACK]: target.stack },
  };
}

/**
 * The encrypted answer in the init job's output, or undefined when it holds none (the init failed, or the
 * job was cut short). Only OpenPGP messages are taken: an answer in clear would be refused here, not stored.
 */
export function parseInitAnswer(stdout: string): EncryptedInitAnswer | undefined {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  let body: { unseal_keys_b64?: unknown; root_token?: unknown };
  try {
    body = JSON.parse(stdout.slice(start, end + 1)) as typeof body;
  } catch {
    return undefined;
  }
  const key: unknown = Array.isArray(body.unseal_keys_b64)
    ? (body.unseal_keys_b64 as unknown[])[0]
    : undefined;
  if (typeof key !== 'string' || typeof body.root_token !== 'string') return undefined;
  return { unsealKey: key, rootToken: body.root_token };
}

/** The last lines of a job's error output, for an error message (the CLI writes no key material there). */
export function lastLines(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' ').trim();
}
