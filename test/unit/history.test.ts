/**
 * The one walk over a workflow history that the end-to-end and fault assertions derive from
 * (`activitiesOf`): scheduled activities in order, the attempt the history recorded, completion time and
 * the decoded result. Synthetic events, no server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { activitiesOf, activityCounts, attemptsByActivity } from '../support/history';
import type { HistoryEvent } from '../support/history';

const at = (seconds: number): { seconds: number; nanos: number } => ({ seconds, nanos: 500_000_000 });
const payload = (value: unknown): { payloads: { data: string }[] } => ({
  payloads: [{ data: Buffer.from(JSON.stringify(value)).toString('base64') }],
});

const events: HistoryEvent[] = [
  {
    eventId: 5,
    eventTime: at(100),
    activityTaskScheduledEventAttributes: { activityType: { name: 'deployStack' } },
  },
  { eventId: 6, eventTime: at(101), activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 } },
  {
    eventId: 7,
    eventTime: at(110),
    activityTaskCompletedEventAttributes: { scheduledEventId: 5, result: payload({ summary: 'deployed' }) },
  },
  {
    eventId: 11,
    eventTime: at(111),
    activityTaskScheduledEventAttributes: { activityType: { name: 'initLeader' } },
  },
  {
    eventId: 12,
    eventTime: at(130),
    activityTaskStartedEventAttributes: { scheduledEventId: 11, attempt: 3 },
  },
  {
    eventId: 13,
    eventTime: at(131),
    activityTaskCompletedEventAttributes: { scheduledEventId: 11, result: payload({ keyId: 'k1' }) },
  },
  {
    eventId: 17,
    eventTime: at(132),
    activityTaskScheduledEventAttributes: { activityType: { name: 'rotateUnsealKeySecret' } },
  },
].map((e) => temporal.api.history.v1.HistoryEvent.fromObject(e));

describe('activitiesOf', () => {
  it('lists each scheduled activity once, in order, with its last attempt, completion and result', () => {
    assert.deepEqual(activitiesOf(events), [
      {
        type: 'deployStack',
        scheduledAt: 100_500,
        attempts: 1,
        completedAt: 110_500,
        result: { summary: 'deployed' },
      },
      {
        type: 'initLeader',
        scheduledAt: 111_500,
        attempts: 3,
        completedAt: 131_500,
        result: { keyId: 'k1' },
      },
      { type: 'rotateUnsealKeySecret', scheduledAt: 132_500, attempts: 0 },
    ]);
  });

  it('derives the per-type counts and attempts', () => {
    assert.deepEqual(
      [...activityCounts(events)],
      [
        ['deployStack', { scheduled: 1, completed: 1 }],
        ['initLeader', { scheduled: 1, completed: 1 }],
        ['rotateUnsealKeySecret', { scheduled: 1, completed: 0 }],
      ],
    );
    assert.deepEqual(
      [...attemptsByActivity(events)],
      [
        ['deployStack', 1],
        ['initLeader', 3],
        ['rotateUnsealKeySecret', 0],
      ],
    );
  });
});
