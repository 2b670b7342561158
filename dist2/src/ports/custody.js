"use strict";
/**
 * Where the unseal key and the worker's Vault token live after `sys/init` (the root token too, until the
 * bootstrap's last step revokes it). Implemented by `FileKeyCustody` (encrypted
 * files, src/custody/file-custody.ts); in tests by `FakeCustody`. Failures are `CustodyError`s
 * (src/shared/errors.ts) of one of the `CustodyErrorKind`s.
 */
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=custody.js.map