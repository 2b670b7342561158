/**
 * The restore drill in memory (src/activities/drill.ts), with the snapshot folder in memory and a fake Vault
 * that restores its own snapshots: the newest snapshot restored into a throwaway one-node stack on tmpfs
 * (its own Raft identity), the canary read back with the worker's token; each named failure before anything
 * is deployed or after; the throwaway stack removed, its tasks gone, whatever happened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillOverride } from '../../../src/activities/drill';
import { backedUpWorld, withoutCanary } from '../../support/fakes';
import type { BackedUpWorld } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';

const DRILL = 's1-drill';

/** Nothing of the drill deployed, nothing of the real cluster changed. */
function nothingDeployed(b: BackedUpWorld): void {
  assert.deepEqual(
    b.w.swarm.deploys.map((d) => d.stack),
    ['s1'],
    'only the bootstrap’s deploy',
  );
  assert.deepEqual(b.w.swarm.stacksRemoved, []);
  assert.equal(b.w.drillVault.calls.init, 0);
}

describe('runRestoreDrill', () => {
  it('restores the newest snapshot into a throwaway stack and reads the canary back; the real cluster untouched', async () => {
    const b = await backedUpWorld();
    const { w, manifest } = b;
    const tokensBefore = [...w.vault.tokens.keys()].sort();
    const result = await w.run(w.acts.runRestoreDrill, w.input);
    assert.deepEqual(
      { ...result, seconds: undefined },
      {
        stack: 's1',
        drillStack: DRILL,
        snapshot: {
          file: manifest.file,
          size: manifest.size,
          sha256: manifest.sha256,
          takenAt: manifest.takenAt,
        },
        canary: { path: 'vault-bootstrap/canary', expected: manifest.file, read: manifest.file },
        vaultVersion: '2.7.2',
        seconds: undefined,
      },
    );
    assert.ok(result.seconds.total >= result.seconds.deploy + result.seconds.restore - 0.2);
    const deploy = w.swarm.deploys.at(-1)!;
    assert.equal(deploy.stack, DRILL);
    assert.deepEqual(deploy.files, w.deps.config.stack.files, 'the stack’s own files');
    assert.equal(deploy.override, drillOverride(DRILL), 'one replica, its own identity, data on tmpfs');
    assert.deepEqual(deploy.env, {
      VAULT_UNSEAL_KEY_SECRET: w.secretBase + '_v1',
      VAULT_BOOTSTRAP_STACK_NAME: DRILL,
    });
    assert.deepEqual(w.swarm.stacksRemoved, [DRILL], 'a leftover of a crashed attempt is removed first');
    assert.deepEqual(w.drillVault.calls.restore, ['vault-1']);
    assert.deepEqual(b.folder.reads, [manifest.file]);
    assert.deepEqual(w.vault.calls.restore, [], 'the real cluster is never restored into');
    assert.deepEqual([...w.vault.tokens.keys()].sort(), tokensBefore);
    assert.equal(w.vault.activeSlot(), 1);
  });

  it('the newest of several snapshots is the one restored', async () => {
    const b = await backedUpWorld();
    b.w.clock.advance(3_600_000);
    const newer = await b.w.run(b.w.acts.takeSnapshot, b.w.input);
    assert.notEqual(newer.file, b.manifest.file);
    assert.equal((await b.w.run(b.w.acts.runRestoreDrill, b.w.input)).snapshot.file, newer.file);
  });

  it('retried after a failed attempt: the leftover throwaway stack is removed, a fresh one restores', async () => {
    const b = await backedUpWorld();
    b.w.drillVault.failNextRestore = new Error('socket hang up');
    await assert.rejects(b.w.run(b.w.acts.runRestoreDrill, b.w.input), retryableError(/socket hang up/));
    assert.equal(await b.w.swarm.stackTasks(DRILL), 1, 'the failed attempt’s stack is still there');
    const result = await b.w.run(b.w.acts.runRestoreDrill, b.w.input);
    assert.equal(result.canary.read, b.manifest.file);
    assert.deepEqual(b.w.swarm.stacksRemoved, [DRILL, DRILL]);
    assert.equal(
      b.w.drillVault.calls.init,
      2,
      'the fresh node is initialized again: its tmpfs started empty',
    );
  });

  it('no snapshot in the folder: NoSnapshot, nothing deployed', async () => {
    const b = await backedUpWorld();
    await b.folder.remove(b.manifest.file);
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'NoSnapshot',
        /^no snapshot of s1 in \/backups\/s1: run `vault-bootstrap backup now --stack s1` first$/,
      ),
    );
    nothingDeployed(b);
  });

  it('the storage not mounted: BackupTargetMissing, nothing deployed', async () => {
    const b = await backedUpWorld();
    b.folder.missing = true;
    await assert.rejects(b.w.run(b.w.acts.runRestoreDrill, b.w.input), namedFailure('BackupTargetMissing'));
    nothingDeployed(b);
  });

  for (const [why, spoil] of [
    ['it has no manifest', (b: BackedUpWorld) => b.folder.manifests.delete(b.manifest.file)],
    [
      'its size is not the \\d+ bytes its manifest says',
      (b: BackedUpWorld) => b.folder.files.set(b.manifest.file, Buffer.from('cut')),
    ],
    [
      'its sha256 is not the one its manifest says',
      (b: BackedUpWorld) => b.folder.files.set(b.manifest.file, Buffer.alloc(b.manifest.size)),
    ],
    [
      'its manifest names no canary to read back',
      (b: BackedUpWorld) => b.folder.putManifest(withoutCanary(b.manifest)),
    ],
  ] as const) {
    it(`the newest snapshot unusable (${why.replace(/\\d\+/, 'N')}): SnapshotCorrupt, left in place, nothing deployed`, async () => {
      const b = await backedUpWorld();
      await spoil(b);
      await assert.rejects(
        b.w.run(b.w.acts.runRestoreDrill, b.w.input),
        namedFailure(
          'SnapshotCorrupt',
          new RegExp(
            `^the newest snapshot ${b.manifest.file} in /backups/s1 cannot be restored: ${why}\\. It was left in ` +
              `place; the next backup writes a new one\\.$`,
          ),
        ),
      );
      assert.ok(b.folder.files.has(b.manifest.file));
      nothingDeployed(b);
    });
  }

  // Issue 27: a snapshot of another custody record is another cluster's, never chosen; the drill names it.
  it('custody holds another key than the snapshot needs: its snapshots are skipped, NoSnapshot names them, nothing deployed', async () => {
    const b = await backedUpWorld();
    b.w.custody.put('s1', { unsealKey: 'b3RoZXI=', rootToken: 'hvs.other' });
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'NoSnapshot',
        new RegExp(
          `^no snapshot of s1 in /backups/s1 that can be trusted \\(skipped: ${b.manifest.file}: it is of another ` +
            `cluster: it needs custody record ${b.manifest.unsealKey.custodyKeyId}; custody holds key-\\d+ for s1\\)`,
        ),
      ),
    );
    nothingDeployed(b);
  });

  it('no custody record: its snapshots are skipped, NoSnapshot, nothing deployed', async () => {
    const b = await backedUpWorld();
    b.w.custody.lose('s1');
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure('NoSnapshot', /custody holds no record for s1/),
    );
    nothingDeployed(b);
  });

  it('the newest manifest forged (its takenAt moved) or unreadable: skipped and named, the newest trusted one restored', async () => {
    const b = await backedUpWorld();
    b.w.clock.advance(3_600_000);
    const newer = await b.w.run(b.w.acts.takeSnapshot, b.w.input);
    b.w.clock.advance(3_600_000);
    const newest = await b.w.run(b.w.acts.takeSnapshot, b.w.input);
    b.folder.manifests.set(b.manifest.file, { ...b.manifest, takenAt: '2030-01-01T00:00:00.000Z' });
    b.folder.manifests.set(newest.file, { ...newest, takenAt: 'tomorrow' });
    const result = await b.w.run(b.w.acts.runRestoreDrill, b.w.input);
    assert.equal(result.snapshot.file, newer.file);
  });

  it('no unseal-key secret to mount: a retryable error, nothing deployed', async () => {
    const b = await backedUpWorld();
    await b.w.swarm.removeStack('s1');
    for (const s of await b.w.swarm.listSecretFamily(b.w.secretBase)) await b.w.swarm.removeSecret(s.id);
    b.w.swarm.stacksRemoved.length = 0;
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      retryableError(/^stack s1 has no unseal-key secret: is it bootstrapped\?$/),
    );
    assert.deepEqual(
      b.w.swarm.deploys.map((d) => d.stack),
      ['s1'],
    );
  });

  // Issue 27, item 3 (a): a stack in the drill's namespace whose service does not carry the drill's label is not
  // a drill's (someone deployed `s1-drill` by hand): it used to be removed with every service in it. Now it is
  // left running, and the drill fails by name before deploying anything.
  it('a service in s1-drill without the drill’s label: ForeignDrillStack, left running, nothing deployed', async () => {
    const b = await backedUpWorld();
    await b.w.swarm.givenService(DRILL, b.w.secretBase + '_v1', 1);
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'ForeignDrillStack',
        /^stack s1-drill has service s1-drill_vault without the label io\.iklimco\.restore-drill: it is not a restore drill's throwaway stack, so nothing of it was removed\. The drill of s1 needs that name: remove or rename that stack by hand$/,
      ),
    );
    assert.ok(await b.w.swarm.inspectService(`${DRILL}_vault`), 'the foreign service is still there');
    assert.equal(await b.w.swarm.stackTasks(DRILL), 1);
    nothingDeployed(b);
  });

  it('the restored copy lists the real nodes as its Raft peers: RestoreCheckFailed', async () => {
    const b = await backedUpWorld();
    b.w.drillVault.raftNodeId = (slot) => `vault-${slot}`; // as if the override's VAULT_RAFT_NODE_ID had not applied
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'RestoreCheckFailed',
        /^the restored copy in s1-drill lists Raft members vault-1, not only itself$/,
      ),
    );
  });

  it('the restored copy refuses the worker’s token on the canary (HTTP 403): RestoreCheckFailed', async () => {
    const b = await backedUpWorld((w) => {
      const policy = w.vault.policies.get('vault-bootstrap-worker')!;
      w.vault.policies.set(
        'vault-bootstrap-worker',
        policy.replace(
          'path "vault-bootstrap/canary" { capabilities = ["create", "update", "read"] }',
          'path "vault-bootstrap/canary" { capabilities = ["create", "update"] }',
        ),
      );
    });
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'RestoreCheckFailed',
        /^the restored copy of s1-\S+ refuses the worker's token from custody \(HTTP 403\): a restore of it would leave the worker without access$/,
      ),
    );
  });

  it('the canary read back is not the one the manifest names: RestoreCheckFailed', async () => {
    const b = await backedUpWorld();
    await b.folder.putManifest({
      ...b.manifest,
      canary: { path: 'vault-bootstrap/canary', value: 'another-snapshot' },
    });
    await assert.rejects(
      b.w.run(b.w.acts.runRestoreDrill, b.w.input),
      namedFailure(
        'RestoreCheckFailed',
        new RegExp(`holds vault-bootstrap/canary = ${b.manifest.file}, not another-snapshot$`),
      ),
    );
  });
});

