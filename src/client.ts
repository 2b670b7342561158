#!/usr/bin/env node
/**
 * `vault-bootstrap`: the command line `init/vault/vault-bootstrap.sh` (and so `init-infra-prod.sh`) calls.
 *
 *   vault-bootstrap bootstrap [--stack S] [--wait]   start (or attach to) BootstrapVault for a stack
 *   vault-bootstrap status    [--stack S]            progress of the latest bootstrap of a stack
 *   vault-bootstrap verify    [--stack S] [--json]   run one health check now and print the report
 *   vault-bootstrap schedule  create|describe|pause|unpause|trigger|delete [--stack S]
 *
 * Exit codes: 0 success, 1 the workflow failed or the cluster is unhealthy, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import {
  Client,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
} from '@temporalio/client';
import type { Connection, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError, loadClientConfig, validateStackName } from './config';
import type { ClientConfig } from './config';
import { bootstrapWorkflowId } from './shared/constants';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_HEALTH_VERDICT,
} from './shared/search-attributes';
import { BOOTSTRAP_STEPS, isBootstrapStep } from './shared/steps';
import type { StepProgress } from './shared/steps';
import type { BootstrapResult } from './shared/types';
import { connectClient, TemporalUnreachableError } from './temporal';
import { healthWorkflowIds } from './shared/health';
import type { HealthInput, HealthReport } from './shared/health';

const USAGE = `usage: vault-bootstrap <bootstrap|status|verify|schedule ACTION> [--stack NAME] [--wait] [--json]

  bootstrap   start BootstrapVault for the stack, or attach to the one already running
              --wait             follow the progress live and exit non-zero if it fails
              --from-step STEP   resume request: skip the steps before STEP (preflight always runs)
  status      show each step of the latest bootstrap of the stack
  verify      run one health check (VerifyVaultHealth) now and print the report (--json: as JSON);
              exit 0 when Healthy, 1 otherwise
  schedule    create | describe | pause | unpause | trigger | delete the periodic health check
              (create is idempotent: it updates an existing schedule, and starts the Docker-events
              watcher that checks right after a Vault task restarts; delete removes both)

Configuration comes from the environment (see README): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
VAULT_BOOTSTRAP_TASK_QUEUE, VAULT_BOOTSTRAP_STACK, TEMPORAL_UI_URL, TEMPORAL_TLS*, TEMPORAL_API_KEY,
VAULT_HEALTH_INTERVAL, VAULT_HEALTH_JITTER, VAULT_HEALTH_REMEDIATE, VAULT_HEALTH_CERT_WARN_DAYS.`;

class UsageError extends Error {}

const COMMANDS = ['bootstrap', 'status', 'verify', 'schedule'];

function uiLink(config: ClientConfig, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Registers the custom search attributes the workflows write, when the server lacks them. */
async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } =
    temporal.api.enums.v1.IndexedValueType;
  const wanted = {
    [VAULT_BOOTSTRAP_STEP.name]: KEYWORD,
    [VAULT_HEALTH_VERDICT.name]: KEYWORD,
    [VAULT_HEALTH_FINDINGS.name]: KEYWORD_LIST,
  };
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(
    Object.entries(wanted).filter(([k]) => !(k in (existing.customAttributes ?? {}))),
  );
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
}

function formatProgress(rows: StepProgress[], attempt?: number): string {
  return rows
    .map((r) => {
      const took =
        r.startedAt && r.endedAt
          ? ` ${((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)}s`
          : '';
      const att = r.status === 'running' && attempt && attempt > 1 ? ` (attempt ${attempt})` : '';
      const detail = r.error ?? r.summary ?? '';
      return `  ${r.status.padEnd(8)} ${r.step.padEnd(24)}${took.padStart(8)}${att}  ${detail}`;
    })
    .join('\n');
}

async function pendingAttempt(handle: WorkflowHandle): Promise<number | undefined> {
  const d = await handle.describe();
  return d.raw.pendingActivities?.[0]?.attempt ?? undefined;
}

