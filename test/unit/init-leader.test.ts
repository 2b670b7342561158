/**
 * initLeader with in-memory fakes (one module, no real systems): a retry that starts while this worker's
 * earlier `sys/init` is still waiting for Vault's answer must wait for it, not report the key lost.
 * The end-to-end proof that init happens once and the key survives is the crash matrix in test/faults (its subset runs in npm test as test/e2e/05-faults-subset).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ActivityDeps } from '../../src/activities';
import { Failpoints } from '../../src/activities/failpoints';
import type { CustodyRecordInfo, KeyCustody } from '../../src/custody/file-custody';
import type { DockerGateway, TaskInfo } from '../../src/docker/gateway';
import type { InitResponse, SealStatus, VaultNodeClient } from '../../src/vault/gateway';

const task = (slot: number): TaskInfo => ({
  id: `t${slot}`,
  slot,
  state: 'running',
  desiredState: 'running',
  address: `10.0.0.${slot}`,
  createdAt: '',
  secretIds: [],
});

/** A three-node cluster whose leader's `sys/init` takes effect at once but answers only when `answer()` is called. */
function slowInitCluster() {
  let initialized = false;
  let initCalls = 0;
  let release: () => void = () => undefined;
  const answered = new Promise<void>((r) => (release = r));
  let started: () => void = () => undefined;
  const initStarted = new Promise<void>((r) => (started = r));
  const status = (): SealStatus => ({ initialized, sealed: true, t: 1, n: 1, version: '2.7.2' });
  const client = (name: string) =>
    ({
      name,
      sealStatus: () => Promise.resolve(name === 'vault-1' ? status() : { ...status(), initialized: false }),
      init: async (): Promise<InitResponse> => {
        initCalls++;
        initialized = true;
        started();
        await answered;
        return { unsealKey: 'a2V5', rootToken: 'root' };
      },
    }) as unknown as VaultNodeClient;
  const records = new Map<string, CustodyRecordInfo>();
  const custody: KeyCustody = {
    assertWritable: () => Promise.resolve(),
    describe: (stack) => Promise.resolve(records.get(stack)),
    store: (stack: string) => {
      const info = { keyId: 'k1', stack, createdAt: new Date().toISOString() };
      records.set(stack, info);
      return Promise.resolve(info);
    },
    read: () => Promise.reject(new Error('not used')),
  };
  const deps = {
    docker: {
      currentTasks: () => Promise.resolve(new Map([1, 2, 3].map((s) => [s, task(s)]))),
    } as unknown as DockerGateway,
    custody,
    vaultClient: (name: string) => client(name),
    config: {
      stack: { unsealSecretTemplate: '{stack}_vault_unseal_key' },
      vault: { serverNameTemplate: 'vault-{slot}' },
    },
    failpoints: new Failpoints([]),
  } as unknown as ActivityDeps;
  return { deps, initStarted, answer: () => release(), initCalls: () => initCalls };
}

describe('initLeader: an attempt overlapping this worker’s pending sys/init', () => {
  it('waits for the pending answer and reports the stored key, without a second init', async () => {
    const cluster = slowInitCluster();
    const { initLeader } = createActivities(cluster.deps);
    const first = new MockActivityEnvironment().run(initLeader, { stack: 's' });
    await Promise.race([cluster.initStarted, first]); // a first attempt failing before sys/init fails here
    // The first attempt is stuck in sys/init (Vault already initialized); a retry starts now.
    const retry = new MockActivityEnvironment().run(initLeader, { stack: 's' }).then(
      (v) => v,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 50));
    cluster.answer();
    type Outcome = Awaited<ReturnType<typeof initLeader>>;
    const [a, b] = (await Promise.all([first, retry])) as [Outcome, Outcome | Error];
    assert.equal(a.changed, true);
    if (b instanceof Error) assert.fail(`the retry failed: ${b.message}`);
    assert.equal(b.changed, false);
    assert.equal(b.keyId, 'k1');
    assert.equal(cluster.initCalls(), 1, 'sys/init was called once');
  });
});
