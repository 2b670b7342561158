/**
 * Replay test: every history committed in `test/replay/histories/` (recorded from real runs with
 * `npm run record-histories`) is replayed against the CURRENT workflow code (the compiled src/workflows,
 * bundled as the worker bundles it). A change that makes the code issue other commands than the ones the
 * history recorded (a step added, removed or moved, a different child or timer) fails here with Temporal's
 * non-determinism error, before it can break a `BootstrapVault` or a watcher in flight after a deploy.
 * No server is needed. The same files are checked to hold names and ids only, no key material.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import * as workflows from '../../src/workflows';
import type { WorkflowType } from './history-files';
import {
  HISTORIES_DIR,
  keyMaterialFindings,
  readHistoryFiles,
  typesLackingHistories,
  workflowTypesOf,
} from './history-files';

const files = readHistoryFiles();

/** A history (JSON text) of one activity that returned `value`, as a JSON payload. */
function historyWith(value: unknown): string {
  const payload = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from(JSON.stringify(value)).toString('base64'),
  };
  return JSON.stringify({
    events: [{ eventId: '7', activityTaskCompletedEventAttributes: { result: { payloads: [payload] } } }],
  });
}

/** Every workflow type the worker registers, from src/workflows' exports: each one needs a history here. */
const WORKFLOW_TYPES = workflowTypesOf(workflows);

/**
 * How to record a history of each type from the test bed's runs (stacks `vbt…` of the e2e and fault tests;
 * the health ones come from test/e2e/06-health.test.ts, the hold from 14, backups and drills from 15, the
 * restore from 16). `--list` instead of `--name` shows the candidates. Keyed by every exported workflow, so a
 * workflow added without a line here does not compile.
 */
const RECORD: Record<WorkflowType, string> = {
  BootstrapVault: `--query "WorkflowType='BootstrapVault' AND WorkflowId STARTS_WITH 'vault-bootstrap-vbt'" --limit 1 --name LABEL`,
  VerifyVaultHealth: `--query "WorkflowType='VerifyVaultHealth' AND WorkflowId STARTS_WITH 'vault-health-event-vbt'" --limit 1 --name event-remediated`,
  WatchVaultTasks: `--query "WorkflowType='WatchVaultTasks' AND WorkflowId STARTS_WITH 'vault-health-watch:vbt'" --limit 1 --name terminated-after-task-restart`,
  BreakGlassRootToken: `--query "WorkflowType='BreakGlassRootToken'" --limit 1 --name revoked-after-worker-restart`,
  HoldVaultStack: `--query "WorkflowType='HoldVaultStack' AND WorkflowId STARTS_WITH 'vault-hold:vbt'" --limit 1 --name completed-released`,
  BackupVault: `--query "WorkflowType='BackupVault' AND WorkflowId STARTS_WITH 'vault-backup-now:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed-backup-now`,
  RestoreDrill: `--query "WorkflowType='RestoreDrill' AND WorkflowId STARTS_WITH 'vault-drill-run:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed-drill-now`,
  RestoreVault: `--query "WorkflowType='RestoreVault' AND WorkflowId STARTS_WITH 'vault-restore:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
  ListVaultSnapshots: `--query "WorkflowType='ListVaultSnapshots' AND WorkflowId STARTS_WITH 'vault-backup-list:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
  RepairVaultCredentials: `--query "WorkflowType='RepairVaultCredentials' AND WorkflowId STARTS_WITH 'vault-credentials-repair:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
  RunVaultCommand: `--query "WorkflowType='RunVaultCommand' AND WorkflowId STARTS_WITH 'vault-exec:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed-status`,
  RekeyVault: `--query "WorkflowType='RekeyVault' AND WorkflowId STARTS_WITH 'vault-rekey:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
  UpgradeVault: `--query "WorkflowType='UpgradeVault' AND WorkflowId STARTS_WITH 'vault-upgrade:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
  DiagnoseVaultStack: `--query "WorkflowType='DiagnoseVaultStack' AND WorkflowId STARTS_WITH 'vault-doctor:vbt' AND ExecutionStatus='Completed'" --limit 1 --name completed`,
};

