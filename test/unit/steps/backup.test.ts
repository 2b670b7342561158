/**
 * The backup activities in memory: a snapshot read from the active node into the stack's folder with a
 * manifest naming its key, and retention applied to the folder as it is.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WORKER_POLICY_HCL } from '../../../src/activities/cluster/policies';
import { VAULT_API_PORT } from '../../../src/shared/constants';
import { fakeWorld } from '../../support/fakes';
import type { World } from '../../support/fakes';
import { namedFailure } from '../../support/failures';

async function bootstrapped(): Promise<World> {
  const w = fakeWorld();
  await w.bootstrapThrough('revokeRootToken');
  return w;
}

/** Bootstrapped, and ready for backups as `BackupVault`'s first step leaves it. */
async function backupReady(): Promise<World> {
  const w = await bootstrapped();
  await w.run(w.acts.ensureBackupAccess, w.input);
  return w;
}

const folder = (w: World) => join(w.deps.config.backup.dir, w.stack);

describe('takeSnapshot', () => {
  it('streams the active node’s snapshot into the stack’s folder; the manifest names the key it needs', async () => {
    const w = await backupReady();
    const m = await w.run(w.acts.takeSnapshot, w.input);
    assert.equal(m.stack, 's1');
    assert.match(m.file, /^s1-\d{8}T\d{6}Z\.snap$/);
    assert.equal(m.unsealKey.custodyKeyId, (await w.custody.read('s1')).keyId);
    assert.equal(m.unsealKey.secretName, 's1_vault_unseal_key_v1');
    assert.equal(m.unsealKey.secretVersion, 1);
    assert.deepEqual(m.canary, { path: 'vault-bootstrap/canary', value: m.file });
    assert.deepEqual(w.vault.kv.get('vault-bootstrap/canary'), {
      snapshot: m.file,
      takenAt: m.takenAt,
      stack: 's1',
    });
    const store = w.deps.snapshots.of(w.stack);
    const [listed] = await store.list();
    assert.deepEqual(listed, { manifest: m, good: true });
    assert.equal(await store.verify(m), true);
  });

  it('every node sealed: retried (no node answers unsealed), nothing written', async () => {
    const w = await backupReady();
    for (const slot of [1, 2, 3]) w.swarm.replaceTask(w.service, slot);
    await assert.rejects(w.run(w.acts.takeSnapshot, w.input), /no unsealed node of s1_vault answers/);
    assert.deepEqual(readdirSync(folder(w)), []);
  });

  it('no custody record: UnsealKeyUnavailable, nothing read or written', async () => {
    const w = await backupReady();
    w.custody.lose(w.stack);
    await assert.rejects(w.run(w.acts.takeSnapshot, w.input), namedFailure('UnsealKeyUnavailable'));
    assert.deepEqual(readdirSync(folder(w)), []);
  });
});

/** `n` snapshots an hour apart, on a clock that then moves only when the test says so; their file names. */
async function hourlySnapshots(w: World, n: number): Promise<string[]> {
  w.clock.mode = 'manual';
  const taken: string[] = [];
  for (let i = 0; i < n; i++) {
    taken.push((await w.run(w.acts.takeSnapshot, w.input)).file);
    w.clock.advance(3_600_000);
  }
  return taken;
}

describe('pruneSnapshots', () => {
  it('keeps what retention keeps and removes the rest, from the folder as it is', async () => {
    const w = await backupReady();
    w.deps.config.backup.keep = { hourly: 2, daily: 0, weekly: 0 };
    const taken = await hourlySnapshots(w, 4);
    const result = await w.run(w.acts.pruneSnapshots, w.input);
    assert.deepEqual(
      result.kept.map((k) => k.file),
      [taken[3], taken[2]],
    );
    assert.deepEqual(result.pruned, [taken[1], taken[0]]);
    assert.equal(readdirSync(folder(w)).length, 4, 'two snapshots, each with its manifest');
  });

  it('a manifest with a bad takenAt, or forged: skipped and reported, never pruned; the others pruned as before', async () => {
    const w = await backupReady();
    w.deps.config.backup.keep = { hourly: 1, daily: 0, weekly: 0 };
    const taken = await hourlySnapshots(w, 4);
    const manifestOf = (file: string) => join(folder(w), `${file}.manifest.json`);
    const edit = (file: string, change: object) =>
      writeFileSync(
        manifestOf(file),
        JSON.stringify({ ...(JSON.parse(readFileSync(manifestOf(file), 'utf8')) as object), ...change }),
      );
    edit(taken[0]!, { takenAt: 'not a time' });
    edit(taken[1]!, { takenAt: '2099-01-01T00:00:00.000Z' });
    const result = await w.run(w.acts.pruneSnapshots, w.input);
    assert.deepEqual(
      result.kept.map((k) => k.file),
      [taken[3]],
    );
    assert.deepEqual(result.pruned, [taken[2]]);
    assert.deepEqual(
      result.skipped?.map((s) => [s.file, s.reason]),
      [
        [taken[0], 'unreadable'],
        [taken[1], 'forged'],
      ],
    );
    assert.equal(readdirSync(folder(w)).length, 6, 'the skipped two and the newest, each with its manifest');
  });
});

