/** How snapshot files are named: `<stack>-20261130T120000Z.snap`, which sorts by time within a stack. */

/** `20261130T120000Z`: a time as it appears in snapshot names. */
export function compactTime(t: Date): string {
  return t
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** The name a snapshot of `stack` taken at `t` gets. */
export function snapshotFileName(stack: string, t: Date): string {
  return `${stack}-${compactTime(t)}.snap`;
}

/**
 * A snapshot's file name as the store names them: `<stack>-<YYYYMMDD>T<HHMMSS>Z.snap`, not hidden (a partial
 * file starts with `.`), no folder: without a `/` it cannot be `..` or climb out of the stack's folder. What the
 * store lists, and what `restore --snapshot` takes.
 */
const SNAPSHOT_FILE = /^[^./][^/]*-\d{8}T\d{6}Z\.snap$/;

export function isSnapshotFileName(name: string): boolean {
  return SNAPSHOT_FILE.test(name);
}
