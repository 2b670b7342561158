/** Names fixed by the production system (see the seed). */
export const VAULT_SERVICE = 'vault';
export const UNSEAL_SECRET_TARGET = 'vault_unseal_key';
export const VAULT_NETWORK = 'iklimco-net';
export const VAULT_REPLICAS = 3;
/** The slot Swarm gives the designated leader; only this node is ever initialized. */
export const LEADER_SLOT = 1;
export const VAULT_API_PORT = 8200;

/** Labels the bootstrap puts on the Docker secrets it creates. */
export const LABEL_KIND = 'io.iklimco.vault-bootstrap.kind';
export const LABEL_KEY_ID = 'io.iklimco.vault-bootstrap.key-id';
export const LABEL_VERSION = 'io.iklimco.vault-bootstrap.version';
export const LABEL_STACK = 'io.iklimco.vault-bootstrap.stack';

export const DEFAULT_TASK_QUEUE = 'vault-bootstrap';

export function serviceName(stack: string): string {
  return `${stack}_${VAULT_SERVICE}`;
}

export function nodeName(slot: number): string {
  return `vault-${slot}`;
}

export function bootstrapWorkflowId(stack: string): string {
  return `vault-bootstrap-${stack}`;
}
