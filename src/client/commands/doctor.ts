/**
 * `vault-bootstrap doctor [--stack S] [-o json]`: is everything in place for the tool to work? Each check is a
 * row, in the order things depend on each other: the configuration, Temporal (reachable, the namespace), a
 * worker polling the task queue, then what that worker sees (swarm, stack files, the certificate's names and
 * expiry, custody's key, the backup folder, the Vault tasks: `DiagnoseVaultStack`), then a node agent polling
 * the queue of every node that runs a Vault task, and the stack's schedules. A check that cannot run because
 * an earlier one failed is `skip`, with the reason. Reads only.
 *
 * Exit code: 0 when no check failed (warnings included), 1 when one did.
 */
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadClientConfig } from '../../config/client';
import type { ClientConfig } from '../../config/client';
import type { Env } from '../../config/env';
import { nodeTaskQueue } from '../../shared/constants';
import type { DoctorCheck, StackDiagnosis } from '../../shared/doctor';
import { describeFailure, messageOf } from '../../shared/errors';
import { stackNamesFit, validateStackName } from '../../shared/names';
import { backupWorkflowIds, diagnoseWorkflowId, healthWorkflowIds } from '../../shared/workflow-ids';
import { connectClient, namePermissionDenied } from '../../temporal';
import { DiagnoseVaultStack } from '../../workflows';
import type { OutputFormat } from '../grammar';

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/** How long the worker's half may take before doctor reports it did not answer. */
const DIAGNOSE_TIMEOUT = '60 seconds';

/** The pollers of `queue` for `type` (workflow or activity tasks), by identity. */
/**
 * A poller counts as live when it polled within this long. Temporal lists a poller for minutes after its last
 * poll, and a live one polls again at least every long-poll timeout (about a minute): a stopped agent shows as
 * stale after this, not at once.
 */
export const LIVE_POLLER_SECONDS = 90;

/** The pollers of a queue: who polled, and how long ago. */
export interface PollerSeen {
  identity: string;
  ageSeconds: number;
}

/** DescribeTaskQueue's pollers, with their age at `nowMs`. */
export function pollersSeen(
  answer: { pollers?: { identity?: string | null; lastAccessTime?: { seconds?: unknown } | null }[] | null },
  nowMs: number,
): PollerSeen[] {
  return (answer.pollers ?? []).map((p) => ({
    identity: p.identity ?? '?',
    ageSeconds: Math.max(0, Math.round(nowMs / 1000 - Number(p.lastAccessTime?.seconds ?? 0))),
  }));
}

async function pollers(
  connection: Connection,
  namespace: string,
  queue: string,
  type: temporal.api.enums.v1.TaskQueueType,
): Promise<PollerSeen[]> {
  const answer = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  return pollersSeen(answer, Date.now());
}

/** `ok` when a poller polled within `LIVE_POLLER_SECONDS`, else `fail` with `missing` and the last one seen. */
export function pollerCheck(name: string, queue: string, seen: PollerSeen[], missing: string): DoctorCheck {
  const show = (p: PollerSeen) => `${p.identity} (${p.ageSeconds} s ago)`;
  // One process polls for workflow and activity tasks alike: each identity once, its latest poll.
  const latest = new Map<string, PollerSeen>();
  for (const p of seen)
    if ((latest.get(p.identity)?.ageSeconds ?? Infinity) > p.ageSeconds) latest.set(p.identity, p);
  seen = [...latest.values()];
  const live = seen.filter((p) => p.ageSeconds <= LIVE_POLLER_SECONDS);
  if (live.length) return { name, status: 'ok', detail: `${queue}: polled by ${live.map(show).join(', ')}` };
  const last = seen.length ? `; last seen: ${seen.map(show).join(', ')}` : '';
  return {
    name,
    status: 'fail',
    detail: `${queue}: no poller in the last ${LIVE_POLLER_SECONDS} s${last}; ${missing}`,
  };
}

