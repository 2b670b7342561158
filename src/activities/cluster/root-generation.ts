/**
 * Root generation: a root token made from the unseal key in custody, used for one piece of work and revoked
 * whatever happens, with durable progress so a crash at any point leaves a retry what it needs to clean up
 * (docs/faults.md, "Root generation survives a crash"). Used by break glass and by `repairCredentials`.
 */
import { Context } from '@temporalio/activity';
import type {
  Clock,
  FailpointName,
  HeldKeys,
  KeyCustody,
  RootGenerationApi,
  RootGenerationAttempt,
  RootGenerationProgress,
  TokenInfo,
  VaultNode,
} from '../../ports';
import { serviceName } from '../../shared/constants';
import { capabilitiesOf, describeServer } from '../../shared/vault-server';
import { ErrorType, NonRetryableError, VaultRequestError } from '../../shared/errors';
import { rootGenerationAuth } from './custody';
import type { ActivityDeps } from '../deps';
import { recordProgress } from '../heartbeat';

/** The metadata that marks the tokens this tool creates, and for which stack. */
export const MADE_BY = 'vault-bootstrap';

/** XORs the base64 `encoded` token with the OTP (both answers of the same attempt): the token. */
export function decodeRootToken(encoded: string, otp: string): string {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== otp.length)
    throw new Error(`the encoded root token has ${bytes.length} bytes, the OTP ${otp.length}`);
  return Buffer.from(bytes.map((b, i) => b ^ otp.charCodeAt(i))).toString('utf8');
}

/**
 * An entry of root generation progress in custody untouched this long belongs to a run that is gone, and any
 * run of the tool cleans up after it. The issue activity's retries (5 attempts of at most 2 minutes, at most
 * 20 s apart) are over well before.
 */
export const ROOT_GENERATION_STALE_MS = 15 * 60_000;

/**
 * Where a retry looks for a root token generated for an attempt whose accessor was never recorded: Vault
 * created it (its clock) from this long before the key was given (the worker's clock; skew) to this long
 * after (the longest a call to Vault lives, with the same skew).
 */
export const GENERATED_ROOT_WINDOW_SECONDS = { before: 60, after: 180 } as const;

/** The token metadata that names the root generation attempt (nonce) a token was made under. */
export const ATTEMPT_META = 'root-generation';

/** What `withGeneratedRoot` hands the work it runs: the attempt's nonce, and how to record a token made. */
export interface GeneratedRootUse {
  /** The nonce of the attempt that generated the root token (put it in the metadata of tokens made). */
  nonce: string;
  /** Records, durably, the accessor of a token made that is not handed over yet: a retry revokes it. */
  made(accessor: string): Promise<void>;
}

/** The heartbeat details of an attempt before issue 25 (nonces and accessors): read by a retry, once. */
function progressFromDetails(details: unknown): Partial<RootGenerationProgress> | undefined {
  if (!details || typeof details !== 'object') return undefined;
  const d = details as Partial<Record<keyof RootGenerationProgress, unknown>>;
  const strings = (a: unknown) =>
    Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
  return { nonces: strings(d.nonces), accessors: strings(d.accessors), keyGivenAt: strings(d.keyGivenAt) };
}

const union = (...lists: (string[] | undefined)[]): string[] => [...new Set(lists.flatMap((l) => l ?? []))];

/**
 * One activity's root generation progress, kept in custody (the source of truth a retry reads, on this worker
 * or another with the same custody) and repeated in its heartbeat details (for whoever looks at the run).
 */
class RootGenerationLedger {
  constructor(
    private readonly custody: KeyCustody,
    private readonly clock: Clock,
    private readonly held: HeldKeys,
    readonly owner: string,
    readonly progress: RootGenerationProgress,
  ) {}

  now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Writes the entry durably (custody fsyncs, and copies it out when replicated) before returning. */
  async save(): Promise<void> {
    this.progress.updatedAt = this.now();
    await this.custody.setRootGeneration(this.held.stack, this.held.keyId, this.owner, this.progress);
    recordProgress({ owner: this.owner, ...this.progress });
  }

