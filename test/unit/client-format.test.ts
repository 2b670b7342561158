/**
 * What the client prints, without a server: progress rows, the live log of `bootstrap --wait`, failures as
 * `Type: message`, the health report, a schedule's description, a restore drill's result; and the follow
 * loop over a fake run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, rootCause } from '@temporalio/common';
import { followProgress } from '../../src/client/follow';
import type { BootstrapRun } from '../../src/client/follow';
import {
  formatBootstrapFailure,
  formatBootstrapStarted,
  formatBootstrapSummary,
  formatDrillResult,
  formatProgress,
  formatProgressEvent,
  formatReport,
  formatScheduleDescription,
  uiLink,
} from '../../src/client/format';
import type { DrillResult } from '../../src/shared/backup';
import { loadClientConfig } from '../../src/config/client';
import { describeFailure } from '../../src/shared/errors';
import type { HealthReport } from '../../src/shared/health';
import type { StepProgress } from '../../src/shared/steps';
import type { BootstrapResult } from '../../src/shared/types';

const config = loadClientConfig({ TEMPORAL_UI_URL: 'http://ui:8233', TEMPORAL_NAMESPACE: 'ops-1' });

/** The chain a failed BootstrapVault arrives as: WorkflowFailedError → ActivityFailure → ApplicationFailure. */
function failedRun(type: string, message: string): WorkflowFailedError {
  const app = ApplicationFailure.nonRetryable(message, type);
  const activity = new ActivityFailure(
    'Activity task failed',
    'initLeader',
    '5',
    RetryState.NON_RETRYABLE_FAILURE,
    'worker@host',
    app,
  );
  return new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
}

describe('client failure text', () => {
  it('is the innermost ApplicationFailure as Type: message', () => {
    const err = failedRun('UnsealKeyUnavailable', 'vault-1 is already initialized, but custody holds no key');
    assert.equal(
      describeFailure(err),
      'UnsealKeyUnavailable: vault-1 is already initialized, but custody holds no key',
    );
    // What the SDK's rootCause would give: the message without the type that says what to do.
    assert.equal(rootCause(err.cause), 'vault-1 is already initialized, but custody holds no key');
  });

  it('is the innermost message when there is no type, and any error or value as text', () => {
    assert.equal(describeFailure(new ApplicationFailure('untyped')), 'untyped');
    const grpc = new Error('4 DEADLINE_EXCEEDED: no worker answered');
    assert.equal(
      describeFailure(new ServiceError('Failed to query Workflow', { cause: grpc })),
      '4 DEADLINE_EXCEEDED: no worker answered',
    );
    assert.equal(describeFailure('plain'), 'plain');
  });

  it('of a failed bootstrap is the line the fault suite matches, then the UI link', () => {
    const text = formatBootstrapFailure(
      config,
      'vault-bootstrap-s1',
      failedRun('StackFileInvalid', 'stack file x.yml cannot be read (ENOENT)'),
    );
    assert.equal(
      text,
      '\nBootstrapVault failed: StackFileInvalid: stack file x.yml cannot be read (ENOENT)\n' +
        'See http://ui:8233/namespaces/ops-1/workflows/vault-bootstrap-s1',
    );
    assert.match(text, new RegExp(`BootstrapVault failed: StackFileInvalid: `));
  });
});

describe('client bootstrap lines', () => {
  it('name the workflow and the run id the race test compares', () => {
    const runId = '0193e0c2-8f7a-7c3e-9d5e-1a2b3c4d5e6f';
    const text = formatBootstrapStarted(config, 's1', 'vault-bootstrap-s1', runId);
    assert.equal(
      text,
      `BootstrapVault for stack s1: workflow vault-bootstrap-s1 (run ${runId})\n` +
        'Temporal UI: http://ui:8233/namespaces/ops-1/workflows/vault-bootstrap-s1',
    );
    assert.equal(/\(run ([0-9a-f-]+)\)/.exec(text)?.[1], runId);
    assert.equal(uiLink(config, 'a/b'), 'http://ui:8233/namespaces/ops-1/workflows/a%2Fb');
  });

  it('summarize a bootstrapped cluster', () => {
    const text = formatBootstrapSummary({
      stack: 's1',
      service: 's1_vault',
      leader: 'vault-1',
      followers: ['vault-2', 'vault-3'],
      unsealSecret: 's1_vault_unseal_key_v1',
      unsealSecretVersion: 1,
      keyId: 'k-123',
      runningTasks: 3,
    });
    assert.equal(
      text,
      [
        '',
        'Vault cluster s1_vault is bootstrapped and verified:',
        '  running tasks : 3',
        '  leader        : vault-1',
        '  followers     : vault-2, vault-3',
        '  unseal secret : s1_vault_unseal_key_v1 (version 1) at target vault_unseal_key',
        '  key custody   : record k-123',
      ].join('\n'),
    );
  });
});

