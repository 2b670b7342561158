/**
 * The worker is SIGKILLed part-way through a bootstrap (a named fault point sends the signal to its own
 * process, so the instant is exact), a fresh worker is started, and the same workflow completes:
 * Vault initialized once, every completed step run once (from the history), key material nowhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { bootstrapWorkflowId } from '../../src/shared/constants';
import { activityCounts, historyOf, historyText, secretForms, temporalClient } from '../support/history';
import { seedVerification } from '../support/seed-verify';
import { TestRun } from '../support/testbed';

/** Where the worker dies, and which activity is in flight at that instant. */
const CRASHES: { failpoint: string; during: string }[] = [
  { failpoint: 'deployStack:after-deploy', during: 'deployStack' },
  { failpoint: 'initLeader:after-persist', during: 'initLeader' },
  { failpoint: 'joinPeers:after-join:vault-2', during: 'joinPeers' },
];

describe('a worker killed mid-bootstrap resumes from the last completed step', () => {
  let client: Client;
  let connection: Connection;
  before(async () => {
    ({ client, connection } = await temporalClient(new TestRun().bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233'));
  });
  after(() => connection.close());

  for (const { failpoint, during } of CRASHES) {
    it(`SIGKILL at ${failpoint}`, async () => {
      const run = new TestRun();
      try {
        const first = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: failpoint });
        const exited = new Promise<NodeJS.Signals | null>((r) =>
          first.once('exit', (_code, signal) => r(signal)),
        );
        const start = await run.client(['bootstrap']);
        assert.equal(start.code, 0, start.out);
        assert.equal(await exited, 'SIGKILL', 'the first worker died by SIGKILL at the fault point');
        assert.match(readFileSync(run.workerLog, 'utf8'), new RegExp(`failpoint ${failpoint}: SIGKILL`));

        run.startWorker();
        const handle = client.workflow.getHandle(bootstrapWorkflowId(run.stack));
        await handle.result();

        const events = await historyOf(client, handle.workflowId);
        for (const [type, c] of activityCounts(events))
          assert.deepEqual(c, { scheduled: 1, completed: 1 }, `${type} ran once`);
        const retried = events
          .map((e) => e.activityTaskStartedEventAttributes)
          .filter((a) => a && (a.attempt ?? 1) > 1);
        assert.equal(retried.length, 1, `only the interrupted step (${during}) needed a second attempt`);

        const custodyDir = join(run.dir, 'custody');
        assert.deepEqual(
          readdirSync(custodyDir),
          [`${run.stack}.json`],
          'one init, one custody record, no conflicts',
        );
        const secrets = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
        assert.deepEqual(
          secrets.map((s) => s.Spec?.Name),
          [`${run.secretBase}_v1`],
          'no orphaned secret versions',
        );

        const v = await seedVerification(run.stack, custodyDir, join(run.dir, 'custody.key'));
        assert.equal(v.runningTasks, 3, v.servicePs);
        assert.ok(v.sealedFalse, v.vaultStatus);
        assert.equal(v.leaders, 1, v.listPeers);
        assert.equal(v.followers, 2, v.listPeers);

        const { unsealKey, rootToken } = await new FileKeyCustody({
          dir: custodyDir,
          keyFile: join(run.dir, 'custody.key'),
        }).read(run.stack);
        const text = historyText(events);
        const log = readFileSync(run.workerLog, 'utf8');
        for (const form of [...secretForms(unsealKey), ...secretForms(rootToken)]) {
          assert.ok(!text.includes(form) && !log.includes(form), 'no key material in history or logs');
        }
      } finally {
        await run.cleanup();
      }
      assert.deepEqual(await run.leftovers(), []);
    });
  }
});
