/**
 * The seams of the activities: every side effect goes through one of these interfaces, chosen once in
 * src/wiring.ts (dockerode, node-vault, encrypted files, env-driven fault points, the system clock) and
 * swapped for in-memory fakes in the unit tests (test/support/fakes/).
 */
export type { Clock } from './clock';
export type { LocalFiles } from './files';
export type {
  BackupTargetCheck,
  ManifestSeal,
  ManifestVerdict,
  SkippedSnapshot,
  SkipReason,
  SnapshotFolder,
  SnapshotManifest,
  SnapshotScan,
  SnapshotStores,
  StoredSnapshot,
  UnsealedManifest,
} from './snapshots';
export type {
  CustodyRecordInfo,
  CustodyReplica,
  CustodyReplicaStore,
  CustodySecrets,
  CustodyTokens,
  EncryptedInitAnswer,
  HeldKeys,
  InitKeyCustody,
  NextUnsealKey,
  KeyCustody,
  RemovableCustody,
  RootGenerationProgress,
} from './custody';
export { CUSTODY_TOKEN_FIELDS } from './custody';
export { FAILPOINTS } from './failpoints';
export type { FailpointName, FaultPoints } from './failpoints';
export type {
  ContainerStart,
  ExecOutput,
  JobSpec,
  JobStatus,
  LocalContainer,
  NodeChange,
  SecretInfo,
  ServiceInfo,
  SwapRollout,
  StackRemoval,
  Subscription,
  Swarm,
  SwarmNode,
  SwarmNodeDetail,
  TaskInfo,
} from './swarm';
export type {
  AuditDevice,
  AutopilotConfig,
  AutopilotState,
  CreatedToken,
  RekeyApi,
  RekeyAttempt,
  RekeyBackup,
  RekeyRequest,
  RekeyUpdate,
  RekeyVerification,
  RootGenerationApi,
  RootGenerationAttempt,
  RoleTokenRequest,
  TokenInfo,
  TokenRequest,
  TokenRole,
  InitResponse,
  LeaderStatus,
  NodeTarget,
  RaftServer,
  SealStatus,
  ServedCertificate,
  SysHealth,
  VaultNode,
  VaultNodeFactory,
} from './vault';
export { NO_METRICS } from './observe';
export type { AutomaticAction, HealthMetrics, NodeObservation, StackHolds } from './observe';
