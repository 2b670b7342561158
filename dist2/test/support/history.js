"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.temporalClient = temporalClient;
exports.testbedTemporalClient = testbedTemporalClient;
exports.historyOf = historyOf;
exports.activitiesOf = activitiesOf;
exports.activityCounts = activityCounts;
exports.attemptsByActivity = attemptsByActivity;
exports.secretForms = secretForms;
exports.historyText = historyText;
/**
 * Reading a workflow's history for assertions: which activities were scheduled and completed, and
 * whether any given secret string appears anywhere in it.
 */
const node_test_1 = require("node:test");
const client_1 = require("@temporalio/client");
const testbed_1 = require("./testbed");
async function temporalClient(address) {
    const connection = await client_1.Connection.connect({ address });
    return { client: new client_1.Client({ connection }), connection };
}
/**
 * A client of the test bed's Temporal server for the surrounding `describe`: connected before its tests,
 * closed after them. Returns a getter, since the client exists only once the `before` hook has run.
 */
function testbedTemporalClient() {
    let opened;
    (0, node_test_1.before)(async () => {
        opened = await temporalClient((0, testbed_1.testbedEnv)().TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
    });
    (0, node_test_1.after)(() => opened?.connection.close());
    return () => {
        if (!opened)
            throw new Error('the Temporal client is used before its before() hook ran');
        return opened.client;
    };
}
async function historyOf(client, workflowId, runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    return history.events ?? [];
}
function eventMs(e) {
    return Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round(Number(e.eventTime?.nanos ?? 0) / 1e6);
}
/** Every scheduled activity of the history, in schedule order: the one walk the assertions derive from. */
function activitiesOf(events) {
    const byScheduledId = new Map();
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
        if (startedRun)
            startedRun.attempts = started.attempt ?? 1;
        const done = e.activityTaskCompletedEventAttributes;
        const doneRun = done && byScheduledId.get(String(done.scheduledEventId));
        if (doneRun) {
            doneRun.completedAt = eventMs(e);
            const data = done.result?.payloads?.[0]?.data;
            if (data)
                doneRun.result = JSON.parse(Buffer.from(data).toString('utf8'));
        }
    }
    return [...byScheduledId.values()];
}
/** Activity type → number of scheduled / completed events. */
function activityCounts(events) {
    const counts = new Map();
    for (const a of activitiesOf(events)) {
        const c = counts.get(a.type) ?? { scheduled: 0, completed: 0 };
        c.scheduled++;
        if (a.completedAt !== undefined)
            c.completed++;
        counts.set(a.type, c);
    }
    return counts;
}
/** Activity type → the highest attempt any of its runs reached. */
function attemptsByActivity(events) {
    const out = new Map();
    for (const a of activitiesOf(events))
        out.set(a.type, Math.max(out.get(a.type) ?? 0, a.attempts));
    return out;
}
/** Every string form a secret could take in a history: as is, and base64 of it (payload data). */
function secretForms(secret) {
    return [
        secret,
        Buffer.from(secret).toString('base64'),
        Buffer.from(JSON.stringify(secret)).toString('base64'),
    ];
}
/** The history as text, with payload bytes decoded so that JSON payloads are searched as text too. */
function historyText(events) {
    return JSON.stringify(events, (_k, v) => {
        if (v instanceof Uint8Array)
            return Buffer.from(v).toString('utf8');
        if (v &&
            typeof v === 'object' &&
            v.type === 'Buffer' &&
            Array.isArray(v.data)) {
            return Buffer.from(v.data).toString('utf8');
        }
        return v;
    });
}
//# sourceMappingURL=history.js.map