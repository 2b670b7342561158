/**
 * Every error of the project, in one module, and the one mapping of them to Temporal failures.
 *
 * - `ErrorType`: the PascalCase `type` of each failure no retry can fix; the workflows' retry policies list
 *   exactly these (`NON_RETRYABLE_ERROR_TYPES`), so the list and the thrown types cannot drift.
 * - `NonRetryableError`: how activities, gateways and custody raise one of them. It names its `ErrorType`
 *   (checked by the compiler), and `toFailure` turns it into a non-retryable `ApplicationFailure` of that
 *   type once, where every activity returns (`createActivities`). Any other error stays retryable.
 * - The other classes name process-level problems (configuration, Temporal unreachable, fault points) or
 *   a Vault call that failed and may succeed when retried.
 *
 * Sandbox-safe (workflows import it): no Node builtins, no gateways. Messages never hold key material.
 */
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';

/** Checks, at compile time, that every key of a table is spelled the same as its value. */
function selfNamed<const T extends Record<string, string>>(table: T & { [K in keyof T]: K }): T {
  return Object.freeze(table);
}

/**
 * PascalCase `type`s of the non-retryable ApplicationFailures this project raises.
 * Every one of them means: no retry can fix this, an operator must act; the message says how.
 */
export const ErrorType = selfNamed({
  /** Configuration value missing or malformed. */
  InvalidConfig: 'InvalidConfig',
  /** The stack file is missing, unreadable, or not the shape the bootstrap expects. */
  StackFileInvalid: 'StackFileInvalid',
  /** The TLS folder lacks the CA or the server certificate. */
  CertificatesMissing: 'CertificatesMissing',
  /** Vault is initialized but key custody holds no key for it. */
  UnsealKeyUnavailable: 'UnsealKeyUnavailable',
  /** The key in custody does not unseal Vault. */
  UnsealKeyRejected: 'UnsealKeyRejected',
  /** Custody holds a key although the designated leader reports it is not initialized. */
  StaleCustodyRecord: 'StaleCustodyRecord',
  /**
   * A node other than the designated leader is already initialized outside our cluster; in a restore, any node
   * (the leader too) initialized before the restore initialized it: a data volume that is not empty.
   */
  ForeignClusterDetected: 'ForeignClusterDetected',
  /** The custody file cannot be decrypted or parsed. */
  CustodyCorrupt: 'CustodyCorrupt',
  /** The custody key file is gone while records encrypted under it exist: a new key would never decrypt them. */
  CustodyKeyFileMissing: 'CustodyKeyFileMissing',
  /**
   * The custody file or its key is readable by others than the owner, owned by another user, or reached
   * through a symbolic link.
   */
  CustodyPermissionsTooOpen: 'CustodyPermissionsTooOpen',
  /** The custody folder cannot be written. */
  CustodyNotWritable: 'CustodyNotWritable',
  /**
   * An encrypted `sys/init` answer was found but custody cannot open it: no pending init key for the stack, or
   * one the answer was not encrypted to. The answer is left where it is.
   */
  InitAnswerUnreadable: 'InitAnswerUnreadable',
  /** The running service does not have the shape the stack file promises (replicas, secret target). */
  UnexpectedServiceShape: 'UnexpectedServiceShape',
  /** A Vault node answers something this tool does not understand (unexpected version or payload). */
  UnexpectedVaultResponse: 'UnexpectedVaultResponse',
  /**
   * The node reports `removed_from_cluster` (Vault 1.19+): it was removed from the Raft cluster and is never
   * unsealed or joined with its data; emptying its data volume lets it join as a new node.
   */
  NodeRemovedFromCluster: 'NodeRemovedFromCluster',
  /** The service mounts an unseal-key secret made for another custody record than the one custody holds. */
  CustodyKeyMismatch: 'CustodyKeyMismatch',
  /** A name built from the stack name (a Docker secret) would exceed Swarm's limit. */
  NameTooLong: 'NameTooLong',
  /** The Docker secret attached to the service is a placeholder where the real key is expected. */
  PlaceholderWhereKeyExpected: 'PlaceholderWhereKeyExpected',
  /**
   * Custody holds neither the worker's token nor a root token (or Vault rejects the one it holds): nothing
   * can read the Raft configuration. `vault-bootstrap root-token` gets an operator back in.
   */
  VaultTokenUnavailable: 'VaultTokenUnavailable',
  /** Someone else's root generation attempt is in progress on the cluster: not cancelled, reported. */
  RootGenerationInProgress: 'RootGenerationInProgress',
  /** A rotation of the unseal key that this tool did not start is in progress: left alone, nothing changed. */
  RekeyInProgress: 'RekeyInProgress',
  /**
   * The service mounts an unseal-key secret of an older key generation than custody holds: a rotation's rollout
   * did not finish (`vault-bootstrap rekey` finishes it).
   */
  UnsealSecretOutdated: 'UnsealSecretOutdated',
  /**
   * A node the upgrade replaced did not come back (unsealed, a Raft voter autopilot calls healthy) within the
   * node timeout: the upgrade stops there, the cluster serving on the nodes that did; `--rollback` or a fixed
   * image goes on from there (docs/upgrade.md).
   */
  UpgradeNodeUnhealthy: 'UpgradeNodeUnhealthy',
  /**
   * A node does not serve, and Swarm's first pick of the rollout could be another one that does: two down, no
   * quorum. Nothing was changed; the node must serve again first, or be the only one the rollout replaces.
   */
  RolloutUnsafe: 'RolloutUnsafe',
  /**
   * Custody holds no token of a credential a step needs (the snapshot token, the root generation token: a
   * cluster bootstrapped by an older version), or its policy is not the one this version writes. The tool
   * does not repair its own access on its own: `vault-bootstrap credentials repair` does, when asked.
   */
  CredentialMissing: 'CredentialMissing',
  /**
   * Vault refused to enable the audit device on the logs volume (`/vault/logs/audit.log`): the volume is not
   * writable by the server. Nothing else was changed; the step runs again once it is.
   */
  AuditDeviceRefused: 'AuditDeviceRefused',
  /** A workflow's input is malformed (a direct start that skipped the client's checks); nothing was done. */
  InvalidInput: 'InvalidInput',
  /** The container to signal is not on the node the activity ran on (the task moved): the next check sees where. */
  ContainerNotOnNode: 'ContainerNotOnNode',
  /**
   * `vault-bootstrap exec` found no running Vault task on the node of the worker that took it (a command runs
   * through that Engine only): nothing was run. The Vault service places one task on each of its nodes.
   */
  NoVaultTaskOnWorkerNode: 'NoVaultTaskOnWorkerNode',
  /** A node agent was asked for a signal other than SIGHUP, or for a container that is not a Vault task of the stack. */
  SignalRefused: 'SignalRefused',
  /** Break glass was asked to encrypt a root token to a key the worker does not pin: nothing was generated. */
  BreakGlassRecipientNotPinned: 'BreakGlassRecipientNotPinned',
  /** An operator holds the stack (`vault-bootstrap hold`): no automatic action until it is released. */
  StackHeld: 'StackHeld',
  /** The backup folder does not exist (the storage box not mounted): nothing written, earlier snapshots intact. */
  BackupTargetMissing: 'BackupTargetMissing',
  /** The backup folder cannot be written (permissions, read-only mount). */
  BackupTargetNotWritable: 'BackupTargetNotWritable',
  /** The backup folder is full: the partial snapshot was removed, earlier snapshots intact. */
  BackupTargetFull: 'BackupTargetFull',
  /**
   * The backup folder can be written by others than its owner, is owned by another user, or is not a folder
   * (a symbolic link): whoever can write it could replace snapshots. Nothing was read or written.
   */
  BackupTargetInsecure: 'BackupTargetInsecure',
  /** The stack's backup folder holds no snapshot to restore. */
  NoSnapshot: 'NoSnapshot',
  /** The snapshot does not match its manifest (size or sha256), or has none: it was left in place, untouched. */
  SnapshotCorrupt: 'SnapshotCorrupt',
  /** The snapshot needs an unseal key custody does not hold (its manifest names another custody record). */
  SnapshotKeyNotInCustody: 'SnapshotKeyNotInCustody',
  /**
   * The manifest of the snapshot given to a restore has a MAC that does not verify (changed, or written
   * without custody's key), or none (written before issue 27, and not accepted as such): it is not trusted.
   */
  SnapshotManifestUntrusted: 'SnapshotManifestUntrusted',
  /** The snapshot given to a restore is of another stack. */
  SnapshotForOtherStack: 'SnapshotForOtherStack',
  /** A restore was asked for a stack whose service exists: it brings a stack back from nothing only. */
  StackNotEmpty: 'StackNotEmpty',
  /** The restored copy did not give back what the snapshot should hold (the canary, or its Raft membership). */
  RestoreCheckFailed: 'RestoreCheckFailed',
  /**
   * The drill's throwaway stack name (`<stack>-drill`) holds a service without the drill's label: not a drill's,
   * so nothing of it was removed (and no drill deployed).
   */
  ForeignDrillStack: 'ForeignDrillStack',
});

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** The `nonRetryableErrorTypes` of every workflow retry policy: all of `ErrorType`. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ErrorType);