/** The checks that need Temporal, once connected; appends to `checks`. */
async function temporalChecks(
  connection: Connection,
  config: ClientConfig,
  stack: string,
  checks: DoctorCheck[],
): Promise<void> {
  const { namespace, taskQueue } = config.temporal;
  try {
    await connection.workflowService.describeNamespace({ namespace });
    checks.push({ name: 'namespace', status: 'ok', detail: namespace });
  } catch (err) {
    checks.push({ name: 'namespace', status: 'fail', detail: `${namespace}: ${messageOf(err)}` });
    return;
  }
  // The pollers need DescribeTaskQueue, which a role may not have (the project's cluster gives it to the
  // worker and admin roles, not to operators): then they are not checked, and the worker's half is still asked.
  let mayDescribe = true;
  const polling = async (queue: string, type: temporal.api.enums.v1.TaskQueueType) => {
    if (!mayDescribe) return undefined;
    try {
      return await pollers(connection, namespace, queue, type);
    } catch (err) {
      if (namePermissionDenied(config.temporal, err) === err) throw err;
      mayDescribe = false;
      return undefined;
    }
  };
  const notAllowed = "not checked: this certificate's Temporal role may not describe task queues";
  const workflowPollers = await polling(taskQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
  const activityPollers = await polling(taskQueue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
  const noWorker = 'start the worker (README, "Running the worker on the swarm"): nothing runs without it';
  if (!workflowPollers || !activityPollers) {
    checks.push({ name: 'worker', status: 'skip', detail: notAllowed });
  } else {
    checks.push(pollerCheck('worker', taskQueue, [...workflowPollers, ...activityPollers], noWorker));
    const live = (seen: PollerSeen[]) => seen.some((p) => p.ageSeconds <= LIVE_POLLER_SECONDS);
    if (!live(workflowPollers) || !live(activityPollers)) {
      checks.push({ name: 'worker checks', status: 'skip', detail: 'no worker polls the task queue' });
      return;
    }
  }

  const client = new Client({ connection, namespace });
  let diagnosis: StackDiagnosis | undefined;
  try {
    diagnosis = await client.workflow.execute(DiagnoseVaultStack, {
      taskQueue,
      workflowId: diagnoseWorkflowId(stack, new Date()),
      args: [{ stack, certExpiryWarnDays: config.health.certExpiryWarnDays }],
      workflowExecutionTimeout: DIAGNOSE_TIMEOUT,
    });
  } catch (err) {
    checks.push({
      name: 'worker checks',
      status: 'fail',
      detail: `the worker did not answer: ${describeFailure(err)}`,
    });
  }
  if (diagnosis) {
    checks.push(...diagnosis.checks);
    const hostname = (id?: string) => diagnosis.nodes.find((n) => n.id === id)?.hostname ?? id ?? '?';
    const taskNodes = [...new Set(diagnosis.vaultTasks.map((t) => t.nodeId).filter((n) => n !== undefined))];
    for (const nodeId of taskNodes) {
      const queue = nodeTaskQueue(taskQueue, nodeId);
      const found = await polling(queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
      if (!found) {
        checks.push({ name: `agent on ${hostname(nodeId)}`, status: 'skip', detail: notAllowed });
        continue;
      }
      checks.push(
        pollerCheck(
          `agent on ${hostname(nodeId)}`,
          queue,
          found,
          'a Vault task restarted on this node is unsealed only by the next scheduled health check (start the node agent there)',
        ),
      );
    }
  }
  checks.push(...(await scheduleChecks(client, stack)));
}

/** Whether the stack's schedules exist and run: the health check's (a warning when missing: nothing heals). */
async function scheduleChecks(client: Client, stack: string): Promise<DoctorCheck[]> {
  const rows: DoctorCheck[] = [];
  const wanted: [string, string, string][] = [
    [
      'health schedule',
      healthWorkflowIds(stack).schedule,
      `vault-bootstrap schedule create --stack ${stack}`,
    ],
    [
      'backup schedule',
      backupWorkflowIds(stack).backupSchedule,
      `vault-bootstrap backup schedule create --stack ${stack}`,
    ],
  ];
  for (const [name, id, create] of wanted) {
    try {
      const d = await client.schedule.getHandle(id).describe();
      rows.push(
        d.state.paused
          ? { name, status: 'warn', detail: `${id} is paused${d.state.note ? `: ${d.state.note}` : ''}` }
          : {
              name,
              status: 'ok',
              detail: `${id}, next ${d.info.nextActionTimes[0]?.toISOString() ?? '(none)'}`,
            },
      );
    } catch (err) {
      rows.push({ name, status: 'warn', detail: `${id}: ${messageOf(err)} (${create})` });
    }
  }
  return rows;
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** The rows as an operator reads them: one line each, the status first. */
export function formatChecks(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => `${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`).join('\n');
}

/** Runs `doctor`: prints every check; resolves with 1 when one failed, else 0. */
export async function doctor(env: Env, options: { stack?: string; output: OutputFormat }): Promise<number> {
  const checks: DoctorCheck[] = [];
  let config: ClientConfig | undefined;
  let stack: string | undefined;
  try {
    config = loadClientConfig(env);
    stack = stackNamesFit(
      config.stack,
      validateStackName(options.stack ?? config.stack.defaultName, '--stack'),
      '--stack',
    );
    checks.push({
      name: 'configuration',
      status: 'ok',
      detail: `stack ${stack}, Temporal ${config.temporal.address} namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`,
    });
  } catch (err) {
    checks.push({ name: 'configuration', status: 'fail', detail: messageOf(err) });
  }
  if (config && stack) {
    let connection: Connection | undefined;
    try {
      connection = await connectClient(config.temporal);
      await connection.workflowService.getSystemInfo({});
      checks.push({ name: 'temporal', status: 'ok', detail: `${config.temporal.address} answers` });
      await temporalChecks(connection, config, stack, checks);
    } catch (err) {
      checks.push({ name: 'temporal', status: 'fail', detail: messageOf(err) });
    } finally {
      await connection?.close();
    }
  }
  console.log(
    options.output === 'json'
      ? JSON.stringify({ ok: !checks.some((c) => c.status === 'fail'), checks }, null, 2)
      : formatChecks(checks),
  );
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
