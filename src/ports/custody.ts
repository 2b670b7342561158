/**
 * Where the unseal key and root token live after `sys/init`. Implemented by `FileKeyCustody` (encrypted
 * files, src/custody/file-custody.ts); in tests by `FakeCustody`. Failures are `CustodyError`s
 * (src/shared/errors.ts) of one of the `CustodyErrorKind`s.
 */

/** The plaintext a record protects. */
export interface CustodySecrets {
  unsealKey: string;
  rootToken: string;
}

/** What may be shown about a record: no key material. */
export interface CustodyRecordInfo {
  keyId: string;
  stack: string;
  createdAt: string;
}

/** A decrypted custody record: the key and token with their record id. */
export type HeldKeys = CustodySecrets & CustodyRecordInfo;

export interface KeyCustody {
  /** Proves the record folder and the encryption key are usable: writes, fsyncs, reads back and removes a probe. */
  assertWritable(stack: string): Promise<void>;
  /** Metadata of the stack's record, or undefined when there is none. */
  describe(stack: string): Promise<CustodyRecordInfo | undefined>;
  /** Persists the secrets durably before returning; refuses to overwrite an existing record. */
  store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo>;
  /** The stack's record, decrypted; `UnsealKeyUnavailable` when there is none. */
  read(stack: string): Promise<HeldKeys>;
}