/**
 * A failure no retry can fix, named by its `ErrorType`. Thrown anywhere below the activities; the activity
 * boundary (`toFailure`) reports it as a non-retryable ApplicationFailure of that type and this message.
 */
export class NonRetryableError extends Error {
  constructor(
    readonly type: ErrorTypeName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** The non-retryable ApplicationFailure of a named type: what a workflow or the activity boundary throws. */
export function nonRetryableFailure(type: ErrorTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true });
}

/**
 * The one mapping to Temporal, applied where every activity returns: a `NonRetryableError` becomes a
 * non-retryable ApplicationFailure of its type and message (without its `cause`, so the failure chain
 * ends at the named failure); everything else is returned as it is, for Temporal to retry.
 */
export function toFailure(err: unknown): unknown {
  return err instanceof NonRetryableError ? nonRetryableFailure(err.type, err.message) : err;
}

/** Whether waiting or retrying cannot change the outcome: a named failure, raised here or already mapped. */
export function isNamedFailure(err: unknown): boolean {
  return err instanceof NonRetryableError || (err instanceof ApplicationFailure && err.nonRetryable === true);
}

/** The innermost `cause` of an error chain (the error itself when it has none). */
function innermostCause(err: unknown): unknown {
  let root: unknown = err;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  return root;
}

