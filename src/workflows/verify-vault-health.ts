/**
 * `VerifyVaultHealth`: one health check of a bootstrapped cluster, run by the Temporal Schedule, by the
 * Docker-events watcher, by `vault-bootstrap verify` and by a hold's release. It reads, then (unless told
 * not to, or an operator holds the stack) fixes what is safe to fix — unseal, certificate reload, re-join —
 * and reads again. The report, verdict and finding codes are the result; verdict and codes also go into
 * search attributes for the UI list.
 * A handful of events per run: its history does not grow with the age of the schedule.
 */
import {
  patched,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { healthDetails } from '../shared/run-text';
import type { Activities } from '../activities';
import { nodeTaskQueue } from '../shared/constants';
import { describeFailure } from '../shared/errors';
import { REMEDIABLE, UNSEAL_FINDINGS } from '../shared/health';
import type { HealthInput, HealthReport } from '../shared/health';
import { NODE_ROUTING_PATCH } from './patches';
import { VAULT_HEALTH_FINDINGS, VAULT_HEALTH_VERDICT } from '../shared/search-attributes';
import { healthFix, healthRead, onNodeQueue } from './activity-options';
import { checkHealthInput } from '../shared/inputs';

const read = proxyActivities<Activities>(healthRead);

const fix = proxyActivities<Activities>(healthFix);

/** A signal to a container, on the queue of the node that runs it. */
function onNode(swarmNodeId: string) {
  return proxyActivities<Activities>(onNodeQueue(nodeTaskQueue(workflowInfo().taskQueue, swarmNodeId)));
}

/**
 * Acts on each node's remediable findings, node by node in slot order: re-join and unseal on the main
 * queue (custody is there), SIGHUP on the node's own queue; a `NodeNotMember` or `NodeRemovedFromCluster`
 * node is skipped. A node whose action fails is listed in the returned failures and the next node is still
 * handled.
 */
async function remediateByNode(
  input: HealthInput,
  first: HealthReport,
): Promise<{ actions: string[]; failures: string[] }> {
  const actions: string[] = [];
  const failures: string[] = [];
  for (const row of first.nodes) {
    const codes = new Set(first.findings.filter((f) => f.node === row.name).map((f) => f.code));
    // Not in our Raft configuration although initialized: not identified as ours, left alone (no unseal, no
    // join, no signal). The finding is newer than every recorded history, so their commands are unchanged.
    if (codes.has('NodeNotMember')) continue;
    // Removed from the Raft cluster (Vault 1.19+): left alone the same way; as new, in no recorded history.
    if (codes.has('NodeRemovedFromCluster')) continue;
    if (UNSEAL_FINDINGS.some((c) => codes.has(c))) {
      try {
        actions.push(...(await fix.remediateNode(input, first, row.name)));
      } catch (err) {
        failures.push(`${row.name}: ${describeFailure(err)}`);
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
        actions.push(
          `reloaded the certificate of ${row.name} (SIGHUP on swarm node ${row.swarmNodeId.slice(0, 12)}); ` +
            `it now serves ${served.slice(0, 17)}…`,
        );
      } catch (err) {
        failures.push(
          `${row.name}: certificate reload on swarm node ${row.swarmNodeId.slice(0, 12)}: ${describeFailure(err)}`,
        );
      }
    }
  }
  return { actions, failures };
}

export async function VerifyVaultHealth(input: HealthInput): Promise<HealthReport> {
  checkHealthInput(input);
  setCurrentDetails(`**Health ${input.stack}**: checking`);
  const first = await read.checkVaultHealth(input);
  let report = first;
  const remediable = first.findings.some((f) => REMEDIABLE.includes(f.code));
  // While an operator holds the stack, the run reports and never acts (`SealedWhileHeld` is not remediable
  // either). A report of a run recorded before holds existed has no `hold`: it replays on the old path.
  if (input.remediate !== false && remediable && !first.hold) {
    let actions: string[];
    let failures: string[] = [];
    if (patched(NODE_ROUTING_PATCH)) {
      ({ actions, failures } = await remediateByNode(input, first));
    } else {
      actions = await fix.remediateVaultHealth(input, first);
    }
    report = {
      ...(await read.checkVaultHealth({ ...input, settleSeconds: 5 })),
      actions,
      ...(failures.length > 0 ? { actionFailures: failures } : {}),
      findingsBefore: first.findings,
    };
  }
  upsertSearchAttributes([
    { key: VAULT_HEALTH_VERDICT, value: report.verdict },
    { key: VAULT_HEALTH_FINDINGS, value: [...new Set(report.findings.map((f) => f.code))] },
  ]);
  setCurrentDetails(healthDetails(report));
  return report;
}
