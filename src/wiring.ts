/**
 * Builds the real activity dependencies from the validated configuration: the one place that chooses
 * dockerode, node-vault, the file custody, the snapshot folders, env-driven fault points, the system clock, Temporal for the
 * holds and the given metrics (Prometheus, or none) for the ports.
 */
import type { ActivityDeps } from './activities';
import { FileSnapshotStores } from './backup/snapshot-store';
import { Failpoints } from './faults/failpoints';
import { localFiles } from './fs/local-files';
import { systemClock } from './time/wait';
import type { WorkerConfig } from './config';
import type { HealthMetrics, KeyCustody } from './ports';
import { NO_METRICS } from './ports';
import { TemporalStackHolds } from './holds/temporal-holds';
import { FileKeyCustody } from './custody/file-custody';
import { ReplicatedKeyCustody } from './custody/replicated-custody';
import { SwarmCustodyReplicas } from './custody/swarm-replicas';
import { DockerGateway } from './docker/gateway';
import { VaultNodeClient } from './vault/gateway';

/** The file custody, with a copy of each record in the swarm when `VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm`. */
function buildCustody(config: WorkerConfig): KeyCustody {
  const local = new FileKeyCustody(config.custody);
  return config.custody.replica === 'swarm'
    ? new ReplicatedKeyCustody(local, new SwarmCustodyReplicas(config.dockerSocket))
    : local;
}

export function buildActivityDeps(
  config: WorkerConfig,
  swarm = new DockerGateway(config.dockerSocket, config.stack.dockerCli, config.stack.cliBaseEnv),
  metrics: HealthMetrics = NO_METRICS,
): ActivityDeps {
  const ca = Buffer.from(config.vault.caPem);
  return {
    // On the test bed (VAULT_STACK_DIR_ROOT) deploys make the stacks' bind-mount folders.
    swarm: swarm.withStackDirRoot(config.stack.stackDirRoot),
    custody: buildCustody(config),
    files: localFiles,
    snapshots: new FileSnapshotStores(config.backup.dir),
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