/** The type of the innermost failure of a chain (`NoSnapshot`, `SnapshotCorrupt`, ...), or `error` when it names none. */
export function failureTypeOf(err: unknown): string {
  const root = innermostCause(err);
  return root instanceof ApplicationFailure && root.type ? root.type : 'error';
}

/** What was thrown, as one line of text: an Error's message, anything else as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `Type: message` of the innermost failure of a chain (a workflow's ActivityFailure -> ApplicationFailure,
 * a client's WorkflowFailedError -> ActivityFailure -> ApplicationFailure), or its message when it has no
 * type: what an operator acts on. The one walk of a cause chain in src: the SDK's `rootCause` returns only
 * the innermost message (and stops at a WorkflowFailedError, which is no TemporalFailure), not its type.
 */
export function describeFailure(err: unknown): string {
  const root = innermostCause(err);
  if (root instanceof TimeoutFailure) return `timed out (${root.timeoutType} timeout)`;
  const message = messageOf(root);
  return root instanceof ApplicationFailure && root.type ? `${root.type}: ${message}` : message;
}

// ---------------------------------------------------------------------------------------------------------
// Named failures raised below the activities

/** The custody kinds of failure: `UnsealKeyUnavailable` means the stack has no record at all. */
export type CustodyErrorKind = Extract<
  ErrorTypeName,
  | 'CustodyCorrupt'
  | 'CustodyKeyFileMissing'
  | 'CustodyPermissionsTooOpen'
  | 'CustodyNotWritable'
  | 'InitAnswerUnreadable'
  | 'UnsealKeyUnavailable'
>;

