"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WEDGED_INIT = exports.wipeJobName = exports.initJobName = exports.TARGET_GONE_GRACE_MS = exports.LABEL_TARGET_TASK = exports.INIT_JOB_DEADLINE_MS = exports.VAULT_DATA_DIR = exports.VAULT_CERTS_DIR = void 0;
exports.initJobSpec = initJobSpec;
exports.wipeJobSpec = wipeJobSpec;
exports.parseInitAnswer = parseInitAnswer;
exports.lastLines = lastLines;
const constants_1 = require("../shared/constants");
/** The container paths the jobs use: the stack file's mounts of the certificates and of Raft's data. */
exports.VAULT_CERTS_DIR = '/vault/certs';
exports.VAULT_DATA_DIR = '/vault/data';
/** How long Vault may take over `sys/init` (Raft bootstrap, election, keyring, barrier) before a retry looks again. */
exports.INIT_JOB_DEADLINE_MS = 240_000;
/** The label of a job naming the Vault task it works on (the init answer can come only while that task lives). */
exports.LABEL_TARGET_TASK = 'io.iklimco.vault-bootstrap.target-task';
/**
 * How long a job whose target task is gone may still end by itself before it is taken to have nothing: an
 * answer that had fully arrived is printed within milliseconds.
 */
exports.TARGET_GONE_GRACE_MS = 5_000;
const initJobName = (stack) => `${(0, constants_1.serviceName)(stack)}-init`;
exports.initJobName = initJobName;
const wipeJobName = (stack) => `${(0, constants_1.serviceName)(stack)}-wipe`;
exports.wipeJobName = wipeJobName;
/** The text of a `sys/init` refused because a cut-short init left Raft state behind. */
exports.WEDGED_INIT = /cluster already has state/;
/**
 * The init job. The public key comes in through the environment (it is public); the CLI reads it from a
 * file, written in the job's own /tmp. `VAULT_MAX_RETRIES=0`: an init is sent once, never again by the CLI.
 */
function initJobSpec(target, publicKey) {
    return {
        name: (0, exports.initJobName)(target.stack),
        likeService: (0, constants_1.serviceName)(target.stack),
        mounts: [exports.VAULT_CERTS_DIR],
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
            VAULT_ADDR: `https://${target.address}:${constants_1.VAULT_API_PORT}`,
            VAULT_CACERT: `${exports.VAULT_CERTS_DIR}/ca.pem`,
            VAULT_TLS_SERVER_NAME: target.serverName,
            VAULT_CLIENT_TIMEOUT: `${exports.INIT_JOB_DEADLINE_MS / 1000}s`,
            VAULT_MAX_RETRIES: '0',
            VAULT_BOOTSTRAP_INIT_KEY: publicKey,
        },
        labels: { [constants_1.LABEL_KIND]: 'init-job', [constants_1.LABEL_STACK]: target.stack, [exports.LABEL_TARGET_TASK]: target.taskId },
    };
}
/** The wipe job: removes what Raft and the barrier keep in vault-1's data folder, nothing else. */
function wipeJobSpec(target) {
    return {
        name: (0, exports.wipeJobName)(target.stack),
        likeService: (0, constants_1.serviceName)(target.stack),
        mounts: [exports.VAULT_DATA_DIR],
        slot: target.slot,
        nodeId: target.nodeId,
        command: ['sh', '-c', `cd ${exports.VAULT_DATA_DIR} && rm -rf -- raft vault.db && ls -A`],
        env: {},
        labels: { [constants_1.LABEL_KIND]: 'wipe-job', [constants_1.LABEL_STACK]: target.stack },
    };
}
/**
 * The encrypted answer in the init job's output, or undefined when it holds none (the init failed, or the
 * job was cut short). Only OpenPGP messages are taken: an answer in clear would be refused here, not stored.
 */
function parseInitAnswer(stdout) {
    const start = stdout.indexOf('{');
    const end = stdout.lastIndexOf('}');
    if (start < 0 || end < start)
        return undefined;
    let body;
    try {
        body = JSON.parse(stdout.slice(start, end + 1));
    }
    catch {
        return undefined;
    }
    const key = Array.isArray(body.unseal_keys_b64)
        ? body.unseal_keys_b64[0]
        : undefined;
    if (typeof key !== 'string' || typeof body.root_token !== 'string')
        return undefined;
    return { unsealKey: key, rootToken: body.root_token };
}
/** The last lines of a job's error output, for an error message (the CLI writes no key material there). */
function lastLines(text, lines = 3) {
    return text.trim().split('\n').slice(-lines).join(' ').trim();
}
//# sourceMappingURL=init-job.js.map