  /** Removes the entry: nothing of it is left in Vault. */
  async clear(): Promise<void> {
    await this.custody.setRootGeneration(this.held.stack, this.held.keyId, this.owner, undefined);
    recordProgress({ owner: this.owner, nonces: [], keyGivenAt: [], accessors: [] });
  }
}

/**
 * The root generation endpoints of `node`'s server, the token they take and the attempt in progress. The
 * server's capability decides (src/shared/vault-server.ts): HashiCorp Vault's `sys/generate-root`
 * (unauthenticated before 2.0), OpenBao's authenticated `sys/generate-root-token` (2.6.0 and later), with the
 * root generation token (`rootGenerationAuth`); a token on an endpoint that does not need one changes nothing.
 * Neither way is weaker than the other: both need the unseal key, which only custody holds.
 *
 * The attempt's status is still read before anything is started, and an endpoint that is not there (404/405)
 * is named with the server setting that turns it off: each server's configuration can (OpenBao's
 * `disable_unauthed_generate_root_endpoints`, off by default on 2.5.3 to 2.5.x, which have no replacement yet).
 */
async function rootGenerationOf(
  node: VaultNode,
  held: HeldKeys,
  stack: string,
): Promise<{ api: RootGenerationApi; auth?: string; status: RootGenerationAttempt }> {
  const { server } = await node.sealStatus();
  const capability = capabilitiesOf(server).rootGeneration;
  const auth = capability.authenticated ? rootGenerationAuth(held, stack) : undefined;
  const status = await node.rootGenerationStatus(capability.api, auth);
  if (!status)
    throw new NonRetryableError(
      ErrorType.UnexpectedVaultResponse,
      `${node.name} (${describeServer(server)}) does not offer ${capability.api}/*, the root generation endpoints ` +
        `its documentation names${capability.setting ? ` (check its setting ${capability.setting}${capability.offByDefault ? ', which leaves them off by default' : ''})` : ''}; ` +
        'no root token was generated and nothing was changed',
    );
  return { api: capability.api, ...(auth !== undefined ? { auth } : {}), status };
}

