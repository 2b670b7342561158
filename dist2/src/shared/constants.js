"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_TASK_QUEUE = exports.LABEL_STACK_PARALLELISM = exports.LABEL_STACK = exports.LABEL_VERSION = exports.LABEL_KEY_ID = exports.LABEL_KIND = exports.TLS_FILES = exports.FORMING_STABILIZATION_TIME = exports.AUTOPILOT_CONFIG = exports.PEER_SLOTS = exports.LEADER_SLOT = exports.VAULT_REPLICAS = exports.ALL_SLOTS = exports.VAULT_API_PORT = exports.VAULT_NETWORK = exports.UNSEAL_SECRET_TARGET = exports.VAULT_SERVICE = void 0;
exports.nodeTaskQueue = nodeTaskQueue;
exports.serviceName = serviceName;
exports.nodeName = nodeName;
exports.bootstrapWorkflowId = bootstrapWorkflowId;
/** Names fixed by the production system (see the seed). */
exports.VAULT_SERVICE = 'vault';
exports.UNSEAL_SECRET_TARGET = 'vault_unseal_key';
exports.VAULT_NETWORK = 'iklimco-net';
exports.VAULT_API_PORT = 8200;
/** The task slots of the 3 Vault replicas, one node each. */
exports.ALL_SLOTS = [1, 2, 3];
exports.VAULT_REPLICAS = exports.ALL_SLOTS.length;
/** The slot Swarm gives the designated leader; only this node is ever initialized. */
exports.LEADER_SLOT = 1;
/** The slots joined to the leader's Raft cluster. */
exports.PEER_SLOTS = [2, 3];
/**
 * The autopilot settings `joinPeers` puts in place before the first peer joins (docs/performance.md,
 * "Autopilot"). Dead servers are pruned, never below three (`min_quorum`): node ids are slot names, so a
 * replaced node rejoins under its own id, and only a server beyond the three (one that joined under another
 * id and is gone) is ever removed, after 10 minutes without contact. A new server stays a non-voter for 10 s
 * of health first (HashiCorp's default): a flapping peer must not grow the quorum it would then break. While
 * the cluster first forms, `FORMING_STABILIZATION_TIME` instead.
 */
exports.AUTOPILOT_CONFIG = {
    cleanupDeadServers: true,
    deadServerLastContactThreshold: '600s',
    minQuorum: exports.VAULT_REPLICAS,
    serverStabilizationTime: '10s',
};
/**
 * The stabilization time while the cluster first forms (`joinPeers` finds no peer initialized), until
 * `unsealPeers` has seen both peers become voters and puts `AUTOPILOT_CONFIG` back. A peer is still promoted
 * only while autopilot counts it healthy (in contact, caught up with the leader's log); there is no quorum
 * of more than the leader yet for a flapping peer to break.
 */
exports.FORMING_STABILIZATION_TIME = '1s';
/** The TLS files Vault serves, in the folder mounted at `/vault/certs` (`VAULT_CERT_DIR`). */
exports.TLS_FILES = { ca: 'ca.pem', chain: 'fullchain.pem', key: 'privkey.pem' };
/** Labels the bootstrap puts on the Docker secrets it creates. */
exports.LABEL_KIND = 'io.iklimco.vault-bootstrap.kind';
exports.LABEL_KEY_ID = 'io.iklimco.vault-bootstrap.key-id';
exports.LABEL_VERSION = 'io.iklimco.vault-bootstrap.version';
exports.LABEL_STACK = 'io.iklimco.vault-bootstrap.stack';
/**
 * On the Vault service while a rollout runs all tasks at once: the stack's own `update_config.parallelism`,
 * put back (and the label removed) when the rollout is over. See `Swarm.swapUnsealSecret`.
 */
exports.LABEL_STACK_PARALLELISM = 'io.iklimco.vault-bootstrap.stack-update-parallelism';
exports.DEFAULT_TASK_QUEUE = 'vault-bootstrap';
/**
 * The task queue of one swarm node: node-local activities (signals, Docker events) are routed there and
 * run by the worker or node agent on that node. Derived from the worker's base queue and the Swarm node
 * id, so neither workflows nor operators configure it.
 */
function nodeTaskQueue(baseQueue, swarmNodeId) {
    return `${baseQueue}-node-${swarmNodeId}`;
}
function serviceName(stack) {
    return `${stack}_${exports.VAULT_SERVICE}`;
}
function nodeName(slot) {
    return `vault-${slot}`;
}
function bootstrapWorkflowId(stack) {
    return `vault-bootstrap-${stack}`;
}
//# sourceMappingURL=constants.js.map