describe('client progress rows', () => {
  const rows: StepProgress[] = [
    {
      step: 'preflight',
      status: 'done',
      startedAt: '2025-01-01T10:00:00.000Z',
      endedAt: '2025-01-01T10:00:02.500Z',
      summary: 'stack file ok',
    },
    { step: 'initLeader', status: 'running', startedAt: '2025-01-01T10:00:03.000Z' },
    { step: 'joinPeers', status: 'failed', error: 'joining vault-2: refused', summary: 'ignored' },
    { step: 'verifyCluster', status: 'pending' },
  ];

  it('show status, step, duration, attempt of the running step, and the error before the summary', () => {
    assert.equal(
      formatProgress(rows, 3),
      [
        '  done     preflight                   2.5s  stack file ok',
        '  running  initLeader                       (attempt 3)  ',
        '  failed   joinPeers                         joining vault-2: refused',
        '  pending  verifyCluster                     ',
      ].join('\n'),
    );
    assert.ok(!formatProgress(rows, 1).includes('attempt'), 'a first attempt is not shown');
    assert.ok(!formatProgress(rows).includes('attempt'));
  });

  it('log a change as a time-stamped line the e2e and fault suites match', () => {
    const at = new Date('2025-01-01T10:11:12.999Z');
    const done = formatProgressEvent(
      { step: 'unsealPeers', status: 'done', summary: 'unsealed vault-3' },
      at,
    );
    assert.equal(done, '[10:11:12] unsealPeers              done  unsealed vault-3');
    assert.match(done, /unsealPeers\s+done\s+unsealed vault-3/);
    const failed = formatProgressEvent(
      { step: 'preflight', status: 'failed', error: 'StackFileInvalid' },
      at,
    );
    assert.match(failed, /preflight\s+failed/);
    assert.equal(
      formatProgressEvent({ step: 'initLeader', status: 'running' }, at),
      '[10:11:12] initLeader               running',
    );
  });
});

describe('client follow loop', () => {
  const result: BootstrapResult = {
    summary: {
      stack: 's',
      service: 's_vault',
      leader: 'vault-1',
      followers: [],
      unsealSecret: 'x',
      unsealSecretVersion: 1,
      keyId: 'k',
      runningTasks: 3,
    },
    steps: [],
  };

  /** A run that answers `views` in turn (an Error: the query fails), ending after the last one is read. */
  function fakeRun(views: (StepProgress[] | Error)[], outcome: 'done' | Error): BootstrapRun {
    let i = 0;
    let end!: () => void;
    const ended = new Promise<void>((res) => (end = res));
    return {
      progress() {
        const view = views[Math.min(i, views.length - 1)];
        i += 1;
        if (i >= views.length) end();
        return view instanceof Error ? Promise.reject(view) : Promise.resolve(view ?? []);
      },
      result: () => ended.then(() => (outcome === 'done' ? result : Promise.reject(outcome))),
    };
  }

  const at = new Date('2025-01-01T00:00:00Z');

  it('prints each status a step reaches once, skips failed queries, and prints the final states', async () => {
    const lines: string[] = [];
    const run = fakeRun(
      [
        new Error('no worker polling'),
        [
          { step: 'preflight', status: 'running' },
          { step: 'deployStack', status: 'pending' },
        ],
        [
          { step: 'preflight', status: 'running' },
          { step: 'deployStack', status: 'pending' },
        ],
        [
          { step: 'preflight', status: 'done', summary: 'ok' },
          { step: 'deployStack', status: 'done', summary: 'deployed' },
        ],
      ],
      'done',
    );
    const res = await followProgress(run, { print: (l) => lines.push(l), now: () => at, pollMs: 1 });
    assert.deepEqual(res, result);
    assert.deepEqual(lines, [
      '[00:00:00] preflight                running',
      '[00:00:00] preflight                done  ok',
      '[00:00:00] deployStack              done  deployed',
    ]);
  });

  it('rejects as the run does, after printing the failed step', async () => {
    const lines: string[] = [];
    const failure = failedRun('CertificatesMissing', 'no ca.pem');
    const run = fakeRun(
      [[{ step: 'preflight', status: 'failed', error: 'CertificatesMissing: no ca.pem' }]],
      failure,
    );
    await assert.rejects(
      followProgress(run, { print: (l) => lines.push(l), now: () => at, pollMs: 1 }),
      (err: unknown) => err === failure,
    );
    assert.deepEqual(lines, ['[00:00:00] preflight                failed  CertificatesMissing: no ca.pem']);
  });
});

