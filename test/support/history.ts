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

/** One scheduled activity of a history, as the one walk over its events (`activitiesOf`) sees it. */
/** The summary of `step` in the latest run of `workflowId` (a bootstrap's), or '' when it has not completed. */
export async function stepSummary(client: Client, workflowId: string, step: string): Promise<string> {
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  const done = activitiesOf(await historyOf(client, workflowId, runId)).find((a) => a.type === step);
  return (done?.result as { summary?: string } | undefined)?.summary ?? '';
}

export interface ActivityRun {
  type: string;
  /** Event time of `ActivityTaskScheduled`, ms since the epoch. */
  scheduledAt: number;
  /** The attempt of its `ActivityTaskStarted` event (the last one, the only one history records); 0 if never started. */
  attempts: number;
  /** Event time of `ActivityTaskCompleted`, ms since the epoch; absent if it did not complete. */
  completedAt?: number;
  /** The completed activity's result, decoded from its JSON payload. */
  result?: unknown;
}

/** When `e` happened, in epoch milliseconds. */
export function eventMs(e: HistoryEvent): number {
  return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round(Number(e.eventTime?.nanos ?? 0) / 1e6);
}

/** Every scheduled activity of the history, in schedule order: the one walk the assertions derive from. */
export function activitiesOf(events: HistoryEvent[]): ActivityRun[] {
  const byScheduledId = new Map<string, ActivityRun>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s)
      byScheduledId.set(String(e.eventId), {
        type: s.activityType?.name ?? '?',
        scheduledAt: eventMs(e),
        attempts: 0,
      });
    const started = e.activityTaskStartedEventAttributes;
    const startedRun = started && byScheduledId.get(String(started.scheduledEventId));
    if (startedRun) startedRun.attempts = started.attempt ?? 1;
    const done = e.activityTaskCompletedEventAttributes;
    const doneRun = done && byScheduledId.get(String(done.scheduledEventId));
    if (doneRun) {
      doneRun.completedAt = eventMs(e);
      const data = done.result?.payloads?.[0]?.data;
      if (data) doneRun.result = JSON.parse(Buffer.from(data).toString('utf8')) as unknown;
    }
  }
  return [...byScheduledId.values()];
}

/** Activity type → number of scheduled / completed events. */
export function activityCounts(
  events: HistoryEvent[],
): Map<string, { scheduled: number; completed: number }> {
  const counts = new Map<string, { scheduled: number; completed: number }>();
  for (const a of activitiesOf(events)) {
    const c = counts.get(a.type) ?? { scheduled: 0, completed: 0 };
    c.scheduled++;
    if (a.completedAt !== undefined) c.completed++;
    counts.set(a.type, c);
  }
  return counts;
}

/** Activity type → the highest attempt any of its runs reached. */
export function attemptsByActivity(events: HistoryEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of activitiesOf(events)) out.set(a.type, Math.max(out.get(a.type) ?? 0, a.attempts));
  return out;
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