/** The innermost failure of a WorkflowFailedError chain, as `Type: message`. */
export function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof ApplicationFailure && e.type) return `${e.type}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

async function follow(handle: WorkflowHandle): Promise<BootstrapResult> {
  const seen = new Map<string, string>();
  const result = handle.result() as Promise<BootstrapResult>;
  let finished = false;
  result.then(
    () => (finished = true),
    () => (finished = true),
  );
  for (let last = false; !last;) {
    last = finished; // one more pass after the end, so the final state of every step is printed
    try {
      const rows = await handle.query<StepProgress[]>('progress');
      for (const r of rows) {
        if (seen.get(r.step) !== r.status && r.status !== 'pending') {
          seen.set(r.step, r.status);
          const detail = r.status === 'running' ? '' : `  ${r.error ?? r.summary ?? ''}`;
          console.log(
            `[${new Date().toISOString().slice(11, 19)}] ${r.step.padEnd(24)} ${r.status}${detail}`,
          );
        }
      }
    } catch {
      // The query needs a worker; while none is polling, keep waiting for the result.
    }
    if (!last) await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  return result;
}

async function cmdBootstrap(
  client: Client,
  config: ClientConfig,
  stack: string,
  wait: boolean,
  fromStep: string | undefined,
): Promise<number> {
  const workflowId = bootstrapWorkflowId(stack);
  const handle = await client.workflow.start('BootstrapVault', {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [fromStep === undefined ? { stack } : { stack, fromStep }],
    // A second call while one runs attaches to it; a call after it ended starts a fresh, idempotent run.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  console.log(
    `BootstrapVault for stack ${stack}: workflow ${workflowId} (run ${handle.firstExecutionRunId})`,
  );
  console.log(`Temporal UI: ${uiLink(config, workflowId)}`);
  if (!wait) return 0;
  try {
    const res = await follow(client.workflow.getHandle(workflowId));
    const s = res.summary;
    console.log(`\nVault cluster ${s.service} is bootstrapped and verified:`);
    console.log(`  running tasks : ${s.runningTasks}`);
    console.log(`  leader        : ${s.leader}`);
    console.log(`  followers     : ${s.followers.join(', ')}`);
    console.log(
      `  unseal secret : ${s.unsealSecret} (version ${s.unsealSecretVersion}) at target vault_unseal_key`,
    );
    console.log(`  key custody   : record ${s.keyId}`);
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      console.error(`\nBootstrapVault failed: ${describeFailure(err)}`);
      console.error(`See ${uiLink(config, workflowId)}`);
      return 1;
    }
    throw err;
  }
}

async function cmdStatus(client: Client, config: ClientConfig, stack: string): Promise<number> {
  const handle = client.workflow.getHandle(bootstrapWorkflowId(stack));
  const d = await handle.describe();
  console.log(`BootstrapVault ${handle.workflowId}: ${d.status.name} (started ${d.startTime.toISOString()})`);
  try {
    const rows = await handle.query<StepProgress[]>('progress');
    console.log(formatProgress(rows, await pendingAttempt(handle)));
  } catch (err) {
    console.log(`  (progress not available: ${describeFailure(err)})`);
  }
  console.log(`Temporal UI: ${uiLink(config, handle.workflowId)}`);
  return d.status.name === 'FAILED' || d.status.name === 'TERMINATED' || d.status.name === 'TIMED_OUT'
    ? 1
    : 0;
}

function healthInput(config: ClientConfig, stack: string): HealthInput {
  return { stack, remediate: config.health.remediate, certExpiryWarnDays: config.health.certExpiryWarnDays };
}

export function formatReport(r: HealthReport): string {
  const lines = [
    `${r.verdict}: ${r.stack} at ${r.checkedAt} (${r.service.running}/${r.service.desired} tasks)`,
  ];
  for (const n of r.nodes) {
    const state = !n.reachable
      ? `unreachable (${n.error ?? 'no answer'})`
      : `initialized=${n.initialized} sealed=${n.sealed}`;
    lines.push(`  ${n.name.padEnd(8)} ${state}`);
  }
  const leader = r.raft.servers.find((s) => s.leader)?.nodeId ?? 'none';
  lines.push(
    `  raft     leader ${leader}, voters ${r.raft.servers.filter((s) => s.voter).length}, autopilot healthy ${String(r.raft.autopilotHealthy)}`,
  );
  lines.push(
    `  cert     ${r.certificate.diskFingerprint.slice(0, 23)}… valid until ${r.certificate.validTo} (${r.certificate.daysLeft} days)`,
  );
  for (const f of r.findingsBefore ?? [])
    lines.push(`  found    ${f.code}${f.node ? ` ${f.node}` : ''}: ${f.detail}`);
  for (const a of r.actions) lines.push(`  action   ${a}`);
  for (const f of r.findings) lines.push(`  finding  ${f.code}${f.node ? ` ${f.node}` : ''}: ${f.detail}`);
  return lines.join('\n');
}

async function cmdVerify(
  client: Client,
  config: ClientConfig,
  stack: string,
  json: boolean,
): Promise<number> {
  const workflowId = `vault-verify-${stack}-${Date.now()}`;
  const report = await client.workflow.execute<(i: HealthInput) => Promise<HealthReport>>(
    'VerifyVaultHealth',
    {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [healthInput(config, stack)],
    },
  );
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.verdict === 'Healthy' ? 0 : 1;
}

/** `schedule create|describe|pause|unpause|trigger|delete`: the periodic check and its events watcher. */
async function cmdSchedule(
  client: Client,
  config: ClientConfig,
  stack: string,
  action: string | undefined,
): Promise<number> {
  const ids = healthWorkflowIds(stack);
  const handle = client.schedule.getHandle(ids.schedule);
  switch (action) {
    case 'create': {
      const options = {
        spec: { intervals: [{ every: config.health.interval }], jitter: config.health.jitter },
        action: {
          type: 'startWorkflow' as const,
          workflowType: 'VerifyVaultHealth',
          taskQueue: config.temporal.taskQueue,
          workflowId: ids.scheduled,
          args: [healthInput(config, stack)],
        },
        // Never two checks at once: a run still going when the next is due makes the next one skip.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false },
      };
      try {
        await handle.update((prev) => ({
          ...prev,
          spec: options.spec,
          action: options.action,
          policies: options.policies,
        }));
        console.log(
          `schedule ${ids.schedule}: updated (every ${config.health.interval}, jitter ${config.health.jitter})`,
        );
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        await client.schedule.create({
          scheduleId: ids.schedule,
          ...options,
          state: { note: `Vault health of ${stack}` },
        });
        console.log(
          `schedule ${ids.schedule}: created (every ${config.health.interval}, jitter ${config.health.jitter})`,
        );
      }
      await client.workflow.start('WatchVaultTasks', {
        taskQueue: config.temporal.taskQueue,
        workflowId: ids.watcher,
        args: [{ stack }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      console.log(`watcher ${ids.watcher}: running (checks right after a Vault task starts)`);
      return 0;
    }
    case 'describe': {
      const d = await handle.describe();
      console.log(
        `schedule ${ids.schedule}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
      );
      console.log(
        `  runs so far ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}`,
      );
      for (const a of d.info.recentActions)
        console.log(`  ran ${a.takenAt.toISOString()} ${a.action.workflow.workflowId}`);
      for (const n of d.info.nextActionTimes.slice(0, 3)) console.log(`  next ${n.toISOString()}`);
      return 0;
    }
    case 'pause':
      await handle.pause('paused from vault-bootstrap');
      console.log(`schedule ${ids.schedule}: paused`);
      return 0;
    case 'unpause':
      await handle.unpause('unpaused from vault-bootstrap');
      console.log(`schedule ${ids.schedule}: active`);
      return 0;
    case 'trigger':
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      console.log(`schedule ${ids.schedule}: triggered one run`);
      return 0;
    case 'delete':
      await handle.delete().catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
      await client.workflow
        .getHandle(ids.watcher)
        .terminate('schedule deleted')
        .catch(() => undefined);
      console.log(`schedule ${ids.schedule} and watcher ${ids.watcher}: deleted`);
      return 0;
    default:
      throw new UsageError(
        `schedule needs one of create, describe, pause, unpause, trigger, delete\n${USAGE}`,
      );
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: 'string' },
        wait: { type: 'boolean', default: false },
        'from-step': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (!COMMANDS.includes(command))
    throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  const fromStep = values['from-step'];
  if (fromStep !== undefined && !isBootstrapStep(fromStep)) {
    throw new UsageError(
      `UnknownStep: --from-step "${fromStep}" is not a step; steps are ${BOOTSTRAP_STEPS.join(', ')}`,
    );
  }
  const config = loadClientConfig(process.env);
  const stack = validateStackName(values.stack ?? config.stack.defaultName, '--stack');
  const connection = await connectClient(config.temporal);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    switch (command) {
      case 'bootstrap':
        await ensureSearchAttributes(connection, config.temporal.namespace);
        return await cmdBootstrap(client, config, stack, values.wait, values['from-step']);
      case 'status':
        return await cmdStatus(client, config, stack);
      case 'verify':
        await ensureSearchAttributes(connection, config.temporal.namespace);
        return await cmdVerify(client, config, stack, values.json);
      case 'schedule':
        await ensureSearchAttributes(connection, config.temporal.namespace);
        return await cmdSchedule(client, config, stack, positionals[1]);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (
        err instanceof ConfigError ||
        err instanceof TemporalUnreachableError ||
        err instanceof UsageError
      ) {
        console.error(`vault-bootstrap: ${err.message}`);
        process.exit(2);
      }
      console.error(`vault-bootstrap: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
