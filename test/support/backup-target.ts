/**
 * A test run's backup target, laid out as the worker reads it: `VAULT_BACKUP_DIR` is `<run dir>/backups` (the
 * root `TestRun` makes, as a mounted storage box has it), and the stack's snapshots go in `<that>/<stack>`,
 * which the worker's first backup makes; `mount()` makes it now, for tests that put files there first.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BackupTarget {
  /** `VAULT_BACKUP_DIR`: `<run dir>/backups`. */
  root: string;
  /** The stack's own folder in it, where its snapshots and their manifests go. */
  folder: string;
  /** What the worker and the client are given: `{ VAULT_BACKUP_DIR: root }`. */
  env: Record<string, string>;
  /** Makes the stack's folder (and the root), as a mounted storage box has it. */
  mount(): void;
}

export function backupTarget(run: { dir: string; stack: string }): BackupTarget {
  const root = join(run.dir, 'backups');
  const folder = join(root, run.stack);
  return {
    root,
    folder,
    env: { VAULT_BACKUP_DIR: root },
    mount: () => mkdirSync(folder, { recursive: true }),
  };
}
