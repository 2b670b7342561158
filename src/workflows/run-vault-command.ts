/**
 * `RunVaultCommand` (`vault-bootstrap exec --stack S -- vault operator raft list-peers`): one read-only `vault`
 * command in a Vault task, with a token made for it and revoked after (src/activities/exec.ts). Its input and
 * result are in the history: the command line and what it printed, never a token (the list of commands
 * allowed, src/shared/vault-commands.ts, prints none).
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { VaultCommandInput, VaultCommandResult } from '../activities/exec';
import { checkStackInput } from '../shared/inputs';
import { checkVaultCommand } from '../shared/vault-commands';
import { operatorCommand } from './activity-options';

const { runVaultCommand } = proxyActivities<Activities>(operatorCommand);

export async function RunVaultCommand(input: VaultCommandInput): Promise<VaultCommandResult> {
  checkStackInput(input);
  checkVaultCommand(input.command, 'input.command');
  const line = input.command.join(' ');
  setCurrentDetails(`**${input.stack}**: \`${line}\` in a Vault task`);
  const result = await runVaultCommand(input);
  setCurrentDetails(`**${input.stack}**: \`${line}\` exited ${result.exitCode} in ${result.container}`);
  return result;
}
