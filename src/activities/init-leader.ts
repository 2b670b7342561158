/**
 * Step 3: initializes vault-1, the designated leader, so that its answer (the unseal key and root token) reaches
 * custody whatever dies when (docs/faults.md, "The init answer outlives whoever asked"): `sys/init` is sent by
 * a one-shot Swarm job with the stack's init key (./cluster/init-job.ts), and every attempt first collects what
 * an earlier one's job answered.
 */
import type { CustodyRecordInfo, EncryptedInitAnswer, JobSpec } from '../ports';
import { ALL_SLOTS, LEADER_SLOT, PEER_SLOTS, serviceName } from '../shared/constants';
import type { Slot } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { BootstrapInput, StepOutcome } from '../shared/types';
import {
  INIT_JOB_DEADLINE_MS,
  LABEL_TARGET_TASK,
  TARGET_GONE_GRACE_MS,
  WEDGED_INIT,
  answerJobName,
  answerJobSpec,
  initJobName,
  initJobSpec,
  lastLines,
  parseInitAnswer,
  parseKeptInit,
  wipeJobName,
  wipeJobSpec,
} from './cluster/init-job';
import { locateNodes, nodeAt, serverName, waitFor, waitForNodes } from './cluster/nodes';
import type { ClusterNode } from './cluster/nodes';
import type { KeptInit } from './cluster/init-job';
import { claimHome } from './cluster/homes';
import type { ActivityDeps } from './deps';
import { waitUntil } from '../time/wait';

/**
 * How long the answer or wipe job may take on vault-1's node (which may be coming back) before a retry: both
 * only read or remove files.
 */
const SIDE_JOB_DEADLINE_MS = 120_000;

/**
 * Whether an init job that failed without an answer (`collectInitJob`'s error) may have had its `sys/init`
 * committed by Vault: every failure but those in which Vault refused the request or never got it (then
 * whoever initialized vault-1 was not this job, and may hold the key).
 */
export function initMayHaveCommitted(failure: string): boolean {
  return !INIT_NOT_SENT_OR_REFUSED.test(failure);
}

/** The init failures in which Vault refused `sys/init` (an HTTP 4xx) or never received it. */
const INIT_NOT_SENT_OR_REFUSED =
  /already initialized|already has state|Code: 4\d\d|HTTP 4\d\d|connection refused|no such host|no route to host|certificate|tls:/i;

/** How a summary says the answer came from vault-1's volume. */
const READ_BACK = "read back from vault-1's volume: the job's output held none";

