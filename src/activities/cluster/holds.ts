/** Operators' holds, as the automatic actions read them. */
import { ErrorType, NonRetryableError } from '../../shared/errors';
import type { ActivityDeps } from '../deps';

/**
 * Refuses an automatic action on a held stack (`StackHeld`, not retried), read right before acting: a hold
 * put on after the health run's check still wins. `nothingDone` says what was not done.
 */
export async function refuseWhileHeld(
  deps: Pick<ActivityDeps, 'holds'>,
  stack: string,
  nothingDone: string,
): Promise<void> {
  const hold = await deps.holds.current(stack);
  if (hold)
    throw new NonRetryableError(
      ErrorType.StackHeld,
      `stack ${stack} is held since ${hold.since}${hold.by ? ` by ${hold.by}` : ''} (${hold.reason}): ${nothingDone}`,
    );
}
