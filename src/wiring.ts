/**
 * Builds the real activity dependencies from the validated configuration: the one place that chooses
 * dockerode, node-vault and the file custody. Tests build their own `ActivityDeps` where they need to.
 */
import { readFileSync } from 'node:fs';
import type { ActivityDeps } from './activities';
import { Failpoints } from './activities/failpoints';
import type { WorkerConfig } from './config';
import { FileKeyCustody } from './custody/file-custody';
import { DockerGateway } from './docker/gateway';
import { VaultNodeClient } from './vault/gateway';

export function buildActivityDeps(config: WorkerConfig): ActivityDeps {
  const ca = readFileSync(config.vault.caFile);
  return {
    docker: new DockerGateway(config.dockerSocket, config.stack.dockerCli),
    custody: new FileKeyCustody(config.custody),
    vaultClient: (name, target) =>
      new VaultNodeClient(name, target, config.vault.addressing, ca, {
        requestMs: config.vault.requestTimeoutMs,
        initMs: config.vault.initTimeoutMs,
      }),
    config,
    failpoints: new Failpoints(config.failpoints),
  };
}