describe('client health report', () => {
  it('lists nodes, raft, certificate, findings before, actions and findings', () => {
    const report: HealthReport = {
      stack: 's1',
      checkedAt: '2025-01-01T00:00:00.000Z',
      verdict: 'Degraded',
      findings: [{ code: 'CertificateExpiring', detail: 'expires in 10 days' }],
      service: { desired: 3, running: 3 },
      nodes: [
        { name: 'vault-1', slot: 1, reachable: true, initialized: true, sealed: false },
        { name: 'vault-2', slot: 2, reachable: false, error: 'ECONNREFUSED' },
        { name: 'vault-3', slot: 3, reachable: false },
      ],
      raft: {
        servers: [
          { nodeId: 'vault-1', leader: true, voter: true },
          { nodeId: 'vault-2', leader: false, voter: true },
          { nodeId: 'vault-3', leader: false, voter: false },
        ],
        autopilotHealthy: true,
      },
      certificate: {
        diskFingerprint: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF',
        validTo: '2025-01-11T00:00:00.000Z',
        daysLeft: 10,
      },
      actions: ['unsealed vault-3'],
      actionFailures: ['vault-2: certificate reload on swarm node n2: timed out (SCHEDULE_TO_START timeout)'],
      findingsBefore: [{ code: 'NodeSealed', node: 'vault-3', detail: 'sealed' }],
    };
    assert.equal(
      formatReport(report),
      [
        'Degraded: s1 at 2025-01-01T00:00:00.000Z (3/3 tasks)',
        '  vault-1  initialized=true sealed=false',
        '  vault-2  unreachable (ECONNREFUSED)',
        '  vault-3  unreachable (no answer)',
        '  raft     leader vault-1, voters 2, autopilot healthy true',
        '  cert     AB:CD:EF:01:23:45:67:89… valid until 2025-01-11T00:00:00.000Z (10 days)',
        '  found    NodeSealed vault-3: sealed',
        '  action   unsealed vault-3',
        '  FAILED   vault-2: certificate reload on swarm node n2: timed out (SCHEDULE_TO_START timeout)',
        '  finding  CertificateExpiring: expires in 10 days',
      ].join('\n'),
    );
    const noLeader = formatReport({
      ...report,
      raft: { servers: [] },
      findingsBefore: undefined,
      actions: [],
      actionFailures: undefined,
    });
    assert.match(noLeader, /raft {5}leader none, voters 0, autopilot healthy undefined/);
    assert.doesNotMatch(noLeader, /found|action|FAILED/);
    // sys/health's state on the node's line, and the check's notes last (issue 29).
    const withHealth = formatReport({
      ...report,
      nodes: [
        { name: 'vault-1', slot: 1, reachable: true, initialized: true, sealed: false, health: 'active' },
      ],
      notes: [
        { node: 'vault-1', detail: 'vault-1 answers sys/health 472: a node of a DR secondary cluster' },
      ],
    });
    assert.match(withHealth, /\n {2}vault-1 {2}initialized=true sealed=false sys\/health=active\n/);
    assert.match(
      withHealth,
      /\n {2}note {5}vault-1 answers sys\/health 472: a node of a DR secondary cluster$/,
    );
  });

  it('says when the next backup would fail, before the snapshot and drill lines (issue 27)', () => {
    const text = formatReport({
      stack: 's1',
      checkedAt: '2025-01-01T00:00:00.000Z',
      verdict: 'Healthy',
      findings: [
        { code: 'BackupTargetUnusable', detail: 'BackupTargetMissing: the backup root /b does not exist' },
      ],
      service: { desired: 3, running: 3 },
      nodes: [],
      raft: { servers: [] },
      certificate: { diskFingerprint: 'AB:CD', validTo: '2025-01-11T00:00:00.000Z', daysLeft: 10 },
      actions: [],
      backup: {
        target: { usable: false, error: 'BackupTargetMissing', detail: 'the backup root /b does not exist' },
        count: 0,
      },
    });
    assert.match(
      text,
      /\n {2}backup {3}NEXT BACKUP WOULD FAIL: BackupTargetMissing\n {2}backup {3}no snapshot yet\n {2}drill {4}no restore drill yet\n/,
    );
    assert.match(
      text,
      /finding {2}BackupTargetUnusable: BackupTargetMissing: the backup root \/b does not exist/,
    );
  });
});

