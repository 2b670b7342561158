/**
 * Builds the real dependencies of both worker roles from the validated configuration: the one place that
 * chooses dockerode (with the docker CLI on a full worker), node-vault, the file custody, the snapshot folders,
 * env-driven fault points, the system clock, Temporal for the holds and the given metrics (Prometheus, or none)
 * for the ports.
 */
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from './activities';
import { FileSnapshotStores } from './backup/snapshot-store';
import { Failpoints } from './faults/failpoints';
import { localFiles } from './fs/local-files';
import { systemClock } from './time/wait';
import type { NodeLocalDeps } from './activities/node-local';
import type { NodeAgentConfig } from './config/agent';
import type { WorkerConfig } from './config/worker';
import type { HealthMetrics, RemovableCustody } from './ports';
import { NO_METRICS } from './ports';
import { TemporalStackHolds } from './holds/temporal-holds';
import { FileKeyCustody } from './custody/file-custody';
import { InitKeys } from './custody/init-key';
import { CustodyManifestSeal } from './custody/manifest-seal';
import { ReplicatedKeyCustody } from './custody/replicated-custody';
import { SwarmCustodyReplicas } from './custody/swarm-replicas';
import { DockerGateway } from './docker/gateway';
import { VaultNodeClient } from './vault/gateway';

/** A full worker's Docker gateway: the Engine API, and the docker CLI with its environment to deploy stacks. */
export function buildDockerGateway(config: WorkerConfig): DockerGateway {
  return new DockerGateway(config.dockerSocket, config.stack.dockerCli, config.stack.cliBaseEnv);
}

/** A node agent's Docker gateway: the Engine API only. An agent never deploys: no CLI and no CLI environment. */
export function buildNodeAgentGateway(config: NodeAgentConfig): DockerGateway {
  return new DockerGateway(config.dockerSocket);
}

/** The file custody, with a copy of each record in the swarm when `VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm`. */
function buildCustody(config: WorkerConfig): RemovableCustody {
  const local = new FileKeyCustody(config.custody);
  return config.custody.replica === 'swarm'
    ? new ReplicatedKeyCustody(local, new SwarmCustodyReplicas(config.dockerSocket))
    : local;
}

/** The dependencies of the activities on the main task queue (a full worker only). */
export function buildActivityDeps(
  config: WorkerConfig,
  swarm = buildDockerGateway(config),
  metrics: HealthMetrics = NO_METRICS,
): ActivityDeps {
  const ca = Buffer.from(config.vault.caPem);
  const custody = buildCustody(config);
  return {
    // On the test bed (VAULT_STACK_DIR_ROOT) deploys make the stacks' bind-mount folders.
    swarm: swarm.withStackDirRoot(config.stack.stackDirRoot),
    custody,
    initKeys: new InitKeys(custody),
    files: localFiles,
    // Manifests sealed with a key custody derives from the stack's unseal key (docs/backups.md).
    snapshots: new FileSnapshotStores(config.backup.dir, new CustodyManifestSeal(custody), {
      ...(config.backup.trustUnsignedBefore
        ? { trustUnsignedBefore: config.backup.trustUnsignedBefore }
        : {}),
    }),
    vaultNode: (name, target) =>
      new VaultNodeClient(name, target, config.vault.addressing, ca, {
        requestMs: config.vault.requestTimeoutMs,
        initMs: config.vault.initTimeoutMs,
      }),
    config,
    failpoints: new Failpoints(config.failpoints),
    clock: systemClock,
    metrics,
    // Asked through the client of the Worker that runs the activity.
    holds: new TemporalStackHolds(),
  };
}

/**
 * The dependencies of the check a full worker makes as it starts (src/first-check.ts): the activities' own
 * (`deps`: the same custody, so its writes stay in one queue), but run outside an activity, so holds are asked
 * through `client` (on the worker's connection).
 */
export function buildFirstCheckDeps(deps: ActivityDeps, client: Client): ActivityDeps {
  return { ...deps, holds: new TemporalStackHolds(() => client) };
}

/**
 * The dependencies of the node-local activities on a node's own task queue, in both roles: the node's Engine
 * (`swarm`, the gateway the worker checked its node with), the system clock, the metrics and the holds.
 */
export function buildNodeLocalDeps(swarm: DockerGateway, metrics: HealthMetrics = NO_METRICS): NodeLocalDeps {
  return { swarm, clock: systemClock, metrics, holds: new TemporalStackHolds() };
}
