/**
 * Builds the real activity dependencies from the validated configuration: the one place that chooses
 * dockerode, node-vault, the file custody, env-driven fault points and the system clock for the ports.
 */
import type { ActivityDeps } from './activities';
import { Failpoints } from './activities/failpoints';
import { systemClock } from './activities/wait';
import type { WorkerConfig } from './config';
import { FileKeyCustody } from './custody/file-custody';
import { DockerGateway } from './docker/gateway';
import { VaultNodeClient } from './vault/gateway';

export function buildActivityDeps(
  config: WorkerConfig,
  swarm = new DockerGateway(config.dockerSocket, config.stack.dockerCli, config.stack.cliBaseEnv),
): ActivityDeps {
  const ca = Buffer.from(config.vault.caPem);
  return {
    swarm,
    custody: new FileKeyCustody(config.custody),
    vaultNode: (name, target) =>
      new VaultNodeClient(name, target, config.vault.addressing, ca, {
        requestMs: config.vault.requestTimeoutMs,
        initMs: config.vault.initTimeoutMs,
      }),
    config,
    failpoints: new Failpoints(config.failpoints),
    clock: systemClock,
  };
}
