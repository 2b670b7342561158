/**
 * `UpgradeVault` (`vault-bootstrap upgrade --stack S --image IMAGE | --rollback`): a rolling upgrade of the Vault
 * image (issue 29; docs/upgrade.md). In order: the target resolved (`--rollback`: the image recorded at the last
 * swap); the cluster verified; a snapshot taken and drilled (the way back should the new version not open the
 * data); the stack held (health runs report and never act while the tool restarts nodes); the image rolled out
 * one task at a time, the leader last (src/activities/upgrade.ts); the cluster verified; the hold released,
 * whatever happened. A crash anywhere resumes at the step without a completion event. One per stack.
 */
import {
  executeChild,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setCurrentDetails,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { HOLD_MEMO_KEY } from '../shared/hold-memo';
import type { StackHold } from '../shared/health';
import { checkUpgradeInput } from '../shared/inputs';
import type { UpgradeInput } from '../shared/types';
import { holdWorkflowId, upgradeWorkflowIds } from '../shared/workflow-ids';
import { convergence, rekeying, rollingOut } from './activity-options';
import { BackupVault } from './backup-vault';
import { HoldVaultStack, releaseSignal } from './hold-vault-stack';
import { ROLLBACK_CHECK_PATCH } from './patches';
import { RestoreDrill } from './restore-drill';

/** What an upgrade did: from and to which image, each step's summary, each node's version after. */
export interface UpgradeResult {
  stack: string;
  from: string;
  to: string;
  steps: { step: string; summary: string }[];
  versions: string[];
}

export async function UpgradeVault(input: UpgradeInput): Promise<UpgradeResult> {
  const { stack } = checkUpgradeInput(input);
  const ids = upgradeWorkflowIds(stack);
  const steps: { step: string; summary: string }[] = [];
  const show = (now: string) =>
    setCurrentDetails(
      [`**Upgrade ${stack}**: ${now}`, '']
        .concat(steps.map((s) => `- \`${s.step}\`: ${s.summary}`))
        .join('\n'),
    );
  const done = (step: string, summary: string) => {
    steps.push({ step, summary });
    show('running');
  };

  const plan = await proxyActivities<Activities>(rekeying).planUpgrade(input);
  done('planUpgrade', plan.summary);
  const verify = () => proxyActivities<Activities>(convergence).verifyCluster({ stack });
  // A rollback is what follows a node that did not come back: one node may be down (a quorum of voters
  // serves). With none down, the whole check as before an upgrade.
  if (input.rollback && patched(ROLLBACK_CHECK_PATCH)) {
    const check = await proxyActivities<Activities>(convergence).checkRollback({ stack });
    done('checkCluster', check.down.length ? check.summary : (await verify()).summary);
  } else done('checkCluster', (await verify()).summary);
  if (plan.from === plan.to) return { stack, from: plan.from, to: plan.to, steps, versions: [] };

  const backup = await executeChild(BackupVault, { workflowId: ids.backup, args: [{ stack }] });
  done('backupSnapshot', `${backup.manifest.file} taken from ${plan.from}`);
  const drill = await executeChild(RestoreDrill, { workflowId: ids.drill, args: [{ stack }] });
  done('drillSnapshot', `${drill.snapshot.file} restored and read back`);

  const hold: StackHold = {
    reason: `upgrade to ${plan.to} (${workflowInfo().workflowId})`,
    since: new Date().toISOString(),
    by: 'vault-bootstrap upgrade',
  };
  try {
    await startChild(HoldVaultStack, {
      workflowId: holdWorkflowId(stack),
      args: [{ hold, check: { stack } }],
      memo: { [HOLD_MEMO_KEY]: hold },
    });
    done('holdStack', hold.reason);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // An operator's hold (or this run's, started before a crash): health acts on nothing either way.
    done('holdStack', 'the stack was held already; that hold stays');
  }
  let rolled;
  try {
    rolled = await proxyActivities<Activities>(rollingOut).rollImage({
      stack,
      image: plan.to,
      ...(input.nodeTimeoutMs !== undefined && { nodeTimeoutMs: input.nodeTimeoutMs }),
    });
    done('rollImage', rolled.summary);
    done('verifyCluster', (await verify()).summary);
  } finally {
    if (steps.some((s) => s.step === 'holdStack' && s.summary === hold.reason))
      await getExternalWorkflowHandle(holdWorkflowId(stack)).signal(releaseSignal, {
        by: 'vault-bootstrap upgrade',
      });
  }
  show('done');
  return { stack, from: plan.from, to: plan.to, steps, versions: rolled.versions };
}
