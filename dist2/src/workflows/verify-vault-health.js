"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VerifyVaultHealth = VerifyVaultHealth;
/**
 * `VerifyVaultHealth`: one health check of a bootstrapped cluster, run by the Temporal Schedule, by the
 * Docker-events watcher, by `vault-bootstrap verify` and by a hold's release. It reads, then (unless told
 * not to, or an operator holds the stack) fixes what is safe to fix — unseal, certificate reload, re-join —
 * and reads again. The report, verdict and finding codes are the result; verdict and codes also go into
 * search attributes for the UI list.
 * A handful of events per run: its history does not grow with the age of the schedule.
 */
const workflow_1 = require("@temporalio/workflow");
const run_text_1 = require("../shared/run-text");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const health_1 = require("../shared/health");
const patches_1 = require("./patches");
const search_attributes_1 = require("../shared/search-attributes");
/** Reading state: quick, a few retries (a failing read is itself a finding the next run will repeat). */
const read = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '3 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '2 seconds',
        maximumAttempts: 3,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
/** Remediation: waits for unseals and reloads to take effect. */
const fix = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '2 seconds',
        maximumAttempts: 3,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
/**
 * A signal to a container, on the queue of the node that runs it. No agent on that node (or the node down)
 * must not hold the run: it fails after `scheduleToStartTimeout` and is reported with the node.
 */
function onNode(swarmNodeId) {
    return (0, workflow_1.proxyActivities)({
        taskQueue: (0, constants_1.nodeTaskQueue)((0, workflow_1.workflowInfo)().taskQueue, swarmNodeId),
        scheduleToStartTimeout: '30 seconds',
        startToCloseTimeout: '30 seconds',
        retry: {
            initialInterval: '1 second',
            maximumAttempts: 3,
            nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
        },
    });
}
/**
 * Acts on each node's remediable findings, node by node in slot order: re-join and unseal on the main
 * queue (custody is there), SIGHUP on the node's own queue; a `NodeNotMember` node is skipped. A node whose
 * action fails is listed in the returned failures and the next node is still handled.
 */
async function remediateByNode(input, first) {
    const actions = [];
    const failures = [];
    for (const row of first.nodes) {
        const codes = new Set(first.findings.filter((f) => f.node === row.name).map((f) => f.code));
        // Not in our Raft configuration although initialized: not identified as ours, left alone (no unseal, no
        // join, no signal). The finding is newer than every recorded history, so their commands are unchanged.
        if (codes.has('NodeNotMember'))
            continue;
        if (health_1.UNSEAL_FINDINGS.some((c) => codes.has(c))) {
            try {
                actions.push(...(await fix.remediateNode(input, first, row.name)));
            }
            catch (err) {
                failures.push(`${row.name}: ${(0, errors_1.describeFailure)(err)}`);
            }
        }
        if (codes.has('CertificateStale')) {
            if (!row.swarmNodeId || !row.containerId) {
                failures.push(`${row.name}: its task's node or container is unknown, no certificate reload`);
                continue;
            }
            try {
                await onNode(row.swarmNodeId).signalVaultContainer({
                    stack: input.stack,
                    node: row.name,
                    containerId: row.containerId,
                    signal: 'SIGHUP',
                });
                const served = await fix.waitForServedCertificate(input, row.name);
                actions.push(`reloaded the certificate of ${row.name} (SIGHUP on swarm node ${row.swarmNodeId.slice(0, 12)}); ` +
                    `it now serves ${served.slice(0, 17)}…`);
            }
            catch (err) {
                failures.push(`${row.name}: certificate reload on swarm node ${row.swarmNodeId.slice(0, 12)}: ${(0, errors_1.describeFailure)(err)}`);
            }
        }
    }
    return { actions, failures };
}
async function VerifyVaultHealth(input) {
    (0, workflow_1.setCurrentDetails)(`**Health ${input.stack}**: checking`);
    const first = await read.checkVaultHealth(input);
    let report = first;
    const remediable = first.findings.some((f) => health_1.REMEDIABLE.includes(f.code));
    // While an operator holds the stack, the run reports and never acts (`SealedWhileHeld` is not remediable
    // either). A report of a run recorded before holds existed has no `hold`: it replays on the old path.
    if (input.remediate !== false && remediable && !first.hold) {
        let actions;
        let failures = [];
        if ((0, workflow_1.patched)(patches_1.NODE_ROUTING_PATCH)) {
            ({ actions, failures } = await remediateByNode(input, first));
        }
        else {
            actions = await fix.remediateVaultHealth(input, first);
        }
        report = {
            ...(await read.checkVaultHealth({ ...input, settleSeconds: 5 })),
            actions,
            ...(failures.length > 0 ? { actionFailures: failures } : {}),
            findingsBefore: first.findings,
        };
    }
    (0, workflow_1.upsertSearchAttributes)([
        { key: search_attributes_1.VAULT_HEALTH_VERDICT, value: report.verdict },
        { key: search_attributes_1.VAULT_HEALTH_FINDINGS, value: [...new Set(report.findings.map((f) => f.code))] },
    ]);
    (0, workflow_1.setCurrentDetails)((0, run_text_1.healthDetails)(report));
    return report;
}
//# sourceMappingURL=verify-vault-health.js.map