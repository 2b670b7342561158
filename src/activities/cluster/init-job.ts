/**
 * The jobs `initLeader` runs beside vault-1 (docs/faults.md, "The init answer outlives whoever asked"): what
 * they run and how their output is read. Pure: the Swarm port starts and reads them.
 *
 * - The **init job** runs the Vault CLI's `operator init` against vault-1, with the stack's init key as
 *   `-pgp-keys` and `-root-token-pgp-key`: Vault encrypts both answers to it, and the job's output (its
 *   service logs) keeps them for whichever worker comes next, however the one that started it ended.
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

export const initJobName = (stack: string) => `${serviceName(stack)}-init`;
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
 */
export function initJobSpec(target: Target, publicKey: string): JobSpec {
  return {
    name: initJobName(target.stack),
    likeService: serviceName(target.stack),
    mounts: [VAULT_CERTS_DIR],
    slot: target.slot,
    nodeId: target.nodeId,
    command: [
      'sh',
      '-c',
      'printf "%s\\n" "$VAULT_BOOTSTRAP_INIT_KEY" > /tmp/init-key.asc && ' +
        'exec vault operator init -key-shares=1 -key-threshold=1 ' +
        '-pgp-keys=/tmp/init-key.asc -root-token-pgp-key=/tmp/init-key.asc -format=json',
    ],
    env: {
      VAULT_ADDR: `https://${target.address}:${VAULT_API_PORT}`,
      VAULT_CACERT: `${VAULT_CERTS_DIR}/ca.pem`,
      VAULT_TLS_SERVER_NAME: target.serverName,
      VAULT_CLIENT_TIMEOUT: `${INIT_JOB_DEADLINE_MS / 1000}s`,
      VAULT_MAX_RETRIES: '0',
      VAULT_BOOTSTRAP_INIT_KEY: publicKey,
    },
    labels: { [LABEL_KIND]: 'init-job', [LABEL_STACK]: target.stack, [LABEL_TARGET_TASK]: target.taskId },
  };
}

/** The wipe job: removes what Raft and the barrier keep in vault-1's data folder, nothing else. */
export function wipeJobSpec(target: Omit<Target, 'address' | 'serverName' | 'taskId'>): JobSpec {
  return {
    name: wipeJobName(target.stack),
    likeService: serviceName(target.stack),
    mounts: [VAULT_DATA_DIR],
    slot: target.slot,
    nodeId: target.nodeId,
    command: ['sh', '-c', `cd ${VAULT_DATA_DIR} && rm -rf -- raft vault.db && ls -A`],
    env: {},
    labels: { [LABEL_KIND]: 'wipe-job', [LABEL_STACK]: target.stack },
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
