/**
 * Which process owns a test run, and the run's own workflows: what a run's clean-up and the beds' sweep
 * (test/support/sweep.ts) need to tell a run in progress from one that crashed, and to end what it started.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Connection } from '@temporalio/client';

const OWNER_FILE = 'owner';

/** The start time of a process (clock ticks since boot, field 22 of /proc/<pid>/stat), or undefined. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Counted after the command's closing parenthesis: a command name may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Marks `dir` (a run's folder) as owned by this process: its pid and the pid's start (a reused pid is not it). */
export function markOwner(dir: string): void {
  writeFileSync(join(dir, OWNER_FILE), `${process.pid} ${processStart(process.pid) ?? '?'}\n`);
}

/** `alive` while the process that marked `dir` runs, `gone` once it ended, `unknown` without a marker. */
export function ownerOf(dir: string): 'alive' | 'gone' | 'unknown' {
  let marker: string;
  try {
    marker = readFileSync(join(dir, OWNER_FILE), 'utf8');
  } catch {
    return 'unknown';
  }
  const [pid, start] = marker.trim().split(' ');
  return processStart(Number(pid)) === start ? 'alive' : 'gone';
}

/**
 * A run's clean-up: connects (a Temporal that does not answer: nothing to do), terminates every workflow still
 * running on `taskQueue`, closes the connection.
 */
export async function terminateRunWorkflows(
  connect: () => Promise<Connection>,
  taskQueue: string,
): Promise<void> {
  const connection = await connect().catch(() => undefined);
  if (!connection) return;
  try {
    await terminateOpenWorkflows(connection, taskQueue).catch(() => undefined);
  } finally {
    await connection.close();
  }
}

/**
 * Terminates every workflow still running on `taskQueue` (a run's queue: its bootstrap, watcher, checks, holds,
 * break-glass tokens waiting for their TTL); returns their ids. A run's clean-up ends with none of its own.
 */
export async function terminateOpenWorkflows(connection: Connection, taskQueue: string): Promise<string[]> {
  const client = new Client({ connection });
  const open: { id: string; runId: string }[] = [];
  for await (const wf of client.workflow.list({
    query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
  }))
    open.push({ id: wf.workflowId, runId: wf.runId });
  for (const wf of open)
    await client.workflow
      .getHandle(wf.id, wf.runId)
      .terminate('test clean-up: the run is over')
      .catch(() => undefined);
  return open.map((w) => w.id);
}
