/**
 * The worker's own files the steps read, never write: the stack files preflight checks, the TLS files
 * preflight looks for and health compares with what Vault serves. Implemented over `node:fs` by `localFiles`
 * (src/fs/local-files.ts).
 */
export interface LocalFiles {
  /** The file's text (UTF-8); rejects with the system's error (its `code`: ENOENT, EACCES...) when it cannot be read. */
  readText: (path: string) => Promise<string>;
  /** Whether the file is there for this process (`access`). */
  exists: (path: string) => Promise<boolean>;
}
