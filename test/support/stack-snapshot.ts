/**
 * A comparable picture of what a stack is in Docker and custody: used to assert "changed nothing".
 */
import { readdirSync } from 'node:fs';
import type { TestRun } from './testbed';

export interface StackSnapshot {
  serviceVersion: number;
  taskIds: string[];
  secrets: string[];
  custodyFiles: string[];
}

export async function snapshot(run: TestRun, custodyDir: string): Promise<StackSnapshot> {
  const svc = (await run.docker.listServices({ filters: { name: [`${run.stack}_vault`] } }))[0];
  const tasks = await run.docker.listTasks({
    filters: { service: [`${run.stack}_vault`], 'desired-state': ['running'] },
  });
  const secrets = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
  let custodyFiles: string[];
  try {
    custodyFiles = readdirSync(custodyDir).sort();
  } catch {
    custodyFiles = [];
  }
  return {
    serviceVersion: svc?.Version?.Index ?? -1,
    taskIds: (tasks as { ID?: string }[]).map((t) => t.ID ?? '').sort(),
    secrets: secrets.map((s) => s.Spec?.Name ?? '').sort(),
    custodyFiles,
  };
}
