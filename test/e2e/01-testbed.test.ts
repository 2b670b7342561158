/**
 * The test bed itself (issue: real test bed): the production stack deploys on the local swarm, its three
 * tasks answer `GET /v1/sys/health` over TLS verified with the test CA (uninitialized: 501), and removing
 * the stack leaves nothing behind. Driven through the real activities, outside a worker. Before it, the sweep
 * removes what crashed runs left (test/support/sweep.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { loadWorkerConfig } from '../../src/config/worker';
import { DockerGateway } from '../../src/docker/gateway';
import { createNodeAgent } from '../../src/vault/transport';
import { buildActivityDeps } from '../../src/wiring';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { sweepStaleRuns } from '../support/sweep';
import { TestRun } from '../support/testbed';

function health(
  host: string,
  serverName: string,
  tunnel: { host: string; port: number },
  ca: Buffer,
): Promise<number> {
  const agent = createNodeAgent({ host, port: 8200, serverName }, { mode: 'tunnel', ...tunnel }, ca);
  return new Promise((resolve, reject) => {
    httpsGet({ host, port: 8200, path: '/v1/sys/health', agent }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('test bed: the Vault stack on the local swarm', () => {
  // npm test's first suite on the bed: what crashed runs left goes first (test/support/sweep.ts).
  before(async () => {
    const swept = await sweepStaleRuns({ beds: ['one'] });
    if (swept.length)
      console.log(`swept what earlier runs left: ${swept.length} things\n${swept.join('\n')}`);
  });
  const run = new TestRun();
  after(() => run.cleanup());

  it('deploys 3 tasks that answer sys/health over verified TLS, and removal leaves nothing', async () => {
    const config = loadWorkerConfig(run.env());
    const acts = createActivities(buildActivityDeps(config));
    const mock = new MockActivityEnvironment();
    const env = {
      run: <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...a: A): Promise<R> =>
        mock.run<A, R, typeof fn>(fn, ...a),
    };
    const input = { stack: run.stack };
    await env.run(acts.preflight, input);
    const placeholder = await env.run(acts.ensurePlaceholderSecret, input);
    assert.equal(placeholder.secret.kind, 'placeholder');
    const deployed = await env.run(acts.deployStack, input);
    assert.equal(deployed.changed, true);

    const tasks = [
      ...(await new DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).values(),
    ];
    // deployStack returns once every task's API answers: its container runs, though Swarm may still call it
    // `starting` until its first healthcheck passes (issue 12 stopped waiting for that).
    assert.equal(tasks.length, 3);
    for (const t of tasks)
      assert.ok(t.state === 'running' || t.state === 'starting', `task state ${t.state}`);
    const ca = readFileSync(config.vault.caFile);
    const tunnel =
      config.vault.addressing.mode === 'tunnel'
        ? config.vault.addressing
        : assert.fail('test bed uses the tunnel');
    for (const t of tasks) {
      assert.ok(t.address, `task ${t.id} has an iklimco-net address`);
      assert.equal(
        await health(t.address, `vault-${t.slot}`, tunnel, ca),
        501,
        `vault-${t.slot} is up and uninitialized`,
      );
    }
    // The certificate is really verified: a name the certificate does not carry is refused.
    await assert.rejects(health(tasks[0]?.address ?? '', 'not-in-cert', tunnel, ca), /altname|ERR_TLS/i);

    // Deploying again changes nothing.
    assert.equal((await env.run(acts.deployStack, input)).changed, false);

    await cleanUpLeavingNothing(run);
  });
});
