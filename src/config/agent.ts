/**
 * The configuration of a worker in the `node-agent` role (see `WorkerRole`): Temporal, its node's Docker
 * socket and its liveness file. It needs no certificate folder, custody or stack settings, so an agent starts
 * on a node where none of them exist.
 */
import { loadDockerSocket, loadLivenessFile } from './process';
import type { Env } from './env';
import { loadTemporalConfig } from './temporal';
import type { TemporalConfig } from './temporal';

export interface NodeAgentConfig {
  temporal: TemporalConfig;
  /** Docker Engine socket of the agent's node. Env `DOCKER_SOCKET`; default `/var/run/docker.sock`. */
  dockerSocket: string;
  /** The liveness file (`VAULT_BOOTSTRAP_HEALTH_FILE`), as for the full worker; unset: none is written. */
  livenessFile?: string;
}

export function loadNodeAgentConfig(env: Env): NodeAgentConfig {
  return {
    temporal: loadTemporalConfig(env),
    dockerSocket: loadDockerSocket(env),
    livenessFile: loadLivenessFile(env),
  };
}
