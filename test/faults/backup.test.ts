/**
 * Backup faults on the test bed (issue 11), each with its named outcome and nothing lost:
 *
 * - the backup root missing (the storage box not mounted): `BackupTargetMissing`, nothing created on the
 *   node's own disk; the root there but not the stack's folder: the first backup makes it, owner only;
 * - the snapshot folder full (a small tmpfs: ENOSPC) and read-only (the tmpfs remounted `ro`):
 *   `BackupTargetFull`, `BackupTargetNotWritable`, the earlier snapshot intact and no partial file left;
 * - the worker killed mid-stream (paused after the first chunk, SIGKILL): the next worker's retry writes a
 *   whole snapshot, and the dead writer's partial file is removed by retention once it is abandoned;
 * - the active node killed between choosing it and reading the snapshot: the retry reads from the new one.
 *
 * The drill's faults (no snapshot, a corrupt one, a truncated one) are in e2e 15. Run with
 * `npm run test:faults` (or this file alone); it mounts tmpfs, so it needs root, as the bed does.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SnapshotManifest } from '../../src/backup/snapshot-store';
import { DockerGateway } from '../../src/docker/gateway';
import { BackupVault } from '../../src/workflows';
import { testbedTemporalClient } from '../support/history';
import { backupTarget } from '../support/backup-target';
import { startAndBootstrap } from '../support/bootstrapped';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { dockerCli, killProcess, TestRun } from '../support/testbed';
import { PausePoint } from './fault-control';

const exec = promisify(execFile);

describe('backup faults on the test bed', () => {
  const run = new TestRun();
  const backups = backupTarget(run);
  const { folder, env: extra } = backups;
  const temporal = testbedTemporalClient();
  const gateway = new DockerGateway('/var/run/docker.sock');
  let worker: ChildProcess;
  let mounted = false;

  const entries = () => readdirSync(folder).sort();
  const snapshots = () => entries().filter((f) => f.endsWith('.snap'));
  const partials = () => entries().filter((f) => f.includes('.partial-'));
  /** Every snapshot in the folder matches its manifest, byte for byte. */
  const assertIntact = () => {
    for (const snap of snapshots()) {
      const m = JSON.parse(readFileSync(join(folder, `${snap}.manifest.json`), 'utf8')) as SnapshotManifest;
      const bytes = readFileSync(join(folder, snap));
      assert.equal(bytes.length, m.size, `${snap}: size`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), m.sha256, `${snap}: sha256`);
    }
  };
  const backupNow = () => run.client(['backup', 'now', '--wait'], extra);
  /** Starts one BackupVault directly (its handle is what a pause point needs). */
  const startBackup = (name: string) =>
    temporal().workflow.start(BackupVault, {
      taskQueue: run.taskQueue,
      workflowId: `${run.stack}-${name}`,
      args: [{ stack: run.stack }],
    });
  /** Replaces the worker: SIGKILL when `kill`, else a clean stop; the new one gets `env`. */
  const restartWorker = async (env: Record<string, string>, kill = false) => {
    if (kill) await killProcess(worker);
    else await run.stopWorkers();
    worker = run.startWorker({ ...extra, ...env });
  };

  before(async () => {
    rmSync(backups.root, { recursive: true, force: true }); // the storage not mounted: the first case
    worker = await startAndBootstrap(run, extra);
  });
  after(async () => {
    if (mounted) await exec('umount', [folder]).catch(() => undefined);
    await cleanUpLeavingNothing(run);
  });

  it('the backup root missing: BackupTargetMissing naming it, and nothing is created', async () => {
    const res = await backupNow();
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, new RegExp(`BackupTargetMissing: the backup root ${backups.root} does not exist`));
    assert.equal(existsSync(backups.root), false, 'a missing storage mount is never filled in');
  });

  // Issue 27, item 1: with only the root there (a storage box mounted, nothing made in it), every backup used to
  // fail BackupTargetMissing until an operator made the stack's folder by hand.
  it('the root there, not the stack’s folder: the first backup makes it (0700) and writes into it', async () => {
    mkdirSync(backups.root, { mode: 0o700 });
    const res = await backupNow();
    assert.equal(res.code, 0, res.out);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(snapshots().length, 1, entries().join(', '));
    assertIntact();
    rmSync(folder, { recursive: true });
  });

  it('the folder full (ENOSPC): BackupTargetFull, the earlier snapshot intact, no partial file', async () => {
    mkdirSync(folder);
    // Room for one snapshot of this small cluster (about 21 KB) and its manifest, not for two.
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=40k,mode=0700', 'tmpfs', folder]);
    mounted = true;
    const first = await backupNow();
    assert.equal(first.code, 0, first.out);
    const before = entries();
    assert.equal(snapshots().length, 1, before.join(', '));
    const full = await backupNow();
    assert.equal(full.code, 1, full.out);
    assert.match(full.out, /BackupTargetFull: /);
    assert.deepEqual(entries(), before, 'the folder as it was: the earlier snapshot, no partial file');
    assertIntact();
  });

  it('the folder read-only: BackupTargetNotWritable, the earlier snapshot intact', async () => {
    const before = entries();
    await exec('mount', ['-o', 'remount,ro', folder]);
    const res = await backupNow();
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /BackupTargetNotWritable: /);
    assert.deepEqual(entries(), before);
    assertIntact();
    await exec('umount', [folder]);
    mounted = false;
  });

  it('the worker killed mid-stream: the retry writes a whole snapshot; the partial goes once abandoned', async () => {
    const pause = new PausePoint(run, 'takeSnapshot:after-first-chunk');
    await restartWorker(pause.env);
    const handle = await startBackup('killed-mid-stream');
    await pause.reached(worker, handle);
    assert.equal(partials().length, 1, `the first chunk is in a partial file: ${entries().join(', ')}`);
    const [dead] = partials();
    await restartWorker({}, true);
    // The retry comes once the dead attempt's heartbeat times out (1 minute).
    const result = await handle.result();
    assert.ok(snapshots().includes(result.manifest.file), entries().join(', '));
    assertIntact();
    assert.deepEqual(partials(), [dead], 'the dead writer left its partial file, and only that');
    // Abandoned (untouched for over 10 minutes): the next backup's retention removes it.
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(join(folder, dead!), old, old);
    const next = await backupNow();
    assert.equal(next.code, 0, next.out);
    assert.deepEqual(partials(), []);
    assertIntact();
  });

  it('the active node killed before the snapshot is read: the retry reads it from the new active node', async () => {
    const pause = new PausePoint(run, 'takeSnapshot:before-read');
    await restartWorker(pause.env);
    const handle = await startBackup('leader-killed');
    await pause.reached(worker, handle);
    const tasks = await gateway.currentTasks(`${run.stack}_vault`);
    let leader: { slot: number; containerId: string } | undefined;
    for (const t of tasks.values()) {
      if (!t.address || !t.containerId) continue;
      const self = await run
        .vaultClient(`vault-${t.slot}`, t.address, `vault-${t.slot}`)
        .leader()
        .then((l) => l.isSelf)
        .catch(() => false);
      if (self) leader = { slot: t.slot, containerId: t.containerId };
    }
    assert.ok(leader, 'a node leads');
    await dockerCli(['kill', leader.containerId]);
    pause.release();
    const result = await handle.result();
    assert.ok(snapshots().includes(result.manifest.file), entries().join(', '));
    assertIntact();
    assert.deepEqual(partials(), []);
    console.log(
      `vault-${leader.slot} (the active node) killed before the read; ${result.manifest.file} written`,
    );
  });
});
