/** Durability on local files: what custody records and backup snapshots both need to survive a crash. */
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync of `path` opened with `flags` (a folder: `O_RDONLY`, so a rename or link in it is on disk). */
export async function fsyncPath(path: string, flags: number): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync of the folder that holds `path`: a file just renamed or linked there is then on disk by its name. */
export function fsyncParent(path: string): Promise<void> {
  return fsyncPath(dirname(path), fsConstants.O_RDONLY);
}
