/**
 * `runVaultCommand` (`RunVaultCommand`, `vault-bootstrap exec`): the seed's checks verbatim, e.g.
 * `vault operator raft list-peers`, in a Vault task on the worker's node, as an operator would with `docker
 * exec`, but with a token nobody has to hold: made for this one command through the role `EXEC_ROLE` (it can
 * only read the Raft configuration and status), handed to the command's process in its environment (the
 * exec's API body: never argv, never the container's configuration), and revoked when the command ended.
 * A worker killed in between leaves it to expire (the role's `explicitMaxTtlSeconds`).
 *
 * Only the commands of `VAULT_COMMANDS` run (checked again here: the input is the caller's word); what they
 * print holds no secret, and goes back as the result.
 */
import { Context } from '@temporalio/activity';
import type { LocalContainer, VaultNode } from '../ports';
import { serviceName } from '../shared/constants';
import { ErrorType, messageOf, NonRetryableError } from '../shared/errors';
import { checkVaultCommand, EXEC_OUTPUT_MAX_BYTES } from '../shared/vault-commands';
import { apiToken, readCustodyForTokens } from './cluster/custody';
import { EXEC_POLICY, EXEC_ROLE } from './cluster/exec-access';
import { activeNode } from './cluster/nodes';
import type { ActivityDeps } from './deps';

/** The exec token's lifetime: the command's time and a margin; the role caps it anyway. */
const EXEC_TOKEN_TTL = '2m';
/** How long the command may take (the CLI's default client timeout is 60 s). */
const EXEC_TIMEOUT_MS = 90_000;

export interface VaultCommandInput {
  stack: string;
  command: string[];
}

export interface VaultCommandResult {
  /** The Swarm node the command ran on, and the container (12 characters) and task slot. */
  nodeId: string;
  container: string;
  slot?: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The accessor of the token it ran with (a handle, not a secret), revoked before this returned. */
  tokenAccessor?: string;
}

/** The container to run in: the lowest slot's on this node, as `docker ps … | head -1` picks one. */
function pick(containers: LocalContainer[]): LocalContainer | undefined {
  return [...containers].sort((a, b) => (a.slot ?? 99) - (b.slot ?? 99))[0];
}

export function createExecActivities(deps: ActivityDeps) {
  const { swarm } = deps;

  async function runVaultCommand(input: VaultCommandInput): Promise<VaultCommandResult> {
    const { stack } = input;
    const command = checkVaultCommand(input.command, 'input.command');
    const service = serviceName(stack);
    const nodeId = await swarm.localNodeId();
    const here = pick(await swarm.localServiceContainers(service));
    if (!here)
      throw new NonRetryableError(
        ErrorType.NoVaultTaskOnWorkerNode,
        `no task of ${service} runs on swarm node ${nodeId}, where this worker runs; nothing was run ` +
          `(the command runs through this node's Engine: run the worker on a node of the Vault service)`,
      );
    let token: { token: string; accessor: string } | undefined;
    let node: VaultNode | undefined;
    if (command.needsToken) {
      const held = await readCustodyForTokens(deps, stack);
      node = await activeNode(deps, stack);
      token = await node.createTokenFromRole(apiToken(held, stack), EXEC_ROLE, {
        policies: [EXEC_POLICY],
        displayName: `${EXEC_ROLE}-${stack}`,
        ttl: EXEC_TOKEN_TTL,
        meta: { 'vault-bootstrap': 'exec', stack },
      });
    }
    try {
      const out = await swarm.execInServiceContainer(
        service,
        here.containerId,
        command.argv,
        token ? { VAULT_TOKEN: token.token } : {},
        { maxBytes: EXEC_OUTPUT_MAX_BYTES, timeoutMs: EXEC_TIMEOUT_MS },
      );
      if (out === 'other-service')
        throw new NonRetryableError(
          ErrorType.ContainerNotOnNode,
          `container ${here.containerId.slice(0, 12)} is no longer a task of ${service}; nothing was run`,
        );
      Context.current().log.info(`ran \`${command.argv.join(' ')}\` in a task of ${service}`, {
        container: here.containerId.slice(0, 12),
        exitCode: out.exitCode,
      });
      return {
        nodeId,
        container: here.containerId.slice(0, 12),
        ...(here.slot === undefined ? {} : { slot: here.slot }),
        ...out,
        ...(token ? { tokenAccessor: token.accessor } : {}),
      };
    } finally {
      // Revoked with itself (its policy allows revoke-self and nothing that could be misused): a failure here
      // leaves a token that expires within EXEC_TOKEN_TTL and reads no secret; it does not fail the command.
      if (token && node)
        await node.revokeSelf(token.token).catch((err: unknown) => {
          Context.current().log.warn(
            `the exec token ${token.accessor} was not revoked; it expires by itself`,
            {
              error: messageOf(err),
            },
          );
        });
    }
  }

  return { runVaultCommand };
}
