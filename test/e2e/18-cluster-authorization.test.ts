/**
 * Who may do what on the test bed's Temporal cluster (issue 26): every role's certificate (and three that
 * must get nothing: none, an expired one, one from another CA) against every kind of call the tool's
 * processes and operators make, on the real server with the project's authorizer. Each cell of the table in
 * docs/temporal-cluster.md is one call here; the test prints the table it saw and fails on any cell that
 * differs from EXPECTED.
 *
 * A call is `denied` when the server answers PERMISSION_DENIED (or the TLS handshake refuses the client),
 * `allowed` when it gets past the authorizer: it succeeds, or fails for another reason (a long poll cut by
 * the test's deadline, a workflow already gone). Workflows started here have no worker (their task queue is
 * the test's own) and a one-minute execution timeout; the test's operator connection removes what they left.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { clusterBed, clusterConnection } from '../support/temporal-cluster';
import type { ClusterBed, ClusterIdentity } from '../support/temporal-cluster';

const NAMESPACE = 'default';
const BREAK_GLASS = 'BreakGlassRootToken';
const tag = randomBytes(3).toString('hex');
const QUEUE = `authz-${tag}`;
const NODE_QUEUE = `${QUEUE}-node-n${tag}`;
const CALL_MS = 4000;

type Outcome = 'allowed' | 'denied';
type Operation =
  | 'system info'
  | 'start'
  | 'start BreakGlassRootToken'
  | 'signal-with-start BreakGlassRootToken'
  | 'schedule BreakGlassRootToken'
  | 'schedule'
  | 'signal'
  | 'query'
  | 'describe'
  | 'list'
  | 'history'
  | 'terminate'
  | 'poll workflow tasks'
  | 'poll activity tasks'
  | 'poll node activity tasks'
  | 'add search attribute';

const OPERATIONS: readonly Operation[] = [
  'system info',
  'start',
  'start BreakGlassRootToken',
  'signal-with-start BreakGlassRootToken',
  'schedule BreakGlassRootToken',
  'schedule',
  'signal',
  'query',
  'describe',
  'list',
  'history',
  'terminate',
  'poll workflow tasks',
  'poll activity tasks',
  'poll node activity tasks',
  'add search attribute',
];

const IDENTITIES: readonly (ClusterIdentity | 'none')[] = [
  'worker',
  'agent',
  'operator',
  'break-glass',
  'viewer',
  'admin',
  'none',
  'expired-operator',
  'rogue-operator',
];

const Y: Outcome = 'allowed';
const N: Outcome = 'denied';
/** Row per identity, one cell per OPERATIONS entry, in that order. */
const EXPECTED: Record<ClusterIdentity | 'none', readonly Outcome[]> = {
  //                sys start BG  SWS sBG sch sig qry dsc lst hst trm pWF pAc pNd SA
  worker: /*     */ [Y, Y, N, N, N, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, N],
  agent: /*      */ [Y, N, N, N, N, N, N, N, Y, N, N, N, N, N, Y, N],
  operator: /*   */ [Y, Y, N, N, N, Y, Y, Y, Y, Y, Y, Y, N, N, N, N],
  // Break glass is a person's act each time: not even its role may put it on a schedule.
  'break-glass': [Y, Y, Y, Y, N, Y, Y, Y, Y, Y, Y, Y, N, N, N, N],
  viewer: /*     */ [Y, N, N, N, N, N, N, N, Y, Y, Y, N, N, N, N, N],
  // The cluster's set-up (namespace, search attributes), kept apart from the workflows it serves.
  admin: /*      */ [Y, N, N, N, N, N, N, N, N, N, N, N, N, N, N, Y],
  none: /*       */ [N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
  'expired-operator': [N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
  'rogue-operator': [N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
};

const GRPC = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

/** The gRPC status of an error the SDK's raw services threw, if it has one. */
function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A handshake the server refused shows as UNAVAILABLE with a TLS reason on the first call. */
function tlsRefusal(err: unknown): boolean {
  return /certificate|handshake|tls|alert/i.test(String((err as Error).message ?? err));
}

function startRequest(workflowType: string, workflowId: string) {
  return {
    namespace: NAMESPACE,
    workflowId,
    workflowType: { name: workflowType },
    taskQueue: { name: QUEUE },
    requestId: randomBytes(8).toString('hex'),
    workflowExecutionTimeout: msToTs('60s'),
  };
}

function scheduleRequest(workflowType: string, scheduleId: string) {
  return {
    namespace: NAMESPACE,
    scheduleId,
    requestId: randomBytes(8).toString('hex'),
    schedule: {
      spec: { interval: [{ interval: msToTs('1d') }] },
      action: {
        startWorkflow: {
          workflowId: `${scheduleId}-run`,
          workflowType: { name: workflowType },
          taskQueue: { name: QUEUE },
        },
      },
      state: { paused: true },
    },
  };
}

/** Runs one operation as `who`; resolves with what the authorizer decided. */
async function attempt(
  conn: Connection,
  op: Operation,
  who: string,
  target: { workflowId: string; terminateId: string },
): Promise<Outcome> {
  const ws = conn.workflowService;
  const id = `authz-${tag}-${who}-${op.replace(/\W+/g, '-')}`;
  const exec = { workflowId: target.workflowId };
  const calls: Record<Operation, () => Promise<unknown>> = {
    'system info': () => ws.getSystemInfo({}),
    start: () => ws.startWorkflowExecution(startRequest('AuthzProbe', id)),
    'start BreakGlassRootToken': () => ws.startWorkflowExecution(startRequest(BREAK_GLASS, id)),
    'signal-with-start BreakGlassRootToken': () =>
      ws.signalWithStartWorkflowExecution({ ...startRequest(BREAK_GLASS, id), signalName: 'probe' }),
    'schedule BreakGlassRootToken': () => ws.createSchedule(scheduleRequest(BREAK_GLASS, id)),
    schedule: () => ws.createSchedule(scheduleRequest('AuthzProbe', id)),
    signal: () =>
      ws.signalWorkflowExecution({ namespace: NAMESPACE, workflowExecution: exec, signalName: 'probe' }),
    query: () =>
      ws.queryWorkflow({ namespace: NAMESPACE, execution: exec, query: { queryType: '__stack_trace' } }),
    describe: () => ws.describeWorkflowExecution({ namespace: NAMESPACE, execution: exec }),
    list: () => ws.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 1 }),
    history: () => ws.getWorkflowExecutionHistory({ namespace: NAMESPACE, execution: exec }),
    terminate: () =>
      ws.terminateWorkflowExecution({
        namespace: NAMESPACE,
        workflowExecution: { workflowId: target.terminateId },
        reason: 'authorization test',
      }),
    'poll workflow tasks': () =>
      ws.pollWorkflowTaskQueue({ namespace: NAMESPACE, taskQueue: { name: QUEUE }, identity: who }),
    'poll activity tasks': () =>
      ws.pollActivityTaskQueue({ namespace: NAMESPACE, taskQueue: { name: QUEUE }, identity: who }),
    'poll node activity tasks': () =>
      ws.pollActivityTaskQueue({ namespace: NAMESPACE, taskQueue: { name: NODE_QUEUE }, identity: who }),
    'add search attribute': () =>
      conn.operatorService.addSearchAttributes({
        namespace: NAMESPACE,
        searchAttributes: {
          VaultBootstrapStep: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        },
      }),
  };
  try {
    await conn.withDeadline(Date.now() + CALL_MS, calls[op]);
    return 'allowed';
  } catch (err) {
    const code = grpcCode(err);
    if (code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED) return 'denied';
    if (code === undefined && tlsRefusal(err)) return 'denied';
    if (code !== undefined && code !== GRPC.DEADLINE_EXCEEDED && tlsRefusal(err)) return 'denied';
    return 'allowed';
  }
}

describe('the Temporal cluster: who may do what (mTLS roles, the project authorizer)', () => {
  let bed: ClusterBed;
  let operator: Connection;
  const made: string[] = [];
  const schedules: string[] = [];

  before(async () => {
    bed = clusterBed();
    operator = await clusterConnection(bed, 'operator');
  });

  after(async () => {
    for (const workflowId of made)
      await operator.workflowService
        .terminateWorkflowExecution({
          namespace: NAMESPACE,
          workflowExecution: { workflowId },
          reason: 'test done',
        })
        .catch(() => undefined);
    for (const scheduleId of schedules)
      await operator.workflowService
        .deleteSchedule({ namespace: NAMESPACE, scheduleId })
        .catch(() => undefined);
    await operator?.close();
  });

  it("every role gets exactly its cells; no certificate, an expired one or another CA's gets nothing", async () => {
    const seen: Record<string, Outcome[]> = {};
    for (const who of IDENTITIES) {
      // Each identity's own targets, started by an operator: one to signal, query and read, one to terminate.
      const workflowId = `authz-${tag}-${who}-target`;
      const terminateId = `authz-${tag}-${who}-terminate`;
      for (const wid of [workflowId, terminateId]) {
        await operator.workflowService.startWorkflowExecution(startRequest('AuthzProbe', wid));
        made.push(wid);
      }
      let conn: Connection | undefined;
      try {
        conn = await clusterConnection(bed, who, 3000);
      } catch (err) {
        // The server's TLS refuses the handshake: the connection never gets ready (grpc-js says only that
        // it failed to connect; the operator's connection to the same address works, so the server is up).
        // Only the identities that must get nothing may end here.
        assert.ok(['none', 'expired-operator', 'rogue-operator'].includes(who), `${who}: ${String(err)}`);
      }
      const row: Outcome[] = [];
      for (const op of OPERATIONS) {
        const id = `authz-${tag}-${who}-${op.replace(/\W+/g, '-')}`;
        if (op.startsWith('start') || op.startsWith('signal-with-start')) made.push(id);
        if (op.startsWith('schedule')) schedules.push(id);
        row.push(conn === undefined ? 'denied' : await attempt(conn, op, who, { workflowId, terminateId }));
      }
      await conn?.close();
      seen[who] = row;
    }
    const width = Math.max(...OPERATIONS.map((o) => o.length));
    console.log(`authorization matrix (Y allowed, - denied), ${bed.address}:`);
    console.log(`${''.padEnd(width)} ${IDENTITIES.map((i) => i.padEnd(10).slice(0, 10)).join(' ')}`);
    for (const [i, op] of OPERATIONS.entries())
      console.log(
        `${op.padEnd(width)} ${IDENTITIES.map((who) => (seen[who]![i] === 'allowed' ? 'Y' : '-').padEnd(10)).join(' ')}`,
      );
    const differences = IDENTITIES.flatMap((who) =>
      OPERATIONS.flatMap((op, i) =>
        seen[who]![i] === EXPECTED[who][i]
          ? []
          : [`${who} ${op}: expected ${EXPECTED[who][i]}, saw ${seen[who]![i]}`],
      ),
    );
    assert.deepEqual(differences, []);
  });
});