describe('client schedule description', () => {
  it('says whether it is active, how often it ran, each run it started and the next three times', () => {
    const at = (t: string) => new Date(`2026-11-30T${t}Z`);
    const text = formatScheduleDescription('vault-backup:s1', {
      state: { paused: false, note: 'Backups of s1' },
      info: {
        numActionsTaken: 2,
        numActionsSkippedOverlap: 1,
        recentActions: [
          {
            takenAt: at('10:00:00'),
            action: { workflow: { workflowId: 'vault-backup:s1-2026-11-30T10:00:00Z' } },
          },
          {
            takenAt: at('11:00:00'),
            action: { workflow: { workflowId: 'vault-backup:s1-2026-11-30T11:00:00Z' } },
          },
        ],
        nextActionTimes: [at('12:00:00'), at('13:00:00'), at('14:00:00'), at('15:00:00')],
      },
    });
    assert.equal(
      text,
      [
        'schedule vault-backup:s1: active (Backups of s1)',
        '  runs so far 2, skipped for overlap 1',
        '  ran 2026-11-30T10:00:00.000Z vault-backup:s1-2026-11-30T10:00:00Z',
        '  ran 2026-11-30T11:00:00.000Z vault-backup:s1-2026-11-30T11:00:00Z',
        '  next 2026-11-30T12:00:00.000Z',
        '  next 2026-11-30T13:00:00.000Z',
        '  next 2026-11-30T14:00:00.000Z',
      ].join('\n'),
    );
  });

  it('says PAUSED, and nothing more than the counts for a schedule that never ran', () => {
    const text = formatScheduleDescription('vault-drill:s1', {
      state: { paused: true },
      info: { numActionsTaken: 0, numActionsSkippedOverlap: 0, recentActions: [], nextActionTimes: [] },
    });
    assert.equal(text, 'schedule vault-drill:s1: PAUSED\n  runs so far 0, skipped for overlap 0');
  });
});

describe('client restore drill result', () => {
  it('names the snapshot, its size and time, the canary read back, and the seconds each part took', () => {
    const result: DrillResult = {
      stack: 's1',
      drillStack: 's1-drill',
      snapshot: {
        file: 's1-20261130T100000Z.snap',
        size: 123456,
        sha256: 'ab'.repeat(32),
        takenAt: '2026-11-30T10:00:00.000Z',
      },
      canary: {
        path: 'vault-bootstrap/canary',
        expected: 's1-20261130T100000Z.snap',
        read: 's1-20261130T100000Z.snap',
      },
      vaultVersion: '2.4.1',
      seconds: { deploy: 21.04, restore: 8.46, total: 31.5 },
    };
    assert.equal(
      formatDrillResult(result),
      [
        'restore drill of s1: s1-20261130T100000Z.snap restored into s1-drill (Vault 2.4.1)',
        `  snapshot  s1-20261130T100000Z.snap: 123456 bytes, taken at 2026-11-30T10:00:00.000Z, sha256 ${'ab'.repeat(32)}`,
        '  canary    vault-bootstrap/canary read back "s1-20261130T100000Z.snap" (expected "s1-20261130T100000Z.snap")',
        '  took      31.5 s: deploy 21.0 s, restore and unseal 8.5 s',
      ].join('\n'),
    );
  });
});
