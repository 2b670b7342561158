/**
 * Key custody that survives the loss of the node that wrote it: the file custody on the worker's node, plus a
 * copy of each record (still encrypted) in a `CustodyReplicaStore`, the swarm's Raft store in production.
 *
 * Why: in the worker stack the worker's custody folder is a volume on one node. With a copy in the swarm, a
 * worker that Swarm restarts on another manager (its node lost) reads the record from there, so losing any
 * one node loses neither the unseal key nor the ability to unseal and re-join the others. The copies are the
 * record files as written, AES-256-GCM under the custody key; the key itself is never copied here (every
 * worker gets it from the same Docker secret). Whoever can read the copies and that secret could decrypt
 * them, but that is a swarm manager, who can already mount the unseal-key secret itself.
 *
 * How, per call: before a read, the local record and the copies are reconciled by revision (`seq`, one more
 * per `setTokens`, `setBreakGlassToken` or `setRootGeneration`): the higher one wins and is written where it is missing or older. After a write (`store`,
 * `setTokens`, `setBreakGlassToken`, `setRootGeneration`), the new revision is copied out before the call returns, and older copies are removed. A crash
 * between the local write and the copy leaves the local record ahead; the next call copies it. Two different
 * record ids for one stack (a local record from another initialization than the swarm's) are never merged:
 * `CustodyCorrupt`, naming both, and nothing is overwritten.
 */
import type {
  CustodyRecordInfo,
  CustodyReplica,
  CustodyReplicaStore,
  CustodySecrets,
  CustodyTokens,
  HeldKeys,
  KeyCustody,
  NextUnsealKey,
  RemovableCustody,
  RootGenerationProgress,
} from '../ports';
import { CustodyError } from '../shared/errors';
import type { FileKeyCustody } from './file-custody';
import { KeyedQueue } from './keyed-queue';

export class ReplicatedKeyCustody implements KeyCustody, RemovableCustody {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly local: FileKeyCustody,
    private readonly replicas: CustodyReplicaStore,
  ) {}

  /**
   * Removes record `keyId` of the stack: the copies first, then the local file. A crash in between leaves the
   * local record, which the next call copies out again and a retried `remove` removes: never half a record.
   */
  async remove(stack: string, keyId: string): Promise<void> {
    for (const c of await this.replicas.list(stack)) if (c.keyId === keyId) await this.replicas.remove(c.id);
    await this.local.remove(stack, keyId);
  }

  async assertWritable(stack: string): Promise<void> {
    await this.local.assertWritable(stack);
    await this.reconcile(stack); // the store answers, and a record the swarm holds is here before init is judged
  }

  async describe(stack: string): Promise<CustodyRecordInfo | undefined> {
    await this.reconcile(stack);
    return this.local.describe(stack);
  }

  async store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo> {
    // The local write first: it is an fsync away, and the key must be on disk before anything else happens.
    const info = await this.local.store(stack, secrets);
    await this.reconcile(stack);
    return info;
  }

  async read(stack: string): Promise<HeldKeys> {
    await this.reconcile(stack);
    return this.local.read(stack);
  }

  async setTokens(stack: string, keyId: string, tokens: CustodyTokens): Promise<void> {
    await this.rewrite(stack, () => this.local.setTokens(stack, keyId, tokens));
  }

  async setBreakGlassToken(
    stack: string,
    keyId: string,
    accessor: string,
    token: string | undefined,
  ): Promise<void> {
    await this.rewrite(stack, () => this.local.setBreakGlassToken(stack, keyId, accessor, token));
  }

  async setRootGeneration(
    stack: string,
    keyId: string,
    owner: string,
    progress: RootGenerationProgress | undefined,
  ): Promise<void> {
    await this.rewrite(stack, () => this.local.setRootGeneration(stack, keyId, owner, progress));
  }

  async setNextUnsealKey(stack: string, keyId: string, next: NextUnsealKey | undefined): Promise<void> {
    await this.rewrite(stack, () => this.local.setNextUnsealKey(stack, keyId, next));
  }

  async promoteNextUnsealKey(stack: string, keyId: string, generation: number): Promise<void> {
    await this.rewrite(stack, () => this.local.promoteNextUnsealKey(stack, keyId, generation));
  }

  /**
   * A rewrite of the record, one at a time per stack in this process: a newer revision from another node
   * first (or the rewrite would fork it), then the local rewrite, then its copy out.
   */
  private rewrite(stack: string, write: () => Promise<void>): Promise<void> {
    return this.queue.run(stack, async () => {
      await this.reconcile(stack);
      await write();
      await this.reconcile(stack);
    });
  }

  /** Makes the local record and the copies agree on the newest revision; removes older copies. */
  private async reconcile(stack: string): Promise<void> {
    const [mine, copies] = await Promise.all([this.local.exportRecord(stack), this.replicas.list(stack)]);
    const ids = new Set(copies.map((c) => c.keyId));
    if (mine) ids.add(mine.keyId);
    if (ids.size > 1) {
      throw new CustodyError(
        'CustodyCorrupt',
        `custody of stack ${stack} holds records of different initializations (${[...ids].join(', ')}) ` +
          `${mine ? `(record ${mine.keyId} on this node) ` : ''}in the swarm's copies and this node's folder; ` +
          'nothing was overwritten. Keep the record of the initialization Vault has and remove the other.',
      );
    }
    const newest = newestCopy(copies);
    if (newest && (!mine || newest.seq > mine.seq)) {
      await this.local.importRecord(stack, newest.text);
    } else if (mine && (!newest || mine.seq > newest.seq)) {
      await this.replicas.put(stack, mine.keyId, mine.seq, mine.text);
    }
    const top = Math.max(mine?.seq ?? -1, newest?.seq ?? -1);
    for (const c of copies) if (c.seq < top) await this.replicas.remove(c.id);
  }
}

function newestCopy(copies: CustodyReplica[]): CustodyReplica | undefined {
  return copies.reduce<CustodyReplica | undefined>(
    (a, c) => (a === undefined || c.seq > a.seq ? c : a),
    undefined,
  );
}
