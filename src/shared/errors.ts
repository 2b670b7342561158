/**
 * PascalCase `type`s of the non-retryable ApplicationFailures the activities raise.
 * Every one of them means: no retry can fix this, an operator must act; the message says how.
 */
export const ErrorType = {
  /** A resume request names a step that does not exist. */
  UnknownStep: 'UnknownStep',
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
  /** A node other than the designated leader is already initialized outside our cluster. */
  ForeignClusterDetected: 'ForeignClusterDetected',
  /** The custody file cannot be decrypted or parsed. */
  CustodyCorrupt: 'CustodyCorrupt',
  /** The custody file or its key is readable by others than the owner. */
  CustodyPermissionsTooOpen: 'CustodyPermissionsTooOpen',
  /** The custody folder cannot be written. */
  CustodyNotWritable: 'CustodyNotWritable',
  /** The running service does not have the shape the stack file promises (replicas, secret target). */
  UnexpectedServiceShape: 'UnexpectedServiceShape',
  /** A Vault node answers something this tool does not understand (unexpected version or payload). */
  UnexpectedVaultResponse: 'UnexpectedVaultResponse',
  /** The service mounts an unseal-key secret made for another custody record than the one custody holds. */
  CustodyKeyMismatch: 'CustodyKeyMismatch',
  /** The Docker secret attached to the service is a placeholder where the real key is expected. */
  PlaceholderWhereKeyExpected: 'PlaceholderWhereKeyExpected',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ErrorType);
