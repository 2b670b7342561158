/**
 * What every activity is given: the one seam tests swap. Interfaces from src/ports only; src/wiring.ts gives
 * the real ones, the unit tests fakes (test/support/fakes/). The helpers the steps share live in ./cluster/.
 */
import type { BreakGlassRecipients } from '../config/break-glass';
import type { StackConfig } from '../config/stack';
import type { BackupConfig, VaultConfig } from '../config/worker';
import type {
  Clock,
  FaultPoints,
  InitKeyCustody,
  HealthMetrics,
  LocalFiles,
  RemovableCustody,
  SnapshotStores,
  StackHolds,
  Swarm,
  VaultNodeFactory,
} from '../ports';

/** The part of the worker configuration the activities read. */
export interface ActivityConfig {
  stack: Pick<StackConfig, 'files' | 'unsealSecretTemplate' | 'deployEnv'>;
  vault: Pick<VaultConfig, 'certDir' | 'certDirHoldsKey' | 'serverNameTemplate'>;
  backup: BackupConfig;
  /** The recipients break glass may encrypt a root token to (src/config/break-glass.ts). */
  breakGlass: BreakGlassRecipients;
}

/** The activities' dependencies, all interfaces: src/wiring.ts gives the real ones, unit tests fakes. */
export interface ActivityDeps {
  /** Docker Swarm: secrets, the service, its tasks, deploy, signals, events. */
  swarm: Swarm;
  /** Where the unseal key and root token live (a restore removes its scratch record). */
  custody: RemovableCustody;
  /** The stacks' init keys, kept in `custody`: how a `sys/init` answer reaches the record (src/custody/init-key.ts). */
  initKeys: InitKeyCustody;
  /** The worker's own files the steps read: the stack files, the TLS files. */
  files: LocalFiles;
  /** The stacks' snapshot folders (`VAULT_BACKUP_DIR/<stack>`): snapshots, manifests, the drill record. */
  snapshots: SnapshotStores;
  /** Builds the client of one Vault node. */
  vaultNode: VaultNodeFactory;
  config: ActivityConfig;
  /** Fault points for the crash tests; inert in production. */
  failpoints: FaultPoints;
  /** Time for the waits. */
  clock: Clock;
  /** Where health checks and automatic actions are counted (Prometheus, or nowhere). */
  metrics: HealthMetrics;
  /** Operators' holds on stacks: while one lasts, health reports and never acts. */
  holds: StackHolds;
}
