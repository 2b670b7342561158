/**
 * Reading what a test stack left in the real systems: its custody folder, the runs of its bootstrap
 * workflow, its Vault containers and what `vault status` says in each.
 */
import { readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { FileKeyCustody } from '../../src/custody/file-custody';
import { dockerCli } from '../support/testbed';
import type { TestRun } from '../support/testbed';

export function custodyOf(run: TestRun): { dir: string; keyFile: string; custody: FileKeyCustody } {
  return { dir: run.custodyDir, keyFile: run.custodyKeyFile, custody: run.custody() };
}

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Every run id of the stack's bootstrap workflow, oldest first. */
export async function runIdsOf(client: Client, workflowId: string): Promise<string[]> {
  const ids: { runId: string; start: number }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
    ids.push({ runId: wf.runId, start: wf.startTime.getTime() });
  return ids.sort((a, b) => a.start - b.start).map((x) => x.runId);
}

/** The current Vault containers of the stack, by slot. */
export async function containersBySlot(stack: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const lines = await dockerCli(['ps', '--format', '{{.ID}} {{.Names}}', '-f', `name=${stack}_vault.`]);
  for (const line of lines.split('\n')) {
    const m = /^(\S+) \S+_vault\.(\d+)\./.exec(line.trim());
    if (m) out.set(Number(m[2]), m[1]!);
  }
  return out;
}

/** `vault status` in every running container of the stack (exit 2 = sealed is not an error here). */
export async function vaultStatusBySlot(
  stack: string,
): Promise<Map<number, { initialized: boolean; sealed: boolean; text: string }>> {
  const out = new Map<number, { initialized: boolean; sealed: boolean; text: string }>();
  for (const [slot, ctr] of await containersBySlot(stack)) {
    const text = await dockerCli(['exec', ctr, 'vault', 'status']).catch(
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    out.set(slot, {
      initialized: /^Initialized\s+true$/m.test(text),
      sealed: !/^Sealed\s+false$/m.test(text),
      text,
    });
  }
  return out;
}

/** Resolves the moment the container's log (from its start) shows `text`; rejects after `ms`. */
export async function logShows(run: TestRun, container: string, text: string, ms: number): Promise<void> {
  const logs = (await run.docker
    .getContainer(container)
    .logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${container} never logged "${text}"`)), ms);
      logs.on('data', (chunk: Buffer) => {
        if (chunk.toString('latin1').includes(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      logs.on('error', reject);
    });
  } finally {
    logs.destroy();
  }
}
