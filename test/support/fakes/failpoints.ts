/** Fault points that do nothing but remember which were passed, in order (and, if asked, run a test's hook). */
import type { FailpointName, FaultPoints } from '../../../src/ports';

export class RecordingFailpoints implements FaultPoints {
  readonly hits: FailpointName[] = [];
  /** Runs at a point, e.g. to change the world right there or to throw like the `error` action. */
  readonly at = new Map<FailpointName, () => void | Promise<void>>();

  /** Forgets the points passed so far (e.g. those of the steps that set a test's world up). */
  clear(): void {
    this.hits.length = 0;
  }

  async hit(name: FailpointName): Promise<void> {
    this.hits.push(name);
    await this.at.get(name)?.();
  }
}
