/** Vault's data as a test reads and writes it itself: through vault-1, with a root token from break glass. */
import assert from 'node:assert/strict';
import { DockerGateway } from '../../src/docker/gateway';
import type { VaultNodeClient } from '../../src/vault/gateway';
import type { TestRun } from './testbed';

/**
 * A client of the stack's vault-1 and a root token that `root-token --ttl 10m` handed out (it must exit 0;
 * the token's workflow revokes it after its TTL), with the stack as it is now: after a restore, too.
 */
export async function rootSession(
  run: TestRun,
  extra: Record<string, string> = {},
): Promise<{ vault: VaultNodeClient; root: string }> {
  const issued = await run.client(['root-token', '--ttl', '10m'], extra);
  assert.equal(issued.code, 0, issued.out);
  const task = (await new DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).get(1);
  assert.ok(task?.address, 'vault-1 runs');
  return { vault: run.vaultClient('vault-1', task.address), root: issued.stdout.trim() };
}
