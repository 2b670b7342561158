/**
 * `vault-bootstrap backup ACTION`: one backup now, the stack's snapshots, one restore drill now, or the stack's
 * backup and drill schedules (`backup schedule ACTION`: the `backup` kind of `../schedule.ts`) (docs/backups.md).
 */
export { backupDrill } from './drill';
export { backupList } from './list';
export { backupNow } from './now';
