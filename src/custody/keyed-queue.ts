/**
 * Runs async functions one at a time per key, in call order: the read-modify-write of a custody record must
 * not interleave with another in the same process (two activities of one worker writing the same stack's
 * record would otherwise lose one write).
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.tails.get(key) ?? Promise.resolve();
    const next = prior.then(fn); // `prior` never rejects: it is a caught tail
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