export function createInitActivities(deps: ActivityDeps) {
  const { custody, initKeys } = deps;

  /**
   * Stores an answer the stack's init job left. The key exists in clear only in this process's memory until
   * this returns: a failing disk gets five quick writes here (200, 400, 600, 800 ms apart) rather than an
   * activity retry (which would find the answer again, still encrypted, so nothing is lost either way). A
   * record already there holding the same answer is the same record (a retry after a crash before the job
   * was removed); one holding another is `CustodyCorrupt`, and the answer is kept beside it.
   */
  function persistInitAnswer(stack: string, answer: EncryptedInitAnswer) {
    return waitUntil(() => initKeys.storeInitAnswer(stack, answer), {
      what: `the key of ${stack} to reach custody`,
      deadlineMs: 60_000,
      maxPolls: 5,
      intervalMs: (writes) => 200 * writes,
      clock: deps.clock,
    });
  }

  /**
   * Waits for the stack's init job to end and takes what it left: an answer goes to custody first, then the job
   * and the init key are removed (in that order: until the record is on disk, the job's output and the file it
   * kept on vault-1's volume are the only copies). The answer is read from the job's output, else from the
   * volume (`readKeptInit`: a node whose Engine restarted may have removed the finished job's container and
   * its log). Returns the stored record, or the job's error when it failed and the volume proves it left no
   * answer; that job is left for the caller to remove once it acted on what the job proves (a wipe may rest on
   * it), and the init key stays for the next one. A job that completed is never removed before its answer is
   * in custody.
   */
  async function collectInitJob(
    stack: string,
  ): Promise<
    | { stored: CustodyRecordInfo; answeredAfterMs: number; readBack: boolean }
    | { error: string; mayHaveCommitted: boolean }
  > {
    const name = initJobName(stack);
    const sentAt = deps.clock.now();
    let targetGoneAt: number | undefined;
    const ended = await waitFor(deps, `the init job ${name} to end`, INIT_JOB_DEADLINE_MS, async () => {
      const job = await deps.swarm.inspectJob(name);
      if (!job) throw new Error(`the init job ${name} is gone`);
      if (job.done) return job;
      // vault-1's task died under the init (Swarm replaced it): its connection may hang until the CLI's
      // timeout, but no answer can come any more. After a grace period in which a job that got an answer would
      // have printed it and ended, it is taken to have ended without one.
      const target = job.labels[LABEL_TARGET_TASK];
      const task = (await deps.swarm.currentTasks(serviceName(stack))).get(LEADER_SLOT);
      // Only Swarm's replacement is taken as proof (a task list that misses the task for a moment is not).
      if (target === undefined || task === undefined || task.id === target) return undefined;
      targetGoneAt ??= deps.clock.now();
      return deps.clock.now() - targetGoneAt >= TARGET_GONE_GRACE_MS
        ? { ...job, state: `cut short (vault-1's task ${target.slice(0, 12)} ended)` }
        : undefined;
    });
    const answeredAfterMs = deps.clock.now() - sentAt;
    const output = await deps.swarm.jobOutput(name);
    let answer = parseInitAnswer(output.stdout);
    const readBack = !answer;
    // A job Swarm never placed ran nothing and kept nothing; one that ran may have kept its answer on the volume.
    const kept = !answer && ended.nodeId ? await readKeptInit(stack, ended.nodeId, ended.id) : undefined;
    answer ??= kept?.answer;
    if (!answer && ended.state === 'complete') {
      // `operator init` exits 0 only after the answer is on the volume and printed: a job that shows it in
      // neither is one not read right (never a reason to remove the job, or to judge Vault's state).
      throw new Error(
        `the init job ${name} completed, but neither its output (${output.stdout.length} bytes read) nor ` +
          `vault-1's volume${ended.nodeId ? ` on node ${ended.nodeId}` : ''} holds its answer; the job is kept and read again`,
      );
    }
    if (!answer) {
      // Judged by what the CLI itself wrote (kept on the volume), never by the service logs, which may also
      // carry the daemon's own errors about reading them. A job never placed never sent anything.
      const cliErrors = kept?.cliErrors ?? '';
      return {
        error:
          `the init job ended ${ended.state} (exit ${ended.exitCode ?? '?'}) without an answer: ` +
          (lastLines(cliErrors) || lastLines(output.stderr) || 'no output from the CLI'),
        mayHaveCommitted: kept !== undefined && initMayHaveCommitted(cliErrors),
      };
    }
    await deps.failpoints.hit('initLeader:after-init-before-persist');
    const stored = await persistInitAnswer(stack, answer);
    await deps.failpoints.hit('initLeader:after-persist');
    await deps.swarm.removeJob(name);
    await initKeys.discardInitKey(stack);
    return { stored, answeredAfterMs, readBack };
  }

  /**
   * Reads what the init job kept on vault-1's data volume (its answer, the CLI's error output), through the
   * answer job on the node the init job ran on. Throws (retryably) while that node does not run the job or its
   * output is not whole, which proves nothing.
   */
  async function readKeptInit(stack: string, nodeId: string, initJobId: string): Promise<KeptInit> {
    const spec = answerJobSpec({ stack, slot: LEADER_SLOT, nodeId }, initJobId);
    const { name } = spec;
    const { ended, output } = await runJob(spec, `the answer job ${name} to read vault-1's volume`);
    const kept = ended.state === 'complete' ? parseKeptInit(output.stdout) : undefined;
    if (kept === undefined)
      throw new Error(
        `the answer job ${name} ended ${ended.state} without reading vault-1's volume to the end ` +
          `(${output.stdout.length} bytes read${lastLines(output.stderr) ? `: ${lastLines(output.stderr)}` : ''}); it runs again`,
      );
    return kept;
  }

  /**
   * Step 3: initializes the designated leader (slot 1) once. `sys/init` is sent by the stack's init job on
   * vault-1's node, never by this process, with both answers encrypted to an init key custody holds: whatever
   * dies while Vault works (this worker, its node), the answer waits in the job's output, and the next attempt
   * stores it before it judges anything else.
   */
  async function initLeader(input: BootstrapInput): Promise<StepOutcome & { keyId: string }> {
    const { stack } = input;
    let nodes = await waitForNodes(deps, stack, ALL_SLOTS);
    let leader = nodeAt(nodes, LEADER_SLOT);
    const notes: string[] = [];

    // An earlier attempt's wipe or answer job, left by a crash, goes first: Swarm runs a failed job again at
    // its next reconciliation, and a wipe must never run later than the attempt that decided it.
    await deps.swarm.removeJob(wipeJobName(stack));
    await deps.swarm.removeJob(answerJobName(stack));

    // An init an earlier attempt started is finished first: its answer is the key, if Vault gave one.
    let failedInit: string | undefined;
    // The failed init job is the evidence for what follows it; it goes only right before the next init job.
    let failedJobLeft = false;
    // Whether an init job of this attempt failed in a way in which Vault may still have committed its init.
    let mayHaveCommitted = false;
    const failed = (found: { error: string; mayHaveCommitted: boolean }) => {
      [failedInit, failedJobLeft] = [found.error, true];
      mayHaveCommitted ||= found.mayHaveCommitted;
    };
    /** Why this attempt's failed init is not an answer lost on the way (vault-1 initialized), or undefined. */
    const notLostBecause = async (sealed: boolean): Promise<string | undefined> => {
      if (!mayHaveCommitted) return "the CLI's own error says Vault refused the init or never got it";
      if (!sealed) return `${leader.name} is unsealed: someone holds a key`;
      const peer = await initializedPeer(nodes);
      return peer !== undefined ? `${peer} is initialized` : undefined;
    };
    /**
     * Wipes vault-1's data (at most twice per attempt: a third time is a retry's) and looks at the nodes again;
     * the failed init that called for it is spent.
     */
    const wipeLeader = async (attempt: number, why: string) => {
      if (attempt > 2) throw new Error(`initializing ${leader.name}: ${failedInit}`);
      notes.push(await wipeLeaderData(stack, leader, why));
      failedInit = undefined;
      nodes = await waitForNodes(deps, stack, ALL_SLOTS);
      leader = nodeAt(nodes, LEADER_SLOT);
    };
    if (await deps.swarm.inspectJob(initJobName(stack))) {
      const found = await collectInitJob(stack);
      if ('error' in found) failed(found);
      else
        notes.push(
          `stored the answer of an earlier attempt's init job as ${found.stored.keyId}` +
            (found.readBack ? ` (${READ_BACK})` : ''),
        );
    }

    for (let attempt = 1; ; attempt++) {
      const status = await leader.client.sealStatus();
      const record = await custody.describe(stack);
      if (status.initialized) {
        if (!record) {
          // This tool's own init job sent sys/init, Vault committed it, and the answer never arrived: the job
          // ended without one and vault-1's volume proves none was kept (a power cut of its node, a CLI that
          // timed out; a later job of the attempt may have been told "already initialized" by that init). No
          // one holds that key and no one has unsealed with it, so what vault-1 initialized can never be
          // opened: it is noise, and only a new init makes the cluster usable. Wiped only while no peer is
          // initialized.
          const notLost = failedInit !== undefined ? await notLostBecause(status.sealed) : undefined;
          if (failedInit !== undefined && notLost === undefined) {
            await wipeLeader(
              attempt,
              `initialized by this tool's init job whose answer never arrived (${failedInit}); no one holds its key`,
            );
            mayHaveCommitted = false;
            continue;
          }
          throw new NonRetryableError(
            ErrorType.UnsealKeyUnavailable,
            `${leader.name} of ${serviceName(stack)} is already initialized, but custody holds no key for stack ${stack} ` +
              `and no init job of this tool left an answer` +
              (failedInit !== undefined
                ? ` (the init job it found failed: ${failedInit}; not taken as an answer lost on the way: ${notLost})`
                : '') +
              `. Nothing was changed. Restore the custody record and key file ` +
              `from backup and run the bootstrap again; without the key this cluster's data cannot be unsealed.`,
          );
        }
        await initKeys.discardInitKey(stack); // a key a crash left behind; nothing when there is none
        return {
          changed: notes.length > 0,
          summary: [...notes, `${leader.name} already initialized; key ${record.keyId} in custody`].join(
            '; ',
          ),
          keyId: record.keyId,
        };
      }
      const peer = await initializedPeer(nodes);
      if (peer !== undefined) {
        throw new NonRetryableError(
          ErrorType.ForeignClusterDetected,
          `${peer} is initialized while the designated leader ${leader.name} is not; refusing to initialize. ` +
            `Inspect the data volumes of ${serviceName(stack)}. Nothing was changed.`,
        );
      }
      if (record) {
        throw new NonRetryableError(
          ErrorType.StaleCustodyRecord,
          `custody already holds key ${record.keyId} (from ${record.createdAt}) for stack ${stack}, but ${leader.name} is not initialized. ` +
            `Refusing to initialize over it. If that cluster's data is really gone, move the record aside and run again. Nothing was changed.`,
        );
      }
      if (failedInit !== undefined && WEDGED_INIT.test(failedInit)) {
        // Provably nothing to keep: vault-1 uninitialized, no peer initialized or joined, no record, and the
        // init job that failed left no answer. What vault-1's Raft holds is a cut-short init: no keyring.
        await wipeLeader(attempt, "left by an init its task's death cut short");
        continue;
      }
      if (failedInit !== undefined && attempt > 1)
        throw new Error(`initializing ${leader.name}: ${failedInit}`);

      await custody.assertWritable(stack);
      const { publicKey, fingerprint } = await initKeys.prepareInitKey(stack);
      await deps.failpoints.hit('initLeader:before-init');
      if (!leader.task.nodeId || !leader.task.address)
        throw new Error(`${leader.name} of ${serviceName(stack)} has no node or address yet`);
      // The init makes vault-1's data on the volume of the node it runs on: that node is its home (homes.ts).
      await claimHome(deps, stack, LEADER_SLOT, leader.task.nodeId);
      if (failedJobLeft) {
        await deps.swarm.removeJob(initJobName(stack)); // its failure was judged above; the name is the next job's
        failedJobLeft = false;
      }
      await deps.swarm
        .createJob(
          initJobSpec(
            {
              stack,
              slot: LEADER_SLOT,
              taskId: leader.task.id,
              nodeId: leader.task.nodeId,
              address: leader.task.address,
              serverName: serverName(deps, LEADER_SLOT),
            },
            publicKey,
          ),
        )
        .catch((err: unknown) => {
          // Another worker's attempt started it a moment ago: its answer is as good as ours.
          if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        });
      await deps.failpoints.hit('initLeader:after-init-sent');
      const result = await collectInitJob(stack);
      if ('error' in result) {
        failed(result);
        continue;
      }
      return {
        changed: true,
        summary: [
          ...notes,
          `initialized ${leader.name} through its init job (answered in ${result.answeredAfterMs} ms, ` +
            `encrypted to init key ${fingerprint.slice(-16)}` +
            (result.readBack ? `; ${READ_BACK}` : '') +
            `); key stored as ${result.stored.keyId}`,
        ].join('; '),
        keyId: result.stored.keyId,
      };
    }
  }

  /**
   * Empties vault-1's data folder (Raft's log and the barrier's store, on its own volume, by the wipe job on its
   * node) and restarts the service's tasks, so vault-1 starts on an empty folder; returns once it answers again.
   * Only for a leader whose init was cut short by the death of its task: the caller has proven there is nothing
   * to keep.
   */
  async function wipeLeaderData(stack: string, leader: ClusterNode, why: string): Promise<string> {
    if (!leader.task.nodeId) throw new Error(`${leader.name} of ${serviceName(stack)} has no node yet`);
    const spec = wipeJobSpec({ stack, slot: LEADER_SLOT, nodeId: leader.task.nodeId });
    const { ended, output } = await runJob(spec, `the wipe job ${spec.name} to end`);
    if (ended.state !== 'complete')
      throw new Error(
        `wiping the cut-short init of ${leader.name}: the wipe job ended ${ended.state}: ${lastLines(output.stderr) || 'no output'}`,
      );
    await deps.swarm.forceRestart(serviceName(stack));
    await waitFor(deps, `a new task of ${leader.name} with an empty data folder`, 180_000, async () => {
      const now = nodeAt(await locateNodes(deps, stack, [LEADER_SLOT], { starting: true }), LEADER_SLOT);
      if (now.task.id === leader.task.id) return undefined;
      await now.client.sealStatus();
      return true;
    });
    return `wiped the data of ${leader.name}, ${why}, and restarted it`;
  }

  /**
   * Runs a one-shot job beside vault-1 to its end (an earlier attempt's job of the same name goes first), reads
   * its output and removes it: the answer and wipe jobs, which hold nothing once read.
   */
  async function runJob(spec: JobSpec, what: string) {
    await deps.swarm.removeJob(spec.name);
    await deps.swarm.createJob(spec);
    const ended = await waitFor(deps, what, SIDE_JOB_DEADLINE_MS, async () => {
      const job = await deps.swarm.inspectJob(spec.name);
      return job?.done ? job : undefined;
    });
    const output = await deps.swarm.jobOutput(spec.name);
    await deps.swarm.removeJob(spec.name);
    return { ended, output };
  }

  /** The first peer that reports itself initialized (joined or not), or undefined. */
  async function initializedPeer(nodes: Map<Slot, ClusterNode>): Promise<string | undefined> {
    for (const slot of PEER_SLOTS) {
      const peer = nodeAt(nodes, slot);
      if ((await peer.client.sealStatus()).initialized) return peer.name;
    }
    return undefined;
  }

  return { initLeader };
}
