/**
 * Reading a workflow's history for assertions: which activities were scheduled and completed, and
 * whether any given secret string appears anywhere in it.
 */
import { after, before } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { testbedEnv } from './testbed';

export async function temporalClient(address: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), connection };
}

/**
 * A client of the test bed's Temporal server for the surrounding `describe`: connected before its tests,
 * closed after them. Returns a getter, since the client exists only once the `before` hook has run.
 */
export function testbedTemporalClient(): () => Client {
  let opened: { client: Client; connection: Connection } | undefined;
  before(async () => {
    opened = await temporalClient(testbedEnv().TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  });
  after(() => opened?.connection.close());
  return () => {
    if (!opened) throw new Error('the Temporal client is used before its before() hook ran');
    return opened.client;
  };
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyOf(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events ?? [];
}

/** Activity type → number of scheduled / completed events. */
export function activityCounts(
  events: HistoryEvent[],
): Map<string, { scheduled: number; completed: number }> {
  const byScheduledId = new Map<string, string>();
  const counts = new Map<string, { scheduled: number; completed: number }>();
  const bump = (type: string, k: 'scheduled' | 'completed'): void => {
    const c = counts.get(type) ?? { scheduled: 0, completed: 0 };
    c[k]++;
    counts.set(type, c);
  };
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const type = s.activityType?.name ?? '?';
      byScheduledId.set(String(e.eventId), type);
      bump(type, 'scheduled');
    }
    const c = e.activityTaskCompletedEventAttributes;
    if (c) bump(byScheduledId.get(String(c.scheduledEventId)) ?? '?', 'completed');
  }
  return counts;
}

/** Every string form a secret could take in a history: as is, and base64 of it (payload data). */
export function secretForms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(JSON.stringify(secret)).toString('base64'),
  ];
}

/** The history as text, with payload bytes decoded so that JSON payloads are searched as text too. */
export function historyText(events: HistoryEvent[]): string {
  return JSON.stringify(events, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (
      v &&
      typeof v === 'object' &&
      (v as { type?: string }).type === 'Buffer' &&
      Array.isArray((v as { data?: unknown }).data)
    ) {
      return Buffer.from((v as { data: number[] }).data).toString('utf8');
    }
    return v;
  });
}
