/** Names fixed by the production system (see the seed). */
export const VAULT_SERVICE = 'vault';
export const UNSEAL_SECRET_TARGET = 'vault_unseal_key';
export const VAULT_NETWORK = 'iklimco-net';
export const VAULT_API_PORT = 8200;

/** The task slots of the 3 Vault replicas, one node each. */
export const ALL_SLOTS = [1, 2, 3] as const;
export type Slot = (typeof ALL_SLOTS)[number];
export const VAULT_REPLICAS = ALL_SLOTS.length;
/** The slot Swarm gives the designated leader; only this node is ever initialized. */
export const LEADER_SLOT = 1 satisfies Slot;
/** The slots joined to the leader's Raft cluster. */
export const PEER_SLOTS = [2, 3] as const satisfies readonly Slot[];
export type PeerSlot = (typeof PEER_SLOTS)[number];

/**
 * The autopilot settings `joinPeers` puts in place before the first peer joins (docs/performance.md,
 * "Autopilot"). Dead servers are pruned, never below three (`min_quorum`): node ids are slot names, so a
 * replaced node rejoins under its own id, and only a server beyond the three (one that joined under another
 * id and is gone) is ever removed, after 10 minutes without contact. A new server stays a non-voter for 10 s
 * of health first (HashiCorp's default): a flapping peer must not grow the quorum it would then break. While
 * the cluster first forms, `FORMING_STABILIZATION_TIME` instead.
 */
export const AUTOPILOT_CONFIG = {
  cleanupDeadServers: true,
  deadServerLastContactThreshold: '600s',
  minQuorum: VAULT_REPLICAS,
  serverStabilizationTime: '10s',
} as const;

/**
 * The stabilization time while the cluster first forms (`joinPeers` finds no peer initialized), until
 * `unsealPeers` has seen both peers become voters and puts `AUTOPILOT_CONFIG` back. A peer is still promoted
 * only while autopilot counts it healthy (in contact, caught up with the leader's log); there is no quorum
 * of more than the leader yet for a flapping peer to break.
 */
export const FORMING_STABILIZATION_TIME = '1s';

/** `vault-<slot>`: a node's name, host name, Raft node id and TLS server name in the test bed. */
export type NodeName<S extends number = Slot> = `vault-${S}`;

/** The TLS files Vault serves, in the folder mounted at `/vault/certs` (`VAULT_CERT_DIR`). */
export const TLS_FILES = { ca: 'ca.pem', chain: 'fullchain.pem', key: 'privkey.pem' } as const;

/** Labels the bootstrap puts on the Docker secrets it creates. */
export const LABEL_KIND = 'io.iklimco.vault-bootstrap.kind';
export const LABEL_KEY_ID = 'io.iklimco.vault-bootstrap.key-id';
export const LABEL_VERSION = 'io.iklimco.vault-bootstrap.version';
export const LABEL_STACK = 'io.iklimco.vault-bootstrap.stack';
/** On an unseal-key secret: the key generation (custody's `keyGeneration`) of the key it holds; absent for 0. */
export const LABEL_KEY_GENERATION = 'io.iklimco.vault-bootstrap.key-generation';
/**
 * On the Vault service during a rollout one task at a time (`Swarm.swapUnsealSecret`, `stepwise`): how many
 * tasks on the new spec the tool has asked for so far, those already on it at the swap included (a rollback
 * whose other tasks never left the image). See src/activities/cluster/rollout.ts.
 */
export const LABEL_ROLLOUT_STEP = 'io.iklimco.vault-bootstrap.rollout-step';
/**
 * Beside `LABEL_ROLLOUT_STEP`: when the tool asked for that step (ISO 8601, the worker's clock), in Swarm's
 * state: a replaced node's time to serve counts from it, across a crash of the worker that asked.
 */
export const LABEL_ROLLOUT_STEP_AT = 'io.iklimco.vault-bootstrap.rollout-step-at';
/** On the Vault service after an image swap: the image it ran before (what `upgrade --rollback` returns to). */
export const LABEL_PREVIOUS_IMAGE = 'io.iklimco.vault-bootstrap.previous-image';
/** Beside `LABEL_STACK_PARALLELISM` during a stepwise rollout: the stack's own `update_config.delay` (ns). */
export const LABEL_STACK_UPDATE_DELAY = 'io.iklimco.vault-bootstrap.stack-update-delay';
/**
 * On the Vault service while a rollout runs all tasks at once: the stack's own `update_config.parallelism`,
 * put back (and the label removed) when the rollout is over. See `Swarm.swapUnsealSecret`.
 */
export const LABEL_STACK_PARALLELISM = 'io.iklimco.vault-bootstrap.stack-update-parallelism';

/**
 * On a swarm node: the node is the home of a slot of a stack, `<prefix><stack>.vault-<slot>`, its value the
 * claim's time (epoch ms; the newest claim wins if a crash left two). See src/activities/cluster/homes.ts.
 */
export const LABEL_HOME_PREFIX = 'io.iklimco.vault-bootstrap.home.';
/** On a swarm node the tool paused to start a slot on its home: the stack; removed when the node is active again. */
export const LABEL_PAUSED_FOR = 'io.iklimco.vault-bootstrap.paused-for';

export const DEFAULT_TASK_QUEUE = 'vault-bootstrap';

/**
 * The task queue of one swarm node: node-local activities (signals, Docker events) are routed there and
 * run by the worker or node agent on that node. Derived from the worker's base queue and the Swarm node
 * id, so neither workflows nor operators configure it.
 */
export function nodeTaskQueue(baseQueue: string, swarmNodeId: string): string {
  return `${baseQueue}-node-${swarmNodeId}`;
}

export function serviceName(stack: string): string {
  return `${stack}_${VAULT_SERVICE}`;
}

export function nodeName<S extends number>(slot: S): NodeName<S> {
  return `vault-${slot}`;
}
