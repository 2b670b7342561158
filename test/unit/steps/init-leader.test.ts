/**
 * Step 3, initLeader, in memory: only an uninitialized leader is initialized, once, by an init job beside it
 * whose answer is encrypted to custody's init key; the answer reaches custody before anything else, whoever
 * crashed; a leader wedged by a cut-short init is wiped when nothing can be lost; every other state fails by
 * name and touches nothing. The end-to-end proof (real Vault, SIGKILLs) is the crash matrix in test/faults
 * (its subset runs in npm test as test/e2e/05-faults-subset) and test/faults/init-killed.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ANSWER_JOB_CLI_ERRORS,
  ANSWER_JOB_END,
  parseKeptInit,
  answerJobName,
  initJobName,
  wipeJobName,
} from '../../../src/activities/cluster/init-job';
import { STATE_POLL_MS } from '../../../src/activities/cluster/nodes';
import { initKeyName } from '../../../src/custody/init-key';
import { initMayHaveCommitted } from '../../../src/activities/init-leader';
import { activityEnv, worldAfter } from '../../support/fakes';
import type { World } from '../../support/fakes';
import type { JobRun } from '../../support/fakes/swarm';
import type { JobSpec } from '../../../src/ports';
import { namedFailure, retryableError, tick } from '../../support/failures';

/** A deployed stack on the placeholder: three fresh Vault nodes, empty custody. */
function deployed(): Promise<World> {
  return worldAfter('deployStack');
}

/** Nothing of the init is left: no job, no pending init key; custody holds the stack's record only. */
function nothingLeft(w: World): void {
  assert.deepEqual(w.swarm.jobNames(), [], 'no job is left');
  assert.deepEqual(w.custody.names(), [w.stack], 'custody holds the record, no init key');
}

/** Runs the world's jobs through `around`, which may call the fake's own runner (`inner`). */
function aroundJobs(w: World, around: (spec: JobSpec, inner: JobRun) => ReturnType<JobRun>): void {
  const service = [...w.swarm.jobRunners.keys()][0]!;
  const inner = w.swarm.jobRunners.get(service)!;
  w.swarm.jobRunners.set(service, (spec) => around(spec, inner));
}

/** Makes an attempt die at `point` as a SIGKILL would: it throws there, and nothing after it runs. */
function dieAt(w: World, point: Parameters<World['failpoints']['at']['set']>[0]): void {
  w.failpoints.at.set(point, () => {
    w.failpoints.at.delete(point);
    throw new Error(`killed at ${point}`);
  });
}