/** Root generation for the activities of `deps`: `withGeneratedRoot` runs work with a root token it revokes after. */
export function rootGeneration(deps: ActivityDeps) {
  const { custody } = deps;

  /**
   * A root token from the unseal key, through the endpoints the node's server offers (`rootGenerationOf`).
   *
   * No attempt is ever cancelled (the tool's credentials cannot): this activity's own attempt still in
   * progress (its nonce is in the ledger; its OTP died with the process that started it) is completed with the
   * key, and the root token that makes, which nobody can decode, is swept like any other leftover (its
   * `keyGivenAt` is recorded first and returned in `completed`). Another live run's attempt of this tool (its
   * nonce, or its start, in custody as read now) is waited for (a retryable error), an operator's is reported,
   * not interrupted. The ledger is in custody before the attempt starts, its nonce before the key is given, so
   * a crash at any point leaves a retry what it needs to clean up.
   */
  async function generateRoot(
    node: VaultNode,
    held: HeldKeys,
    stack: string,
    ledger: RootGenerationLedger,
    isStale: (p: RootGenerationProgress) => boolean,
  ): Promise<{ root: string; nonce: string; keyGivenAt: string; completed: string[] }> {
    const { api, auth, status } = await rootGenerationOf(node, held, stack);
    const { progress } = ledger;
    if (status.started && !progress.nonces.includes(status.nonce)) {
      const nonce = status.nonce;
      // Read again: another run of this tool may have started (and recorded) it since this one read custody.
      const others = Object.entries((await custody.read(stack)).rootGenerations ?? {}).filter(
        ([o, p]) => o !== ledger.owner && !isStale(p),
      );
      const other = others.find(([, p]) => p.nonces.includes(nonce)) ?? others.find(([, p]) => p.startingAt);
      if (other)
        throw new Error(
          `another run of this tool (${other[0]}) is generating a root token on ${serviceName(stack)} (nonce ${nonce}); waiting for it`,
        );
      const starting = progress.startingAt;
      throw new NonRetryableError(
        ErrorType.RootGenerationInProgress,
        `a root generation attempt (nonce ${nonce}) that this tool did not record is in progress on ${serviceName(stack)}; ` +
          `it was left alone. ${
            starting
              ? `This tool was starting one at ${starting} and may have died before it recorded the nonce; if no ` +
                'operator is generating a root token, that attempt is this one (it holds no token). '
              : ''
          }Cancel it (${api}/attempt DELETE, with a token allowed to) if nobody is using it, then run again.`,
      );
    }
    const completed: string[] = [];
    if (status.started) {
      // This activity's own attempt, cut off before its key was given: completed, its token swept later.
      const givenAt = ledger.now();
      progress.keyGivenAt = union(progress.keyGivenAt, [givenAt]);
      await ledger.save();
      await node.provideRootGenerationKey(api, held.unsealKey, status.nonce, auth);
      completed.push(givenAt);
    }
    progress.startingAt = ledger.now();
    await ledger.save();
    const started: RootGenerationAttempt = await node.startRootGeneration(api, auth);
    delete progress.startingAt;
    progress.nonces = union(progress.nonces, [started.nonce]);
    const keyGivenAt = ledger.now();
    progress.keyGivenAt = union(progress.keyGivenAt, [keyGivenAt]);
    await ledger.save();
    const done = await node.provideRootGenerationKey(api, held.unsealKey, started.nonce, auth);
    if (!done.complete || !done.encodedToken)
      throw new VaultRequestError(`root generation on ${node.name} did not complete with the one key share`);
    return {
      root: decodeRootToken(done.encodedToken, started.otp),
      nonce: started.nonce,
      keyGivenAt,
      completed,
    };
  }

  /**
   * What earlier attempts (this activity's, or a stale entry's) left in Vault, revoked with `root`: every
   * recorded accessor; a root token Vault generated around a recorded `keyGivenAt` (its accessor was never
   * recorded: no TTL, display name `root`, no metadata); a token of this stack made under a recorded nonce
   * (made, the worker died before its accessor was recorded). `self` (the root token in use) is spared.
   */
  async function revokeLeftovers(
    node: VaultNode,
    root: string,
    stack: string,
    self: string,
    left: { accessors: string[]; keyGivenAt: string[]; nonces: string[] },
  ): Promise<number> {
    let revoked = 0;
    for (const accessor of left.accessors.filter((a) => a !== self)) {
      if (await node.lookupAccessor(root, accessor)) revoked++;
      await node.revokeAccessor(root, accessor);
    }
    if (left.keyGivenAt.length === 0 && left.nonces.length === 0) return revoked;
    const windows = left.keyGivenAt.map((t) => Math.floor(Date.parse(t) / 1000));
    const generatedThen = (info: TokenInfo) =>
      info.policies.length === 1 &&
      info.policies[0] === 'root' &&
      info.displayName === 'root' &&
      info.ttlSeconds === 0 &&
      Object.keys(info.meta).length === 0 &&
      windows.some(
        (t) =>
          info.createdAtSeconds >= t - GENERATED_ROOT_WINDOW_SECONDS.before &&
          info.createdAtSeconds <= t + GENERATED_ROOT_WINDOW_SECONDS.after,
      );
    const madeUnder = (info: TokenInfo) =>
      info.meta.stack === stack && left.nonces.includes(info.meta[ATTEMPT_META] ?? '');
    for (const accessor of await node.listAccessors(root)) {
      if (accessor === self) continue;
      const info = await node.lookupAccessor(root, accessor);
      if (info && (generatedThen(info) || madeUnder(info))) {
        await node.revokeAccessor(root, accessor);
        revoked++;
      }
    }
    return revoked;
  }

  /**
   * Runs `fn` with a root token generated from the unseal key, and revokes that token whatever happens.
   *
   * Progress is durable (docs/faults.md, "Root generation survives a crash"): this activity's entry in the
   * stack's custody record (`RootGenerationProgress`, owner `<workflow id>/<activity id>`) is written before
   * the attempt starts, with its nonce before the key is given, with the root token's accessor as soon as it is
   * known, and with each token `fn` makes. A retry (here or on another worker with the same custody) reads it
   * first: it completes its own attempt still in progress (sweeping the token that makes), revokes what is recorded and what the windows between
   * a call and its record left (`revokeLeftovers`), and adopts a stale entry of a run that is gone. The entry is
   * removed once nothing of it is left in Vault. The heartbeat details of an older version's attempt are read too.
   */
  async function withGeneratedRoot<T>(
    node: VaultNode,
    held: HeldKeys,
    stack: string,
    fn: (root: string, use: GeneratedRootUse) => Promise<T>,
    afterGenerate?: FailpointName,
  ): Promise<T> {
    const info = Context.current().info;
    const owner = `${info.workflowExecution?.workflowId ?? info.activityType}/${info.activityId}`;
    const entries = Object.entries(held.rootGenerations ?? {});
    const now = deps.clock.now();
    const isStale = (p: RootGenerationProgress) => now - Date.parse(p.updatedAt) > ROOT_GENERATION_STALE_MS;
    const stale = entries.filter(([o, p]) => o !== owner && isStale(p));
    const earlier = [held.rootGenerations?.[owner], progressFromDetails(info.heartbeatDetails)]
      .concat(stale.map(([, p]) => p))
      .filter((p): p is Partial<RootGenerationProgress> => p !== undefined);
    const ledger = new RootGenerationLedger(custody, deps.clock, held, owner, {
      updatedAt: '',
      nonces: union(...earlier.map((p) => p.nonces)),
      keyGivenAt: union(...earlier.map((p) => p.keyGivenAt)),
      accessors: union(...earlier.map((p) => p.accessors)),
    });
    const starting = earlier.map((p) => p.startingAt).find((t) => t !== undefined);
    if (starting) ledger.progress.startingAt = starting; // for the message, should an unknown attempt be found
    const left = {
      nonces: [...ledger.progress.nonces],
      keyGivenAt: [...ledger.progress.keyGivenAt],
      accessors: [...ledger.progress.accessors],
    };
    if (stale.length) {
      await ledger.save(); // their handles are this entry's now
      for (const [o] of stale) await custody.setRootGeneration(stack, held.keyId, o, undefined);
    }

    const { root, nonce, keyGivenAt, completed } = await generateRoot(node, held, stack, ledger, isStale);
    left.keyGivenAt.push(...completed);
    if (afterGenerate) await deps.failpoints.hit(afterGenerate);
    const self = await node.lookupSelf(root);
    if (!self) throw new VaultRequestError(`the root token generated on ${node.name} is not valid`);
    const { progress } = ledger;
    progress.accessors = union(progress.accessors, [self.accessor]);
    progress.keyGivenAt = progress.keyGivenAt.filter((t) => t !== keyGivenAt);
    await ledger.save();

    let outcome: { ok: true; value: T } | { ok: false; err: unknown };
    let clean = false; // whether nothing recorded in the entry is left in Vault but the root token itself
    try {
      if (left.nonces.length || left.accessors.length || left.keyGivenAt.length) {
        const revoked = await revokeLeftovers(node, root, stack, self.accessor, left);
        Context.current().log.info(
          `root generation on ${serviceName(stack)}: revoked ${revoked} token(s) an earlier attempt left`,
        );
        Object.assign(progress, { nonces: [nonce], keyGivenAt: [], accessors: [self.accessor] });
        await ledger.save();
      }
      clean = true;
      outcome = { ok: true, value: await fn(root, { nonce, made: (a) => record(a) }) };
    } catch (err) {
      outcome = { ok: false, err };
      // What fn made is not handed over: revoked now; the entry stays for a retry when that fails too.
      if (clean)
        clean = await revokeAll(
          node,
          root,
          progress.accessors.filter((a) => a !== self.accessor),
        );
    }
    try {
      await node.revokeSelf(root);
    } catch (err) {
      // Its accessor is in custody: the retry revokes it. The first failure says more than this one.
      throw outcome.ok ? err : outcome.err;
    }
    if (clean) await ledger.clear();
    if (!outcome.ok) throw outcome.err;
    return outcome.value;

    async function record(accessor: string): Promise<void> {
      progress.accessors = union(progress.accessors, [accessor]);
      await ledger.save();
    }
  }

  /** Revokes `accessors` with `root`; whether all went. */
  async function revokeAll(node: VaultNode, root: string, accessors: string[]): Promise<boolean> {
    try {
      for (const accessor of accessors) await node.revokeAccessor(root, accessor);
      return true;
    } catch {
      return false;
    }
  }

  return { withGeneratedRoot };
}