describe('removeDrillStack', () => {
  it('after a failed drill: removes the throwaway stack, waits for its tasks to go, then its folders', async () => {
    const b = await backedUpWorld();
    b.w.drillVault.raftNodeId = (slot) => `vault-${slot}`;
    await assert.rejects(b.w.run(b.w.acts.runRestoreDrill, b.w.input), namedFailure('RestoreCheckFailed'));
    b.w.swarm.lingeringTaskReads = 3;
    const tasksWhenFoldersGo: number[] = [];
    const removeFolders = b.w.swarm.removeStackFolders.bind(b.w.swarm);
    b.w.swarm.removeStackFolders = async (stack) => {
      tasksWhenFoldersGo.push(await b.w.swarm.stackTasks(stack));
      return removeFolders(stack);
    };
    const sleeps = b.w.clock.sleeps.length;
    assert.deepEqual(await b.w.run(b.w.acts.removeDrillStack, b.w.input), { removed: true });
    assert.deepEqual(tasksWhenFoldersGo, [0]);
    assert.ok(b.w.clock.sleeps.length > sleeps, 'it waited for the tasks');
    assert.equal(await b.w.swarm.inspectService(`${DRILL}_vault`), undefined);
    assert.deepEqual(b.w.swarm.foldersRemoved, [DRILL, DRILL]);
    assert.equal(b.w.vault.activeSlot(), 1, 'the real stack runs on');
  });

  // (a) continued: the clean-up the workflow runs whatever happened refuses the same way.
  it('a service in s1-drill without the drill’s label: ForeignDrillStack, nothing removed', async () => {
    const b = await backedUpWorld();
    await b.w.swarm.givenService(DRILL, b.w.secretBase + '_v1', 1);
    await assert.rejects(
      b.w.run(b.w.acts.removeDrillStack, b.w.input),
      namedFailure('ForeignDrillStack', /nothing of it was removed/),
    );
    assert.ok(await b.w.swarm.inspectService(`${DRILL}_vault`));
    assert.deepEqual(b.w.swarm.foldersRemoved, [], 'its folders kept too');
  });

  it('nothing there (run again, or no drill ran): nothing to do', async () => {
    const b = await backedUpWorld();
    assert.deepEqual(await b.w.run(b.w.acts.removeDrillStack, b.w.input), { removed: false });
    assert.deepEqual(await b.w.run(b.w.acts.removeDrillStack, b.w.input), { removed: false });
    assert.deepEqual(b.w.swarm.stacksRemoved, [DRILL, DRILL]);
  });

  it('tasks that never go: a retryable error, the folders kept for the next attempt', async () => {
    const b = await backedUpWorld();
    await b.w.run(b.w.acts.runRestoreDrill, b.w.input);
    b.w.swarm.lingeringTaskReads = Number.MAX_SAFE_INTEGER;
    await assert.rejects(
      b.w.run(b.w.acts.removeDrillStack, b.w.input),
      retryableError(/removal of s1-drill_vault's tasks/),
    );
    assert.deepEqual(b.w.swarm.foldersRemoved, [DRILL], 'only the drill’s own first clean-up');
  });
});

describe('recordDrill', () => {
  it('writes the outcome beside the snapshots, where the health report reads it', async () => {
    const b = await backedUpWorld();
    const record = { at: new Date(b.w.clock.now()).toISOString(), ok: true, snapshot: b.manifest.file };
    await b.w.run(b.w.acts.recordDrill, { stack: 's1', record });
    assert.deepEqual(b.folder.drillRecord, record);
  });

  it('the storage gone: BackupTargetMissing', async () => {
    const b = await backedUpWorld();
    b.folder.missing = true;
    await assert.rejects(
      b.w.run(b.w.acts.recordDrill, { stack: 's1', record: { at: new Date(0).toISOString(), ok: false } }),
      namedFailure('BackupTargetMissing', /writing drill-last\.json/),
    );
  });
});
