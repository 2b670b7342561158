/**
 * Key custody in memory, with the same error kinds as the file custody: `UnsealKeyUnavailable` for no
 * record, `CustodyCorrupt` for an existing record on store, and whatever a test breaks on purpose.
 */
import type {
  CustodyRecordInfo,
  CustodySecrets,
  CustodyTokens,
  HeldKeys,
  KeyCustody,
  NextUnsealKey,
  RemovableCustody,
  RootGenerationProgress,
} from '../../../src/ports';
import { promoted, withEntry, withNextKey, withTokens } from '../../../src/custody/record-changes';
import { CUSTODY_TOKEN_FIELDS } from '../../../src/ports';
import { CustodyError } from '../../../src/shared/errors';
import type { CustodyErrorKind } from '../../../src/shared/errors';

export class FakeCustody implements KeyCustody, RemovableCustody {
  private readonly records = new Map<string, HeldKeys>();
  private ids = 0;
  private initIds = 0;
  /** When false, `assertWritable` fails with `CustodyNotWritable`. */
  writable = true;
  /** When set, `describe` and `read` fail with this kind (a damaged or too-open record). */
  broken?: Exclude<CustodyErrorKind, 'UnsealKeyUnavailable' | 'CustodyNotWritable'>;
  /** The next this-many `store` calls fail like a failing disk (a plain, retryable error). */
  failingStores = 0;
  /** Every `store` call, successful or not. */
  stores = 0;
  /** Every `setRootGeneration` call. */
  progressWrites = 0;

  assertWritable(): Promise<void> {
    if (!this.writable)
      return Promise.reject(
        new CustodyError('CustodyNotWritable', 'custody folder /fake is not writable: EACCES'),
      );
    return Promise.resolve();
  }

  describe(stack: string): Promise<CustodyRecordInfo | undefined> {
    return this.guard(() => {
      const r = this.records.get(stack);
      return r && { keyId: r.keyId, stack: r.stack, createdAt: r.createdAt };
    });
  }

  store(stack: string, secrets: CustodySecrets): Promise<CustodyRecordInfo> {
    this.stores++;
    if (this.failingStores > 0) {
      this.failingStores--;
      return Promise.reject(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    }
    const prior = this.records.get(stack);
    if (
      prior &&
      prior.unsealKey === secrets.unsealKey &&
      CUSTODY_TOKEN_FIELDS.every((f) => prior[f] === secrets[f])
    )
      // The same secrets stored again (a retry): the record already there, as the file custody answers.
      return Promise.resolve({ keyId: prior.keyId, stack, createdAt: prior.createdAt });
    if (prior)
      return Promise.reject(
        new CustodyError('CustodyCorrupt', `custody already holds a record for ${stack}`),
      );
    return Promise.resolve(this.put(stack, secrets));
  }

  read(stack: string): Promise<HeldKeys> {
    return this.guard(() => {
      const r = this.records.get(stack);
      if (!r) throw new CustodyError('UnsealKeyUnavailable', `custody holds no record for stack ${stack}`);
      return structuredClone(r);
    });
  }

  setTokens(stack: string, keyId: string, tokens: CustodyTokens): Promise<void> {
    return this.rewrite(stack, keyId, (r) => withTokens(r, tokens));
  }

  setBreakGlassToken(
    stack: string,
    keyId: string,
    accessor: string,
    token: string | undefined,
  ): Promise<void> {
    return this.rewrite(stack, keyId, (r) => withEntry(r, 'breakGlassTokens', accessor, token));
  }

  setRootGeneration(
    stack: string,
    keyId: string,
    owner: string,
    progress: RootGenerationProgress | undefined,
  ): Promise<void> {
    this.progressWrites++;
    return this.rewrite(stack, keyId, (r) =>
      withEntry(r, 'rootGenerations', owner, progress && structuredClone(progress)),
    );
  }

  setNextUnsealKey(stack: string, keyId: string, next: NextUnsealKey | undefined): Promise<void> {
    return this.rewrite(stack, keyId, (r) => withNextKey(r, next));
  }

  promoteNextUnsealKey(stack: string, keyId: string, generation: number): Promise<void> {
    return this.rewrite(stack, keyId, (r) => promoted(r, generation, `custody record ${stack}`));
  }

  /** Puts in place what `change` makes of a copy of the record `keyId` (`CustodyCorrupt` when it is not there). */
  private rewrite(stack: string, keyId: string, change: (r: HeldKeys) => HeldKeys): Promise<void> {
    return this.guard(() => {
      const r = this.records.get(stack);
      if (!r || r.keyId !== keyId)
        throw new CustodyError('CustodyCorrupt', `custody holds no record ${keyId} for ${stack}`);
      this.records.set(stack, change(structuredClone(r)));
    });
  }

  remove(stack: string, keyId: string): Promise<void> {
    return this.guard(() => {
      const r = this.records.get(stack);
      if (r && r.keyId !== keyId)
        throw new CustodyError(
          'CustodyCorrupt',
          `custody holds record ${r.keyId} for ${stack}, not ${keyId}`,
        );
      this.records.delete(stack);
    });
  }

  /** The stacks custody holds records for (pending init keys included). */
  names(): string[] {
    return [...this.records.keys()].sort();
  }

  /** Puts a record in place (as a restore from backup would); returns its info. */
  put(stack: string, secrets: CustodySecrets): CustodyRecordInfo {
    // Pending init keys are numbered apart, so a stack's records are key-1, key-2, … as tests expect.
    const keyId = stack.endsWith('.init-key') ? `init-key-${++this.initIds}` : `key-${++this.ids}`;
    const info = { keyId, stack, createdAt: new Date(0).toISOString() };
    this.records.set(stack, { ...secrets, ...info });
    return info;
  }

  /** Removes the stack's record (custody lost). */
  lose(stack: string): void {
    this.records.delete(stack);
  }

  private guard<T>(fn: () => T): Promise<T> {
    const broken = this.broken;
    return Promise.resolve().then(() => {
      if (broken) throw new CustodyError(broken, `custody record /fake/s.json is broken (${broken})`);
      return fn();
    });
  }
}
