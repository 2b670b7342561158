/**
 * `RekeyVault` (`vault-bootstrap rekey --stack S`): rotates the unseal key of a running cluster (issue 29;
 * docs/rekey.md). The steps (`REKEY_STEPS`), one activity or child workflow each:
 *
 *   checkCluster → rekeyUnsealKey → rollUnsealKeySecret → verifyCluster → backupSnapshot → drillSnapshot →
 *   retireFormerUnsealKey
 *
 * The new key is in custody before Vault takes it (`rekeyUnsealKey`); the nodes are restarted onto the new
 * secret one at a time, each unsealed with the new key and a healthy voter before the next
 * (`rollUnsealKeySecret`); a fresh snapshot is taken and restored into a throwaway stack with the new key; only
 * then is the old secret removed. A crash anywhere resumes at the step without a completion event, and each
 * step carries on from what Vault, Swarm and custody show. One rotation per stack: the run's id is the stack's
 * (`rekeyWorkflowIds`). Deterministic code only; the history holds names, generations and nonces, no key.
 */
import { executeChild, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeFailure } from '../shared/errors';
import { checkStackInput } from '../shared/inputs';
import { REKEY_STEPS } from '../shared/steps';
import type { RekeyStep } from '../shared/steps';
import type { StepOutcome } from '../shared/types';
import { rekeyWorkflowIds } from '../shared/workflow-ids';
import { convergence, rekeying, rollingOut } from './activity-options';
import { BackupVault } from './backup-vault';
import { RestoreDrill } from './restore-drill';

/** What a rotation did: each step's one-line summary, and the key generation custody names the key now. */
export interface RekeyResult {
  stack: string;
  generation: number;
  steps: { step: RekeyStep; summary: string }[];
}

export async function RekeyVault(input: { stack: string }): Promise<RekeyResult> {
  const { stack } = checkStackInput(input);
  const ids = rekeyWorkflowIds(stack);
  const rows = REKEY_STEPS.map((step) => ({ step, status: 'pending', note: '' }));
  const show = () =>
    setCurrentDetails(
      [`**Rotate the unseal key of ${stack}**`, '']
        .concat(rows.map((r) => `- \`${r.step}\` ${r.status}${r.note ? `: ${r.note}` : ''}`))
        .join('\n'),
    );

  async function step<T extends StepOutcome>(name: RekeyStep, run: () => Promise<T>): Promise<T> {
    const row = rows.find((r) => r.step === name)!;
    row.status = 'running';
    show();
    try {
      const out = await run();
      Object.assign(row, { status: 'done', note: out.summary });
      return out;
    } catch (err) {
      Object.assign(row, { status: 'failed', note: describeFailure(err) });
      throw err;
    } finally {
      show();
    }
  }
  const with_ = (options: ActivityOptions) => proxyActivities<Activities>(options);

  await step('checkCluster', () => with_(convergence).checkRekeyable(input));
  const rotated = await step('rekeyUnsealKey', () => with_(rekeying).rekeyUnsealKey(input));
  await step('rollUnsealKeySecret', () => with_(rollingOut).rollUnsealKeySecret(input));
  await step('verifyCluster', () => with_(convergence).verifyCluster(input));
  await step('backupSnapshot', async () => {
    const backup = await executeChild(BackupVault, { workflowId: ids.backup, args: [input] });
    return {
      changed: true,
      summary: `${backup.manifest.file} taken under key generation ${rotated.generation}`,
    };
  });
  await step('drillSnapshot', async () => {
    const drill = await executeChild(RestoreDrill, { workflowId: ids.drill, args: [input] });
    return {
      changed: false,
      summary: `${drill.snapshot.file} restored and unsealed with the new key; canary read back`,
    };
  });
  await step('retireFormerUnsealKey', () => with_(rekeying).retireFormerUnsealKey(input));
  return {
    stack,
    generation: rotated.generation,
    steps: rows.map((r) => ({ step: r.step, summary: r.note })),
  };
}
