/**
 * The restore drill's activities (issue 11; docs/backups.md). Being written: the signatures are final.
 */
import type { DrillResult } from '../shared/backup';
import type { ActivityDeps } from './deps';

export function createDrillActivities(_deps: ActivityDeps) {
  /** Deploys the throwaway stack, restores the newest good snapshot, unseals it, reads the canary back. */
  async function runRestoreDrill(_input: { stack: string }): Promise<DrillResult> {
    throw new Error('runRestoreDrill: not built yet');
  }
  /** Removes the throwaway stack (absent already: nothing to do). */
  async function removeDrillStack(_input: { stack: string }): Promise<{ removed: boolean }> {
    throw new Error('removeDrillStack: not built yet');
  }
  return { runRestoreDrill, removeDrillStack };
}