void describe(`replay of the recorded histories in ${HISTORIES_DIR}`, () => {
  const results = new Map<string, ReplayResult>();

  before(async () => {
    const logger = new DefaultLogger('ERROR');
    Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
    // Each under the id its run had; several runs share one (a stack's drill id), so the results, which come
    // one per history in the order given (the replay worker takes one history at a time), go by file.
    const replays = Worker.runReplayHistories(
      { workflowsPath: require.resolve('../../src/workflows'), replayName: 'replay-test' },
      files.map((f) => ({ workflowId: f.workflowId, history: f.history })),
    );
    let i = 0;
    for await (const result of replays) {
      const f = files[i++];
      assert.ok(
        f && result.workflowId === f.workflowId,
        'the replay results come in the order of the histories',
      );
      results.set(f.name, result);
    }
  });

  // Every exported workflow type must have at least one: a type without one would meet its in-flight runs
  // unguarded.
  for (const type of WORKFLOW_TYPES) {
    void it(`has recorded histories of ${type}`, () => {
      assert.deepEqual(
        typesLackingHistories([type], files),
        [],
        `no ${type} history in ${HISTORIES_DIR}; after a real run: npm run record-histories -- ${RECORD[type]}`,
      );
    });
  }

  void it('the workflow types are the functions src/workflows exports, not its queries and signals', () => {
    assert.ok(WORKFLOW_TYPES.length >= 8, WORKFLOW_TYPES.join(', '));
    for (const type of ['BootstrapVault', 'BackupVault', 'RestoreDrill', 'RestoreVault']) {
      assert.ok(WORKFLOW_TYPES.includes(type as WorkflowType), `${type} in ${WORKFLOW_TYPES.join(', ')}`);
    }
    for (const name of ['progressQuery', 'breakGlassQuery', 'revokeNowSignal', 'releaseSignal']) {
      assert.ok(name in workflows, `src/workflows exports ${name}`);
      assert.ok(!WORKFLOW_TYPES.includes(name as WorkflowType), `${name} is no workflow type`);
    }
    assert.deepEqual(Object.keys(RECORD).sort(), WORKFLOW_TYPES);
  });

  void it('the history check reports a workflow type once its histories are gone', () => {
    // Over the committed files: take away every history of one type, and the check names that type.
    for (const type of WORKFLOW_TYPES) {
      const without = files.filter((f) => f.workflowType !== type);
      assert.ok(typesLackingHistories(WORKFLOW_TYPES, without).includes(type), type);
    }
    // Over made-up files, exactly: one of each type but the second, and the second is the one reported.
    const [first, second, ...rest] = WORKFLOW_TYPES;
    assert.ok(first && second);
    const oneEach = [first, ...rest, first].map((workflowType) => ({ workflowType }));
    assert.deepEqual(typesLackingHistories(WORKFLOW_TYPES, oneEach), [second]);
    assert.deepEqual(typesLackingHistories(WORKFLOW_TYPES, [...oneEach, { workflowType: second }]), []);
    assert.deepEqual(typesLackingHistories(WORKFLOW_TYPES, []), WORKFLOW_TYPES);
  });

  for (const f of files) {
    void it(`replays ${f.file} (${f.workflowType}, ${f.history.events?.length ?? 0} events)`, () => {
      const result = results.get(f.name);
      assert.ok(result, `${f.file} was not replayed`);
      if (result.error) {
        assert.fail(`${f.file} no longer replays: ${result.error.name}: ${result.error.message}`);
      }
    });
  }

  void it("each history replays under its run's workflow id: the scheduled drill's, given its child's id, does not", async () => {
    // A scheduled RestoreDrill hands its drill to a child under the stack's drill id; under that id itself it
    // would drill, not start the child its history records. So the id the replay gives matters, and is the run's.
    const parent = files.find(
      (f) =>
        f.workflowType === 'RestoreDrill' &&
        f.history.events?.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes),
    );
    const childId = parent?.history.events?.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
      ?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    assert.ok(parent && childId, 'a RestoreDrill history that starts a child');
    assert.notEqual(parent.workflowId, childId);
    await assert.rejects(
      Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../src/workflows'), replayName: 'replay-test-wrong-id' },
        parent.history,
        childId,
      ),
      DeterminismViolationError,
    );
  });

  void it('the histories hold names and ids only, no key material', () => {
    for (const f of files) assert.deepEqual(keyMaterialFindings(f.text), [], f.file);
  });

  void it('the key material check catches a root token and an unseal key in a payload', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(keyMaterialFindings(historyWith({ keyId: 'key-0001', stack: 'vbt1' })), []);
    assert.equal(keyMaterialFindings(historyWith({ root_token: 'x' })).length, 1);
    assert.ok(keyMaterialFindings(historyWith({ token: `s.${'A1b2C3d4'.repeat(3)}` })).length > 0);
    assert.ok(keyMaterialFindings(historyWith({ k: key.toString('base64') })).length > 0);
    assert.ok(keyMaterialFindings(historyWith({ k: key.toString('hex') })).length > 0);
    assert.equal(keyMaterialFindings(historyWith({ unsealKey: 'x', rootToken: 'y' })).length, 1);
    assert.ok(keyMaterialFindings(historyWith({ unsealKey: { key: key.toString('hex') } })).length > 0);
    assert.ok(keyMaterialFindings(historyWith({ digest: key.toString('hex') })).length > 0);
  });

  void it('the key material check passes a backup manifest: a reference to the key, the snapshot digest', () => {
    const manifest = {
      format: 'vault-bootstrap-snapshot/v1',
      stack: 'vbt1',
      file: 'vbt1-20261206T060307Z.snap',
      unsealKey: {
        custodyKeyId: 'ed2ea60f-2534-4fcf-8879-2ec60be2210c',
        secretName: 'vbt1_vault_unseal_key_v1',
      },
      sha256: Buffer.alloc(32, 9).toString('hex'),
      mac: Buffer.alloc(32, 8).toString('hex'),
    };
    assert.deepEqual(keyMaterialFindings(historyWith(manifest)), []);
    // As a child's result inside RekeyVault's history: the manifest quoted once more.
    assert.deepEqual(keyMaterialFindings(historyWith({ backup: JSON.stringify({ manifest }) })), []);
    assert.ok(
      keyMaterialFindings(
        historyWith({ backup: JSON.stringify({ key: Buffer.alloc(32, 7).toString('hex') }) }),
      ).length > 0,
      'a key quoted inside a child’s result is still caught',
    );
  });
});
