/**
 * `ListVaultSnapshots`: the stack's snapshots as the worker's backup folder holds them (`vault-bootstrap backup
 * list`): the client never sees that folder, the worker does. One read-only activity; nothing is written.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SnapshotListing } from '../shared/backup';
import { checkStackInput } from '../shared/inputs';
import { backupHousekeeping } from './activity-options';

const housekeeping = proxyActivities<Activities>(backupHousekeeping);

export async function ListVaultSnapshots(input: { stack: string }): Promise<SnapshotListing> {
  checkStackInput(input);
  return housekeeping.listSnapshots(input);
}