describe('initLeader', () => {
  it('an uninitialized leader: its init job initializes it once, the answer reaches custody, nothing is left', async () => {
    const w = await deployed();
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.equal(w.vault.calls.init, 1);
    const [job] = w.swarm.jobsCreated;
    assert.equal(w.swarm.jobsCreated.length, 1);
    assert.equal(job?.name, initJobName(w.stack));
    assert.equal(job?.nodeId, 'node-1', "the job runs on vault-1's node");
    assert.match(job?.env.VAULT_BOOTSTRAP_INIT_KEY ?? '', /BEGIN PGP PUBLIC KEY BLOCK/);
    assert.ok(
      job?.command.join(' ').includes('-pgp-keys=') && job.command.join(' ').includes('-root-token-pgp-key='),
    );
    nothingLeft(w);
    const held = await w.custody.read(w.stack);
    assert.equal(out.keyId, held.keyId);
    assert.equal(held.unsealKey, w.vault.unsealKey, 'custody holds the key Vault answered with');
    assert.ok(
      w.vault.rootTokens().some((t) => t.token === held.rootToken),
      'custody holds the root token',
    );
    assert.deepEqual(w.failpoints.hits, [
      'initLeader:before-init',
      'initLeader:after-init-sent',
      'initLeader:after-init-before-persist',
      'initLeader:after-persist',
    ]);
    assert.match(
      out.summary,
      /^initialized vault-1 through its init job \(answered in \d+ ms, encrypted to init key [0-9a-f]{16}\); key stored as key-\d+$/,
    );
    assert.ok(!out.summary.includes(held.unsealKey) && !out.summary.includes(held.rootToken!));
    assert.equal(w.vault.node(2).initialized, false, 'peers are not initialized');
  });

  it('an initialized leader with its key in custody: no init, reports the record', async () => {
    const w = await deployed();
    await w.run(w.acts.initLeader, w.input);
    const again = await w.run(w.acts.initLeader, w.input);
    assert.equal(again.changed, false);
    assert.equal(again.keyId, (await w.custody.describe(w.stack))?.keyId);
    assert.equal(again.summary, `vault-1 already initialized; key ${again.keyId} in custody`);
    assert.equal(w.vault.calls.init, 1);
  });

  it('an initialized leader and no key in custody: UnsealKeyUnavailable, nothing touched', async () => {
    const w = await deployed();
    await w.run(w.acts.initLeader, w.input);
    w.custody.lose(w.stack);
    const hits = w.failpoints.hits.length;
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure(
        'UnsealKeyUnavailable',
        /vault-1 of s1_vault is already initialized, but custody holds no key .* no init job of this tool left an answer\. Nothing was changed/,
      ),
    );
    assert.equal(w.vault.calls.init, 1);
    assert.equal(w.failpoints.hits.length, hits);
  });

  it('a record in custody but an uninitialized leader: StaleCustodyRecord, no init over it', async () => {
    const w = await deployed();
    w.custody.put(w.stack, { unsealKey: 'b2xk', rootToken: 'old' });
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure('StaleCustodyRecord', /custody already holds key key-1 .* Refusing to initialize over it/),
    );
    assert.equal(w.vault.calls.init, 0);
  });

  it('a peer initialized while the leader is not: ForeignClusterDetected, no init', async () => {
    const w = await deployed();
    w.vault.node(3).initialized = true;
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure(
        'ForeignClusterDetected',
        /vault-3 is initialized while the designated leader vault-1 is not/,
      ),
    );
    assert.equal(w.vault.calls.init, 0);
  });

  it('custody that cannot be written: CustodyNotWritable before sys/init', async () => {
    const w = await deployed();
    w.custody.writable = false;
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('CustodyNotWritable'));
    assert.equal(w.vault.calls.init, 0);
    assert.deepEqual(w.failpoints.hits, []);
    assert.deepEqual(w.swarm.jobsCreated, [], 'no init job');
  });

  it('a record custody cannot read: its custody type (CustodyCorrupt), no init', async () => {
    const w = await deployed();
    w.custody.broken = 'CustodyCorrupt';
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('CustodyCorrupt'));
    assert.equal(w.vault.calls.init, 0);
  });

  it('a failing disk right after sys/init: quick in-process writes (200, 400 ms apart) keep the key', async () => {
    const w = await deployed();
    // The disk fails once the init key is stored and the job sent: at the answer's store.
    w.failpoints.at.set('initLeader:after-init-sent', () => void (w.custody.failingStores = 2));
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.equal(w.custody.stores, 4, 'the init key once, then the answer three times');
    assert.deepEqual(w.clock.sleeps.slice(-2), [200, 400]);
  });

  it('a disk that keeps failing: gives up after five writes, retryably; the retry stores the answer the job kept', async () => {
    const w = await deployed();
    w.failpoints.at.set('initLeader:after-init-sent', () => void (w.custody.failingStores = 5));
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      retryableError(/gave up after 5 tries waiting for the key of s1 to reach custody \(last: EIO/),
    );
    assert.deepEqual(w.clock.sleeps.slice(-4), [200, 400, 600, 800]);
    assert.deepEqual(w.swarm.jobNames(), [initJobName(w.stack)], 'the answer waits in the job');
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    assert.match(out.summary, /stored the answer of an earlier attempt's init job/);
    nothingLeft(w);
  });

  it('waits (heartbeating) for all three nodes to answer before it looks at the leader', async () => {
    const w = await deployed();
    w.swarm.delayTask(w.service, 2, 3);
    const env = activityEnv();
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const out = await w.runIn(env, w.acts.initLeader, w.input);
    assert.equal(out.changed, true);
    assert.ok(heartbeats >= 3, 'one heartbeat per unsuccessful poll');
    assert.deepEqual(w.clock.sleeps.slice(0, 3), [STATE_POLL_MS, STATE_POLL_MS, STATE_POLL_MS]);
  });

  it('the worker killed while Vault initializes: the next attempt waits for the job and stores its answer', async () => {
    const w = await deployed();
    let release: () => void = () => undefined;
    w.vault.initGate = new Promise<void>((r) => (release = r));
    dieAt(w, 'initLeader:after-init-sent');
    await assert.rejects(w.run(w.acts.initLeader, w.input), /killed at initLeader:after-init-sent/);
    await tick();
    assert.equal(w.vault.calls.init, 1, 'Vault is inside sys/init; only the job waits for it');
    assert.equal(await w.custody.describe(w.stack), undefined);
    const retry = w.run(w.acts.initLeader, w.input);
    await tick();
    release();
    const out = await retry;
    assert.equal(out.changed, true);
    assert.equal(w.vault.calls.init, 1, 'sys/init was sent once');
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  for (const point of ['initLeader:after-init-before-persist', 'initLeader:after-persist'] as const) {
    it(`the worker killed at ${point}: the retry ends with the one key in custody, one init`, async () => {
      const w = await deployed();
      dieAt(w, point);
      await assert.rejects(w.run(w.acts.initLeader, w.input), new RegExp(`killed at ${point}`));
      const out = await w.run(w.acts.initLeader, w.input);
      assert.equal(w.vault.calls.init, 1);
      assert.equal(out.keyId, (await w.custody.describe(w.stack))?.keyId);
      assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
      nothingLeft(w);
    });
  }

  it('an init answer custody cannot open: InitAnswerUnreadable, the answer left in its job', async () => {
    const w = await deployed();
    dieAt(w, 'initLeader:after-init-before-persist');
    await assert.rejects(w.run(w.acts.initLeader, w.input));
    const pending = await w.custody.describe(initKeyName(w.stack));
    await w.custody.remove(initKeyName(w.stack), pending!.keyId); // the init key lost
    await w.deps.initKeys.prepareInitKey(w.stack); // another key in its place
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      namedFailure('InitAnswerUnreadable', /does not decrypt with custody's init key .* left where it is/),
    );
    assert.deepEqual(w.swarm.jobNames(), [initJobName(w.stack)], 'the answer is kept');
    assert.equal(await w.custody.describe(w.stack), undefined);
  });

  it('a leader wedged by a cut-short init: wiped through its node, restarted, initialized once', async () => {
    const w = await deployed();
    w.vault.node(1).cutShortInit = true;
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.deepEqual(
      w.swarm.jobsCreated.map((j) => [j.name, j.nodeId]),
      [
        [initJobName(w.stack), 'node-1'],
        [answerJobName(w.stack), 'node-1'], // the failed init kept nothing on the volume: proven, then wiped
        [wipeJobName(w.stack), 'node-1'],
        [initJobName(w.stack), 'node-1'],
      ],
    );
    assert.deepEqual(w.swarm.jobsCreated[2]?.mounts, ['/vault/data']);
    assert.deepEqual(w.swarm.forcedRestarts, [w.service]);
    assert.match(
      out.summary,
      /^wiped the data of vault-1, left by an init its task's death cut short, and restarted it; initialized vault-1/,
    );
    nothingLeft(w);
  });

  it("an init job whose output is gone (its container removed with its node's Engine): the answer is read back from vault-1's volume", async () => {
    const w = await deployed();
    w.swarm.unreadableOutput.add(initJobName(w.stack)); // exit 0, and its log gone with its container
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.match(out.summary, /read back from vault-1's volume: the job's output held none/);
    assert.deepEqual(
      w.swarm.jobsCreated.map((j) => [j.name, j.nodeId, j.mounts]),
      [
        [initJobName(w.stack), 'node-1', ['/vault/certs', '/vault/data']],
        [answerJobName(w.stack), 'node-1', ['/vault/data']],
      ],
    );
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it("the same, with vault-1's node down when the answer is read: kept, read again, then stored", async () => {
    const w = await deployed();
    dieAt(w, 'initLeader:after-init-sent');
    await assert.rejects(w.run(w.acts.initLeader, w.input), /killed at initLeader:after-init-sent/);
    w.swarm.unreadableOutput.add(initJobName(w.stack));
    w.swarm.heldJobs.add(answerJobName(w.stack)); // its node does not run it
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      retryableError(/the answer job .* to read vault-1's volume/),
    );
    assert.ok(w.swarm.jobNames().includes(initJobName(w.stack)), 'the init job is kept');
    assert.equal(await w.custody.describe(w.stack), undefined);
    w.swarm.heldJobs.clear();
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.match(
      out.summary,
      /stored the answer of an earlier attempt's init job as .* \(read back from vault-1's volume/,
    );
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it('an init job killed after it kept its answer (ended failed, nothing printed): read back and stored, no UnsealKeyUnavailable', async () => {
    const w = await deployed();
    aroundJobs(w, async (spec, inner) => {
      const r = await inner(spec);
      return spec.name === initJobName(w.stack) ? { exitCode: 137, stdout: '', stderr: '' } : r;
    });
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.match(out.summary, /read back from vault-1's volume/);
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it('an init job that completed, whose output and volume both read empty: kept and read again, never removed', async () => {
    const w = await deployed();
    let volumeReadable = false;
    aroundJobs(w, async (spec, inner) =>
      spec.name === answerJobName(w.stack) && !volumeReadable
        ? { exitCode: 0, stdout: `\n${ANSWER_JOB_CLI_ERRORS}\n\n${ANSWER_JOB_END}\n` } // not the volume the job wrote to
        : inner(spec),
    );
    w.swarm.unreadableOutput.add(initJobName(w.stack));
    await assert.rejects(
      w.run(w.acts.initLeader, w.input),
      retryableError(
        /completed, but neither its output \(0 bytes read\) nor vault-1's volume on node node-1 holds its answer; the job is kept/,
      ),
    );
    assert.deepEqual(w.swarm.jobNames(), [initJobName(w.stack)], 'the job is kept');
    volumeReadable = true;
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 1);
    assert.match(out.summary, /stored the answer of an earlier attempt's init job/);
    nothingLeft(w);
  });

  it('a wedged leader beside an initialized peer: ForeignClusterDetected, nothing wiped', async () => {
    const w = await deployed();
    w.vault.node(1).cutShortInit = true;
    w.vault.node(2).initialized = true;
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('ForeignClusterDetected'));
    assert.deepEqual(w.swarm.jobsCreated, [], 'no job at all');
    assert.deepEqual(w.swarm.forcedRestarts, []);
  });

  it('a wedged leader whose wipe does not help: a retryable error, no second wipe in the attempt', async () => {
    const w = await deployed();
    w.vault.node(1).cutShortInit = true;
    w.swarm.onTaskStart(({ slot }) => {
      if (slot === 1) w.vault.node(1).cutShortInit = true; // the state comes back (e.g. the wrong volume wiped)
    });
    await assert.rejects(w.run(w.acts.initLeader, w.input), retryableError(/cluster already has state/));
    assert.equal(w.swarm.jobsCreated.filter((j) => j.name === wipeJobName(w.stack)).length, 1);
    assert.equal(w.vault.calls.init, 0);
  });

  it('sys/init committed but its answer lost on the way (vault-1 initialized, the job failed, the volume keeps none): wiped, initialized again, one key in custody', async () => {
    const w = await deployed();
    w.vault.node(1).loseInitAnswer = true;
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 2, 'the lost init, then one that answered');
    assert.match(
      out.summary,
      /^wiped the data of vault-1, initialized by this tool's init job whose answer never arrived \(.*EOF.*\); no one holds its key, and restarted it; initialized vault-1/,
    );
    assert.deepEqual(
      w.swarm.jobsCreated.map((j) => j.name),
      [initJobName(w.stack), answerJobName(w.stack), wipeJobName(w.stack), initJobName(w.stack)],
    );
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it('the same, the worker killed right after the wipe: the failed job still proves it, the retry initializes once', async () => {
    const w = await deployed();
    w.vault.node(1).loseInitAnswer = true;
    let inits = 0; // the attempt's first init goes through (and loses its answer); it dies before the second
    w.failpoints.at.set('initLeader:before-init', () => {
      if (++inits === 2) throw new Error('killed at initLeader:before-init');
    });
    await assert.rejects(w.run(w.acts.initLeader, w.input), /killed at initLeader:before-init/);
    assert.equal(w.vault.node(1).initialized, false, 'the wipe happened');
    assert.ok(w.swarm.jobNames().includes(initJobName(w.stack)), 'the failed job is still there');
    w.failpoints.at.delete('initLeader:before-init');
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 2);
    assert.match(out.summary, /initialized vault-1 through its init job/);
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it('an answer lost while a peer is initialized: UnsealKeyUnavailable, nothing wiped, the failed job kept', async () => {
    const w = await deployed();
    w.vault.node(1).loseInitAnswer = true;
    aroundJobs(w, async (spec, inner) => {
      const r = await inner(spec);
      if (spec.name === initJobName(w.stack)) w.vault.node(2).initialized = true;
      return r;
    });
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('UnsealKeyUnavailable'));
    assert.equal(w.swarm.jobsCreated.filter((j) => j.name === wipeJobName(w.stack)).length, 0);
    assert.ok(w.swarm.jobNames().includes(initJobName(w.stack)), 'the evidence is kept');
  });

  it('initMayHaveCommitted: every failure but those in which Vault refused sys/init or never got it', () => {
    for (const lost of [
      'the init job ended failed (exit 137) without an answer: no output',
      "the init job ended cut short (vault-1's task abc ended) (exit ?) without an answer: no output",
      'Error initializing: Put "https://10.0.0.5:8200/v1/sys/init": EOF',
      'context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    ])
      assert.equal(initMayHaveCommitted(lost), true, lost);
    for (const refused of [
      'Code: 400. Errors: * Vault is already initialized',
      'Code: 400. Errors: * could not bootstrap clustered storage: error bootstrapping cluster: cluster already has state',
      'dial tcp 10.0.0.5:8200: connect: connection refused',
      'dial tcp: lookup vault-1: no such host',
      'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ])
      assert.equal(initMayHaveCommitted(refused), false, refused);
  });

  it('an answer lost while vault-1 is unsealed (someone holds a key): UnsealKeyUnavailable, nothing wiped', async () => {
    const w = await deployed();
    w.vault.node(1).loseInitAnswer = true;
    aroundJobs(w, async (spec, inner) => {
      const r = await inner(spec);
      if (spec.name === initJobName(w.stack)) w.vault.node(1).sealed = false;
      return r;
    });
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('UnsealKeyUnavailable'));
    assert.equal(w.swarm.jobsCreated.filter((j) => j.name === wipeJobName(w.stack)).length, 0);
  });

  it('an init refused as already initialized (someone else initialized vault-1): UnsealKeyUnavailable, nothing wiped', async () => {
    const w = await deployed();
    aroundJobs(w, async (spec, inner) => {
      if (spec.name === initJobName(w.stack))
        Object.assign(w.vault.node(1), { initialized: true, sealed: true });
      return inner(spec);
    });
    await assert.rejects(w.run(w.acts.initLeader, w.input), namedFailure('UnsealKeyUnavailable'));
    assert.equal(w.swarm.jobsCreated.filter((j) => j.name === wipeJobName(w.stack)).length, 0);
    assert.equal(w.vault.calls.init, 0);
  });

  it("an answer lost, the job's service logs carrying the daemon's own errors: judged by the CLI's words on the volume, wiped", async () => {
    const w = await deployed();
    w.vault.node(1).loseInitAnswer = true;
    let first = true;
    aroundJobs(w, async (spec, inner) => {
      const r = await inner(spec);
      if (spec.name !== initJobName(w.stack) || !first) return r;
      first = false;
      // The log broker's words, not the CLI's: they must not decide that the init was never sent.
      const noise =
        'error from daemon in stream: Error grabbing logs: rpc error: dial tcp 10.0.0.3:2377: connect: connection refused';
      return { exitCode: 137, stdout: '', stderr: noise };
    });
    const out = await w.run(w.acts.initLeader, w.input);
    assert.equal(w.vault.calls.init, 2);
    assert.match(
      out.summary,
      /^wiped the data of vault-1, initialized by this tool's init job whose answer never arrived \(.*EOF/,
    );
    assert.equal((await w.custody.read(w.stack)).unsealKey, w.vault.unsealKey);
    nothingLeft(w);
  });

  it('parseKeptInit: the answer and the CLI errors of whole output; nothing from output cut short', () => {
    const answer = JSON.stringify({ unseal_keys_b64: ['wcBMA…'], root_token: 'wcBMA…' });
    assert.deepEqual(parseKeptInit(`${answer}\n${ANSWER_JOB_CLI_ERRORS}\n\n${ANSWER_JOB_END}\n`), {
      answer: { unsealKey: 'wcBMA…', rootToken: 'wcBMA…' },
      cliErrors: '',
    });
    assert.deepEqual(
      parseKeptInit(
        `\n${ANSWER_JOB_CLI_ERRORS}\nError initializing: Code: 400. Errors:\n* Vault is already initialized\n${ANSWER_JOB_END}\n`,
      ),
      { cliErrors: 'Error initializing: Code: 400. Errors:\n* Vault is already initialized' },
    );
    assert.equal(parseKeptInit(`${answer}\n${ANSWER_JOB_CLI_ERRORS}\n`), undefined, 'no end: not whole');
    assert.equal(parseKeptInit(`${answer}\n${ANSWER_JOB_END}\n`), undefined, 'no errors section: not whole');
  });
});
