/** A node agent's configuration (src/config/agent.ts): Temporal, its node's Docker socket, its liveness file. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadNodeAgentConfig } from '../../../src/config/agent';
import { testDir } from '../../support/tmp';

describe('node agent config', () => {
  it('needs only Temporal and the Docker socket', () => {
    // No certificate folder, custody or stack settings: an agent starts where none of them exist.
    const agent = loadNodeAgentConfig({
      DOCKER_SOCKET: '/run/vbt-n2/docker.sock',
      VAULT_CERT_DIR: '/nonexistent',
    });
    assert.equal(agent.dockerSocket, '/run/vbt-n2/docker.sock');
    assert.equal(agent.temporal.taskQueue, 'vault-bootstrap');
    assert.equal(agent.livenessFile, undefined);
    assert.equal(loadNodeAgentConfig({}).dockerSocket, '/var/run/docker.sock');
  });

  it('takes the liveness file from VAULT_BOOTSTRAP_HEALTH_FILE, as the full worker does', () => {
    const file = join(testDir('vbt-cfg-'), 'alive');
    assert.equal(loadNodeAgentConfig({ VAULT_BOOTSTRAP_HEALTH_FILE: file }).livenessFile, file);
  });
});
