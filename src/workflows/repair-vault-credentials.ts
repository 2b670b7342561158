/**
 * `RepairVaultCredentials` (`vault-bootstrap credentials repair`): the one way the tool's policies and tokens
 * are rewritten after the bootstrap. The health run only reports a missing or changed credential
 * (`CredentialMissing`, `CredentialPolicyChanged`); an operator decides to repair it, and this workflow does,
 * with a root token generated from the unseal key and revoked before its one activity returns. Tokens go to
 * custody; the history holds accessors only.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { checkStackInput } from '../shared/inputs';
import type { StepOutcome } from '../shared/types';
import { breakGlassIssue } from './activity-options';

const repair = proxyActivities<Activities>(breakGlassIssue);

export async function RepairVaultCredentials(input: { stack: string }): Promise<StepOutcome> {
  checkStackInput(input);
  setCurrentDetails(
    `**Credentials ${input.stack}**: comparing the tool's policies and tokens with this version's`,
  );
  const outcome = await repair.repairCredentials(input);
  setCurrentDetails(`**Credentials ${input.stack}**: ${outcome.summary}`);
  return outcome;
}
