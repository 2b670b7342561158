/**
 * The worker process: it starts, connects to the real dev server, polls its task queue, and on SIGINT or
 * SIGTERM finishes and exits 0.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { TestRun } from '../support/testbed';
import { sleep } from '../support/wait';

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
});
