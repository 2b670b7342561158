/** Test-side waiting: a pause, and polling a real state until it holds or a deadline passes. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits for `check` to hold, polling; fails with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await sleep(500);
  }
}
