/**
 * The end state every fault case must reach (`assertBootstrapped`), and a test stack's clean-up that
 * counts whatever it left behind (`withTestRun`, `cleanupWithoutLeaks`).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { LABEL_KEY_ID, LABEL_STACK_PARALLELISM } from '../../src/shared/constants';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import type { BootstrapResult } from '../../src/shared/types';
import { activitiesOf, historyOf, historyText, secretForms } from '../support/history';
import type { HistoryEvent } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { dockerCli, REPO, TestRun } from '../support/testbed';
import { custodyOf, listDir, runIdsOf, vaultStatusBySlot } from './stack-state';
import { count } from './summary';

/** The key ids the history's completed `initLeader` activities returned. */
export function initLeaderKeyIds(events: HistoryEvent[]): string[] {
  return activitiesOf(events)
    .filter((a) => a.type === 'initLeader' && a.result !== undefined)
    .map((a) => (a.result as { keyId: string }).keyId);
}

/**
 * After a bootstrap completed despite a fault: Vault initialized exactly once, the key in custody is the
 * one every node was unsealed with, the seed verification holds, exactly one `<stack>_vault_unseal_key_v1`
 * is left, and no key material is in any history of the workflow or in the worker log. Counts what it finds
 * (double inits, lost keys, orphaned versions) before asserting, so the summary table is right even when a
 * case fails.
 */
export async function assertBootstrapped(
  run: TestRun,
  client: Client,
  result: BootstrapResult,
): Promise<void> {
  const { dir, keyFile, custody } = custodyOf(run);
  const workflowId = bootstrapWorkflowId(run.stack);
  const files = listDir(dir);
  const records = files.filter((f) => f.startsWith(`${run.stack}.json`));
  const conflicts = files.filter((f) => f.includes('.conflict-'));
  const held = await custody.read(run.stack).catch(() => undefined);

  const runIds = await runIdsOf(client, workflowId);
  const histories = await Promise.all(runIds.map((id) => historyOf(client, workflowId, id)));
  const historyKeyIds = histories.flatMap(initLeaderKeyIds);
  const family = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
  const names = family.map((s) => s.Spec?.Name ?? '').sort();
  const v1 = family.find((s) => s.Spec?.Name === `${run.secretBase}_v1`);
  const status = await vaultStatusBySlot(run.stack);

  const doubleInit =
    records.length !== 1 ||
    conflicts.length > 0 ||
    (held !== undefined && result.summary.keyId !== held.keyId) ||
    historyKeyIds.some((k) => k !== result.summary.keyId);
  count(
    'doubleInits',
    doubleInit ? 1 : 0,
    `${run.stack}: custody ${files.join(' ')}; history key ids ${historyKeyIds.join(' ')}`,
  );
  count('keysLost', held === undefined ? 1 : 0, `${run.stack}: the custody record cannot be read`);
  const orphans = names.filter((n) => n !== `${run.secretBase}_v1`);
  count('leaksFound', orphans.length, `${run.stack}: orphaned secrets ${orphans.join(' ')}`);

  assert.deepEqual(records, [`${run.stack}.json`], `one custody record (custody folder: ${files.join(' ')})`);
  assert.deepEqual(conflicts, [], 'no .conflict- record: sys/init answered once');
  assert.ok(held, 'the custody record decrypts');
  assert.equal(result.summary.keyId, held.keyId, 'the final result names the custody record');
  assert.ok(historyKeyIds.length >= 1, 'initLeader completed');
  for (const k of historyKeyIds) assert.equal(k, held.keyId, 'every initLeader result names the same key');
  assert.deepEqual(names, [`${run.secretBase}_v1`], 'exactly one secret version left, no orphans');
  assert.equal(v1?.Spec?.Labels?.[LABEL_KEY_ID], held.keyId, 'the mounted secret holds the custody key');

  // An all-at-once rollout interrupted anywhere still ends with the stack's own update_config.
  const spec = JSON.parse(
    await dockerCli(['service', 'inspect', '--format', '{{json .Spec}}', `${run.stack}_vault`]),
  ) as { UpdateConfig?: { Parallelism?: number }; Labels?: Record<string, string> };
  assert.equal(spec.UpdateConfig?.Parallelism, 1, "the stack's update_config parallelism is back");
  assert.equal(spec.Labels?.[LABEL_STACK_PARALLELISM], undefined, 'no kept-parallelism label is left');

  assert.equal(status.size, 3, 'three Vault containers');
  for (const [slot, s] of status) {
    assert.ok(s.initialized && !s.sealed, `vault-${slot} is initialized and unsealed:\n${s.text}`);
  }
  const v = await seedVerification(run.stack, dir, keyFile);
  assert.equal(v.runningTasks, 3, v.servicePs);
  assert.ok(v.sealedFalse, v.vaultStatus);
  assert.equal(v.leaders, 1, v.listPeers);
  assert.equal(v.followers, 2, v.listPeers);

  const log = readFileSync(run.workerLog, 'utf8');
  // A completed bootstrap leaves no root token (revokeRootToken); the tool's tokens replaced it in custody.
  assert.equal(held.rootToken, undefined, 'no root token left in custody');
  assert.ok(held.workerToken && held.snapshotToken, "custody holds the tool's tokens");
  const forms = [
    held.unsealKey,
    held.workerToken,
    held.snapshotToken,
    held.rootGenerationToken,
    held.rootToken,
  ]
    .filter((v): v is string => v !== undefined)
    .flatMap(secretForms);
  for (const [i, events] of histories.entries()) {
    const text = historyText(events);
    for (const f of forms) assert.ok(!text.includes(f), `no key material in the history of run ${runIds[i]}`);
  }
  for (const f of forms) assert.ok(!log.includes(f), 'no key material in the worker log');
}

/**
 * Runs `body` on a new test stack, then removes the stack and counts whatever it left behind, whether
 * the body passed or failed (a body's own `finally` runs first, e.g. to bring a killed server back).
 */
export async function withTestRun<T>(body: (run: TestRun) => Promise<T>): Promise<T> {
  const run = new TestRun();
  try {
    return await body(run);
  } finally {
    await cleanupWithoutLeaks(run);
  }
}

/** Removes the stack (`run.cleanup()`), then checks and counts what is left of it. */
export async function cleanupWithoutLeaks(run: TestRun): Promise<void> {
  await run.cleanup();
  const left = await run.leftovers();
  const configs = await run.docker.listConfigs({
    filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
  });
  for (const c of configs) left.push(`config ${c.Spec?.Name}`);
  if (existsSync(join(run.bed.TESTBED_STACK_ROOT ?? join(REPO, '.cache', 'stacks'), run.stack)))
    left.push(`data folder of ${run.stack}`);
  count('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
  assert.deepEqual(left, [], 'the stack leaves nothing behind');
}
