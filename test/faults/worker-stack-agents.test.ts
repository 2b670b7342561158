/**
 * The node agents of the worker stack where the Vault tasks run (issue 31), on the three-node bed with
 * `init-infra-prod.sh` run verbatim:
 *
 * - a Vault task killed on each node, three times per node: the seconds until it answers `Sealed false`
 *   (Swarm's restart delay is 5 s of it), healed by the events watcher through that node's agent;
 * - a service node that is no manager: n3 demoted to a worker node. The agent and its Docker proxy keep running
 *   there (their placement follows the Vault service's: no role constraint), and a Vault task killed on it is
 *   healed the same way. n3 is a manager again afterwards, with three Ready managers.
 *
 * In `npm run test:nodes` (about 8 minutes), not in `npm test`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  median,
  nodeDocker,
  nodeFaults,
  NODE_NAMES,
  threeNodeBedUp,
  vaultOnNode,
  waitUnsealedOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { eventually } from '../support/wait';
import { WorkerStackRun, workerImageOnNodes } from '../support/worker-stack';

const KILLS_PER_NODE = 3;

/** Kills the stack's Vault task on `node` and waits until its replacement answers `Sealed false`; seconds. */
async function killAndTime(w: WorkerStackRun, node: NodeName): Promise<number> {
  const vault = await vaultOnNode(w.stack, node);
  assert.ok(vault && !vault.sealed, `Vault on ${node} unsealed before the kill`);
  const killAt = Date.now();
  await nodeDocker(node, ['kill', vault.container]);
  await waitUnsealedOnNode(w.stack, node, 180_000, vault.container);
  return (Date.now() - killAt) / 1000;
}

/** The worker stack's agent and docker-proxy tasks running on `node` (its host name), by service. */
async function agentTasksOn(w: WorkerStackRun, node: NodeName): Promise<string[]> {
  return (await w.workerTasks())
    .filter((t) => t.node === `vbt-${node}` && t.service !== 'worker' && /^Running/.test(t.state))
    .map((t) => t.service)
    .sort();
}

describe('the worker stack’s agents wherever Vault runs', () => {
  let w: WorkerStackRun;

  before(async () => {
    await threeNodeBedUp();
    await workerImageOnNodes();
    w = new WorkerStackRun();
    const done = await w.initInfraProd();
    assert.equal(done.code, 0, done.out);
  });

  after(async () => {
    await nodeFaults.promote('n3').catch(() => undefined);
    if (w) await cleanUpLeavingNothing(w);
  });

  it(`a Vault task killed on each node, ${KILLS_PER_NODE} times: unsealed by the watcher through the node's agent`, async () => {
    const lines: string[] = [];
    for (const node of NODE_NAMES) {
      const seconds: number[] = [];
      for (let i = 0; i < KILLS_PER_NODE; i++) seconds.push(await killAndTime(w, node));
      lines.push(
        `${node}: ${seconds.map((s) => s.toFixed(1)).join(' ')} s (median ${median(seconds).toFixed(1)} s)`,
      );
    }
    console.log(`Vault killed, seconds to sealed:false (restart delay 5 s): ${lines.join('; ')}`);
  });

  it('n3 demoted to a worker node: its agent and proxy stay, and a Vault task killed there is healed', async () => {
    await nodeFaults.demote('n3');
    try {
      const role = (
        await nodeDocker('n1', ['node', 'inspect', '--format', '{{.Spec.Role}}', 'vbt-n3'])
      ).trim();
      assert.equal(role, 'worker');
      // No swarm API on a worker node: what the agent there cannot use (it asks nothing of it).
      await assert.rejects(nodeDocker('n3', ['node', 'ls']), /not a swarm manager|This node is not/);
      const services = await eventually('the agent and its proxy running on n3', 60_000, async () => {
        const s = await agentTasksOn(w, 'n3');
        return s.length === 2 ? s : undefined;
      });
      assert.deepEqual(services, ['agent', 'docker-proxy']);
      const seconds = await killAndTime(w, 'n3');
      console.log(
        `n3 a worker node: agent and proxy running there; Vault killed on it sealed:false after ${seconds.toFixed(1)}s`,
      );
    } finally {
      await nodeFaults.promote('n3');
    }
    const out = await nodeDocker('n1', ['node', 'ls', '--format', '{{.Status}} {{.ManagerStatus}}']);
    assert.equal(out.split('\n').filter((l) => /^Ready (Leader|Reachable)$/.test(l)).length, 3, out);
  });
});
