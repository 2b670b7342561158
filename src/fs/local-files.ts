/** The `LocalFiles` port over `node:fs`. */
import { access, readFile } from 'node:fs/promises';
import type { LocalFiles } from '../ports/files';

export const localFiles: LocalFiles = {
  readText: (path) => readFile(path, 'utf8'),
  exists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),
};