describe('ensureBackupAccess', () => {
  it('a cluster this version bootstrapped: the snapshot token and the canary are there; nothing to do', async () => {
    const w = await bootstrapped();
    const tokens = [...w.vault.tokens.keys()];
    assert.deepEqual(await w.run(w.acts.ensureBackupAccess, w.input), {
      changed: false,
      summary: 'the snapshot token is valid; vault-bootstrap/canary can be written',
    });
    assert.deepEqual([...w.vault.tokens.keys()], tokens, 'no token made (no root generated)');
  });

  it('the worker token cannot read a snapshot; the snapshot token can read nothing but snapshots', async () => {
    const w = await bootstrapped();
    const held = await w.custody.read(w.stack);
    const node = w.vault.factory('vault-1', {
      host: w.vault.addressOf(1)!,
      port: VAULT_API_PORT,
      serverName: 'vault-1',
    });
    await assert.rejects(node.raftSnapshot(held.workerToken!), /HTTP 403/);
    await assert.rejects(node.raftConfiguration(held.snapshotToken!), /HTTP 403/);
    await assert.rejects(node.writeKv(held.snapshotToken!, 'vault-bootstrap/canary', { a: 'b' }), /HTTP 403/);
    await node.raftSnapshot(held.snapshotToken!);
  });

  it('a cluster of an older version (no snapshot token): CredentialMissing, nothing granted; repair, then backups work', async () => {
    const w = await bootstrapped();
    const held = await w.custody.read(w.stack);
    w.vault.tokens.delete(held.snapshotToken!);
    await w.custody.setTokens(w.stack, held.keyId, { snapshotToken: undefined });
    const tokens = [...w.vault.tokens.keys()];
    await assert.rejects(
      w.run(w.acts.ensureBackupAccess, w.input),
      namedFailure('CredentialMissing', /custody holds no snapshot token .*credentials repair --stack s1/),
    );
    await assert.rejects(w.run(w.acts.takeSnapshot, w.input), namedFailure('CredentialMissing'));
    assert.deepEqual([...w.vault.tokens.keys()], tokens, 'nothing granted on its own');
    const repaired = await w.run(w.acts.repairCredentials, w.input);
    assert.match(repaired.summary, /^issued the snapshot token \(accessor-\d+\)$/);
    assert.equal((await w.run(w.acts.ensureBackupAccess, w.input)).changed, false);
    assert.equal((await w.run(w.acts.takeSnapshot, w.input)).stack, 's1');
  });

  it('a snapshot token Vault rejects, or a policy changed: named, and repaired only when asked', async () => {
    const w = await bootstrapped();
    const held = await w.custody.read(w.stack);
    w.vault.tokens.delete(held.snapshotToken!);
    await assert.rejects(
      w.run(w.acts.ensureBackupAccess, w.input),
      namedFailure('CredentialMissing', /Vault rejects the snapshot token/),
    );
    w.vault.policies.set('vault-bootstrap-worker', 'path "sys/*" { capabilities = ["sudo"] }\n');
    const repaired = await w.run(w.acts.repairCredentials, w.input);
    assert.match(repaired.summary, /wrote the policy vault-bootstrap-worker; issued the snapshot token/);
    assert.equal(w.vault.policies.get('vault-bootstrap-worker'), WORKER_POLICY_HCL);
    assert.deepEqual(w.vault.rootTokens(), [], 'the generated root token is revoked');
    assert.equal((await w.run(w.acts.repairCredentials, w.input)).changed, false, 'once is enough');
  });
});
