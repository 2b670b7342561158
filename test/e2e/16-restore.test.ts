/**
 * Disaster recovery on the test bed (issue 11): a bootstrapped stack with KV entries is backed up, then the
 * stack, its tasks and all its data folders are removed; `restore --snapshot FILE --wait` brings it back from
 * nothing, with every entry and the canary, the seed's verification passing, and the stack's hold released.
 * Refusals come first, by name and with nothing changed: a stack that still exists, and a snapshot whose
 * bytes do not match its manifest. KV entries: `E2E_RESTORE_KV_ENTRIES`, default 200 (the closing notes'
 * measurement uses 10,000).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SnapshotManifest } from '../../src/backup/snapshot-store';
import { holdWorkflowId } from '../../src/shared/workflow-ids';
import type { HoldOutcome } from '../../src/shared/health';
import { testbedTemporalClient } from '../support/history';
import { rootSession } from '../support/root-session';
import { seedVerification } from '../support/seed-verify';
import { backupTarget } from '../support/backup-target';
import { startAndBootstrap } from '../support/bootstrapped';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { TestRun } from '../support/testbed';

const KV_ENTRIES = Number(process.env.E2E_RESTORE_KV_ENTRIES ?? 200);

describe('disaster recovery on the test bed', () => {
  const run = new TestRun();
  const backups = backupTarget(run);
  const { folder, env: extra } = backups;
  const temporal = testbedTemporalClient();
  let snapshot = '';

  before(async () => {
    backups.mount();
    await startAndBootstrap(run, extra);
    const { vault, root } = await rootSession(run, extra);
    await vault.mountKv(root, 'e2e');
    for (let i = 0; i < KV_ENTRIES; i += 20)
      await Promise.all(
        Array.from({ length: Math.min(20, KV_ENTRIES - i) }, (_, j) =>
          vault.writeKv(root, `e2e/entry-${i + j}`, { n: String(i + j) }),
        ),
      );
    const backup = await run.client(['backup', 'now', '--wait'], extra);
    assert.equal(backup.code, 0, backup.out);
    snapshot = readdirSync(folder).find((f) => f.endsWith('.snap'))!;
    console.log(`${KV_ENTRIES} entries written; ${backup.out.split('\n')[0]}`);
  });
  after(async () => {
    await temporal()
      .workflow.getHandle(holdWorkflowId(run.stack))
      .terminate('test over')
      .catch(() => undefined);
    await cleanUpLeavingNothing(run);
  });

  it('refuses a stack that still exists (StackNotEmpty), changing nothing', async () => {
    const res = await run.client(['restore', '--snapshot', snapshot, '--yes', '--wait'], extra);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /StackNotEmpty: service \S+_vault exists/);
    assert.match(res.out, /Nothing was changed\./);
  });

  it('refuses a copy whose manifest was edited (SnapshotManifestUntrusted, issue 27), changing nothing', async () => {
    // A copy under another name with its manifest edited to name it, one byte changed: the manifest's MAC no
    // longer verifies, so the restore refuses it before its bytes are even read (the drill test in
    // 15-backup covers SnapshotCorrupt on the bytes of a snapshot whose manifest is intact).
    const copy = snapshot.replace(/-\d{8}T\d{6}Z\.snap$/, '-20000101T000000Z.snap');
    const bytes = readFileSync(join(folder, snapshot));
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(join(folder, copy), bytes);
    const manifest = JSON.parse(
      readFileSync(join(folder, `${snapshot}.manifest.json`), 'utf8'),
    ) as SnapshotManifest;
    writeFileSync(join(folder, `${copy}.manifest.json`), JSON.stringify({ ...manifest, file: copy }));
    const res = await run.client(['restore', '--snapshot', copy, '--yes', '--wait'], extra);
    rmSync(join(folder, copy));
    rmSync(join(folder, `${copy}.manifest.json`));
    assert.equal(res.code, 1, res.out);
    assert.match(
      res.out,
      /SnapshotManifestUntrusted: snapshot \S+ is not trusted: its manifest MAC does not verify/,
    );
  });

  it('restore brings the stack back from nothing: every entry and the canary, seed verification, hold released', async () => {
    // The disaster: the stack, its tasks, and every data folder gone (the swarm and custody survive).
    await run.removeStackAndData();

    const started = Date.now();
    const res = await run.client(['restore', '--snapshot', snapshot, '--yes', '--wait'], extra);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(res.code, 0, res.out);
    console.log(
      `restore of ${KV_ENTRIES} entries: ${seconds.toFixed(1)} s wall (client round trip)\n${res.out}`,
    );
    assert.match(res.out, /restoreLeader: .*restored \S+ into vault-1/);
    assert.match(res.out, /checkRestored: vault-bootstrap\/canary = \S+: the data of \S+ is back/);

    const v = await seedVerification(run.stack, run.custodyDir, run.custodyKeyFile);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.equal(v.leaders, 1, v.listPeers);
    assert.equal(v.followers, 2, v.listPeers);

    const { vault, root } = await rootSession(run, extra);
    const read = Date.now();
    let missing = 0;
    for (let i = 0; i < KV_ENTRIES; i += 50) {
      const got = await Promise.all(
        Array.from({ length: Math.min(50, KV_ENTRIES - i) }, (_, j) =>
          vault.readKv(root, `e2e/entry-${i + j}`),
        ),
      );
      got.forEach((g, j) => {
        if (g?.n !== String(i + j)) missing++;
      });
    }
    assert.equal(missing, 0, `${missing} of ${KV_ENTRIES} entries not back`);
    console.log(`all ${KV_ENTRIES} entries read back in ${((Date.now() - read) / 1000).toFixed(1)} s`);

    // The restore's hold was released, and the check that release ran found the stack healthy.
    const outcome = (await temporal().workflow.getHandle(holdWorkflowId(run.stack)).result()) as HoldOutcome;
    assert.equal(outcome.health.verdict, 'Healthy', JSON.stringify(outcome.health.findings));
  });
});
