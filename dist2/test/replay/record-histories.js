"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Records workflow histories from a Temporal server into `test/replay/histories/` for the replay test
 * (`replay.test.ts`). Reads only: it fetches histories, it never starts, signals or changes a workflow.
 *
 *   npm run record-histories -- [options] [WORKFLOW_ID[@RUN_ID] ...]
 *
 *   --query Q        also record the executions a visibility query lists (e.g. "WorkflowType='WatchVaultTasks'")
 *   --limit N        at most N executions from --query, newest first (default 5)
 *   --name LABEL     file label when exactly one execution is selected (default: <status>-<run id prefix>)
 *   --list           print what would be recorded (type, status, events, retried activities), write nothing
 *   --force          overwrite an existing file
 *   --out DIR        target folder (default test/replay/histories)
 *   --address A      Temporal frontend (default $TEMPORAL_ADDRESS, else the test bed's, else 127.0.0.1:7233)
 *   --namespace NS   (default $TEMPORAL_NAMESPACE, else "default")
 *
 * A history is written as Temporal's JSON (`historyToJSON`) with nothing stripped (replay needs every event),
 * one event per line. One that looks like it holds key material (see `keyMaterialFindings`) is refused.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const client_1 = require("@temporalio/client");
const proto_utils_1 = require("@temporalio/common/lib/proto-utils");
const history_files_1 = require("./history-files");
const testbed_1 = require("../support/testbed");
function defaultAddress() {
    if (process.env.TEMPORAL_ADDRESS)
        return process.env.TEMPORAL_ADDRESS;
    try {
        return (0, testbed_1.testbedEnv)().TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    }
    catch {
        return '127.0.0.1:7233';
    }
}
/** How the run ended, from its last event; `running` while it has none of the closing events. */
function statusOf(history) {
    const last = history.events?.[history.events.length - 1];
    if (!last)
        return 'empty';
    if (last.workflowExecutionCompletedEventAttributes)
        return 'completed';
    if (last.workflowExecutionFailedEventAttributes)
        return 'failed';
    if (last.workflowExecutionTerminatedEventAttributes)
        return 'terminated';
    if (last.workflowExecutionContinuedAsNewEventAttributes)
        return 'continued-as-new';
    if (last.workflowExecutionTimedOutEventAttributes)
        return 'timed-out';
    if (last.workflowExecutionCanceledEventAttributes)
        return 'canceled';
    return 'running';
}
/** Activities that ran more than one attempt (a crashed worker, a retried error): `initLeader x2`. */
function retried(history) {
    const typeOf = new Map();
    const out = [];
    for (const e of history.events ?? []) {
        const s = e.activityTaskScheduledEventAttributes;
        if (s)
            typeOf.set(String(e.eventId), s.activityType?.name ?? '?');
        const started = e.activityTaskStartedEventAttributes;
        if (started && (started.attempt ?? 1) > 1) {
            out.push(`${typeOf.get(String(started.scheduledEventId)) ?? '?'} x${started.attempt}`);
        }
    }
    return out;
}
/** The innermost failure message and type of a failed run (`UnsealKeyUnavailable`), if any. */
function failureOf(history) {
    const last = history.events?.[history.events.length - 1];
    let f = last?.workflowExecutionFailedEventAttributes?.failure;
    while (f?.cause)
        f = f.cause;
    return f ? (f.applicationFailureInfo?.type ?? f.message ?? 'failed') : undefined;
}
/**
 * `historyToJSON`'s text (Temporal's JSON history form) with one event per line: a third smaller than its
 * indented form, and a diff of two recordings still shows which events differ.
 */
function eventPerLine(historyJson) {
    const { events } = JSON.parse(historyJson);
    return `{"events": [\n${(events ?? []).map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}
async function main() {
    const { values, positionals } = (0, node_util_1.parseArgs)({
        allowPositionals: true,
        options: {
            query: { type: 'string' },
            limit: { type: 'string', default: '5' },
            name: { type: 'string' },
            list: { type: 'boolean', default: false },
            force: { type: 'boolean', default: false },
            out: { type: 'string', default: history_files_1.HISTORIES_DIR },
            address: { type: 'string', default: defaultAddress() },
            namespace: { type: 'string', default: process.env.TEMPORAL_NAMESPACE ?? 'default' },
        },
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
        throw new Error(`--limit must be a positive integer, got ${values.limit}`);
    if (!values.query && positionals.length === 0) {
        throw new Error('name executions (WORKFLOW_ID[@RUN_ID] ...) or a --query; see test/replay/record-histories.ts');
    }
    if (values.name !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(values.name)) {
        throw new Error(`--name must be lower-case kebab-case (e.g. worker-crash-retry), got ${values.name}`);
    }
    const connection = await client_1.Connection.connect({ address: values.address });
    try {
        const client = new client_1.Client({ connection, namespace: values.namespace });
        const executions = positionals.map((arg) => {
            const [workflowId = '', runId] = arg.split('@');
            return { workflowId, runId };
        });
        if (values.query) {
            for await (const wf of client.workflow.list({ query: values.query })) {
                if (executions.length >= positionals.length + limit)
                    break;
                executions.push({ workflowId: wf.workflowId, runId: wf.runId });
            }
        }
        if (executions.length === 0)
            throw new Error(`nothing matches --query ${values.query}`);
        if (values.name !== undefined && executions.length !== 1) {
            throw new Error(`--name labels one execution; ${executions.length} are selected`);
        }
        (0, node_fs_1.mkdirSync)(values.out, { recursive: true });
        let refused = 0;
        for (const execution of executions) {
            const { workflowId } = execution;
            const runId = execution.runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
            const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
            const type = (0, history_files_1.workflowTypeOf)(history);
            const status = statusOf(history);
            const label = values.name ?? `${status}-${runId.slice(0, 8)}`;
            const file = (0, node_path_1.join)(values.out, `${(0, history_files_1.kebab)(type)}.${label}.json`);
            const json = eventPerLine((0, proto_utils_1.historyToJSON)(history));
            const about = [
                `${type} ${workflowId}@${runId}`,
                status,
                `${history.events?.length ?? 0} events`,
                `${json.length} bytes`,
                ...retried(history).map((r) => `retried ${r}`),
                ...(failureOf(history) ? [`failure ${failureOf(history)}`] : []),
            ].join(', ');
            const findings = (0, history_files_1.keyMaterialFindings)(json);
            if (findings.length > 0) {
                refused++;
                console.error(`REFUSED ${about}: looks like key material: ${findings.join('; ')}`);
                continue;
            }
            if (values.list) {
                console.log(`${about}\n  -> ${file}`);
                continue;
            }
            if ((0, node_fs_1.existsSync)(file) && !values.force) {
                throw new Error(`${file} exists: pick another --name, or --force to overwrite it`);
            }
            (0, node_fs_1.writeFileSync)(file, json);
            console.log(`wrote ${file}: ${about}`);
        }
        if (refused > 0)
            process.exitCode = 1;
    }
    finally {
        await connection.close();
    }
}
main().catch((err) => {
    console.error(`record-histories: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
//# sourceMappingURL=record-histories.js.map