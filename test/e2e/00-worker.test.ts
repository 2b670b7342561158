/**
 * The worker process: it starts, connects to the real dev server, polls its task queue, and on SIGINT or
 * SIGTERM finishes and exits 0. A node agent whose Docker socket is a docker-proxy that starts after it (as
 * Swarm may start the worker stack's services) waits for it, then makes its start-up calls through it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startDockerProxy } from '../../src/docker/proxy';
import { stopProcess, TestRun } from '../support/testbed';
import { sleep } from '../support/wait';

/** Waits until the run's worker log, from `from` on, holds `text`. */
async function logged(run: TestRun, from: number, text: string, what: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (!readFileSync(run.workerLog, 'utf8').slice(from).includes(text)) {
    assert.ok(Date.now() < until, what);
    await sleep(200);
  }
}

describe('the worker process', () => {
  const run = new TestRun();
  after(() => run.cleanup());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`polls its task queue and shuts down cleanly on ${signal}`, async () => {
      const logStart = (() => {
        try {
          return readFileSync(run.workerLog, 'utf8').length;
        } catch {
          return 0;
        }
      })();
      const worker = run.startWorker();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        worker.once('exit', (code, sig) => r({ code, signal: sig })),
      );
      const until = Date.now() + 60_000;
      while (
        !readFileSync(run.workerLog, 'utf8').slice(logStart).includes(`polling task queue ${run.taskQueue}`)
      ) {
        assert.ok(Date.now() < until, `the worker logs that it polls ${run.taskQueue}`);
        await sleep(200);
      }
      const before = readFileSync(run.workerLog, 'utf8').length;
      worker.kill(signal);
      assert.deepEqual(await exited, { code: 0, signal: null });
      assert.match(readFileSync(run.workerLog, 'utf8').slice(before), /shut down cleanly/);
    });
  }

  it('a node agent waits for its Docker proxy to start, then polls its node queue through it', async () => {
    const from = readFileSync(run.workerLog, 'utf8').length;
    const socket = join(run.dir, 'agent-docker.sock');
    const agent = run.startWorker({ VAULT_BOOTSTRAP_WORKER_ROLE: 'node-agent', DOCKER_SOCKET: socket });
    try {
      await logged(
        run,
        from,
        `waiting for the Docker socket ${socket} (ENOENT)`,
        'the agent waits for its socket',
      );
      const proxy = await startDockerProxy({ listen: socket, upstream: '/var/run/docker.sock' });
      try {
        await logged(
          run,
          from,
          `polling task queue ${run.taskQueue}-node-`,
          'the agent polls its node queue',
        );
      } finally {
        await stopProcess(agent);
        await proxy.close();
      }
    } finally {
      await stopProcess(agent);
    }
  });
});