/** Key custody cannot give or keep a key: corrupt, too open, not writable, or no record. */
export class CustodyError extends NonRetryableError {
  constructor(
    readonly kind: CustodyErrorKind,
    message: string,
  ) {
    super(kind, message);
    this.name = 'CustodyError';
  }
}

/** A Vault node answered, but not in a shape this tool understands: `UnexpectedVaultResponse`. */
export class VaultProtocolError extends NonRetryableError {
  constructor(message: string) {
    super(ErrorType.UnexpectedVaultResponse, message);
    this.name = 'VaultProtocolError';
  }
}

/** A configuration value is missing or malformed (`InvalidConfig`). The message names the setting and what was expected. */
export class ConfigError extends NonRetryableError {
  constructor(
    readonly setting: string,
    expected: string,
    got?: string,
  ) {
    super(
      ErrorType.InvalidConfig,
      `${setting}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`,
    );
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Retryable and process-level errors

/** A Vault call failed. `status` is the HTTP status when Vault answered; the message never holds request data. */
export class VaultRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'VaultRequestError';
  }
}

/**
 * No node of a stack answers as its active node (unsealed, sys/leader `is_self`), each node asked in turn:
 * `seen` says what each answered instead. Retryable: an election ends within seconds once a quorum of the Raft
 * members is unsealed, and `unsealLeader` unseals the members a quorum needs. A standby's leader address is
 * not an answer (it can name the last active node, sealed since), so a step that needs the active node
 * fails with this rather than with the 307 a standby gives when it cannot forward.
 */
export class NoActiveNodeError extends Error {
  constructor(service: string, seen: string[]) {
    super(
      `no active Vault node in ${service} (${seen.join('; ')}): a quorum of the Raft members must be unsealed ` +
        `for one to be elected; unsealLeader unseals them, the step is retried`,
    );
    this.name = 'NoActiveNodeError';
  }
}

/** `VAULT_BOOTSTRAP_FAILPOINTS` is malformed or names a fault point that does not exist. */
export class FailpointSpecError extends Error {
  constructor(spec: string, reason?: string) {
    super(
      reason === undefined
        ? `VAULT_BOOTSTRAP_FAILPOINTS: expected name[=crash|error] or name=pause:/absolute/file, got ${JSON.stringify(spec)}`
        : `VAULT_BOOTSTRAP_FAILPOINTS: ${reason}, got ${JSON.stringify(spec)}`,
    );
    this.name = 'FailpointSpecError';
  }
}

/** The Temporal frontend cannot be reached at start. */
/**
 * Temporal refused a call (gRPC PERMISSION_DENIED): the cluster's authorizer does not let the caller's
 * identity (its client certificate's role, docs/temporal-cluster.md) do it. `reason` is the server's.
 */
export class TemporalPermissionDeniedError extends Error {
  constructor(reason: string, certFile?: string) {
    super(
      `Temporal refused the call: ${reason}. ` +
        (certFile === undefined
          ? 'This process sends no client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH), so it has no role.'
          : `The role of the certificate in ${certFile} (TEMPORAL_TLS_CLIENT_CERT_PATH) may not do this; ` +
            'docs/temporal-cluster.md lists what each role may do.'),
    );
    this.name = 'TemporalPermissionDeniedError';
  }
}

export class TemporalUnreachableError extends Error {
  /** `hint`: what the failure says about the TLS settings (src/config/temporal-tls.ts), when it says anything. */
  constructor(target: { address: string; namespace: string }, cause: unknown, hint?: string) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(
      `TEMPORAL_ADDRESS: cannot reach the Temporal frontend at ${target.address} (namespace ${target.namespace}): ${reason}. ` +
        (hint === undefined
          ? `Check the address (TEMPORAL_ADDRESS or --address), that the server runs and listens there, and that ` +
            `this host reaches it (firewall); a server that wants TLS also needs TEMPORAL_TLS* (README, ` +
            `"Production Temporal"). On the test bed: npm run testbed -- status.`
          : `TLS: ${hint}.`),
    );
    this.name = 'TemporalUnreachableError';
  }
}
