"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The one walk over a workflow history that the end-to-end and fault assertions derive from
 * (`activitiesOf`): scheduled activities in order, the attempt the history recorded, completion time and
 * the decoded result. Synthetic events, no server.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const proto_1 = require("@temporalio/proto");
const history_1 = require("../support/history");
const at = (seconds) => ({ seconds, nanos: 500_000_000 });
const payload = (value) => ({
    payloads: [{ data: Buffer.from(JSON.stringify(value)).toString('base64') }],
});
const events = [
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
].map((e) => proto_1.temporal.api.history.v1.HistoryEvent.fromObject(e));
(0, node_test_1.describe)('activitiesOf', () => {
    (0, node_test_1.it)('lists each scheduled activity once, in order, with its last attempt, completion and result', () => {
        strict_1.default.deepEqual((0, history_1.activitiesOf)(events), [
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
    (0, node_test_1.it)('derives the per-type counts and attempts', () => {
        strict_1.default.deepEqual([...(0, history_1.activityCounts)(events)], [
            ['deployStack', { scheduled: 1, completed: 1 }],
            ['initLeader', { scheduled: 1, completed: 1 }],
            ['rotateUnsealKeySecret', { scheduled: 1, completed: 0 }],
        ]);
        strict_1.default.deepEqual([...(0, history_1.attemptsByActivity)(events)], [
            ['deployStack', 1],
            ['initLeader', 3],
            ['rotateUnsealKeySecret', 0],
        ]);
    });
});
//# sourceMappingURL=history.test.js.map