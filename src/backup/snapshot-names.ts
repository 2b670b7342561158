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
