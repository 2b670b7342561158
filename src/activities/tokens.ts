/**
 * Vault tokens: the bootstrap ends with no standing root token, and an operator gets one only for a while.
 *
 * - `revokeRootToken` (the bootstrap's last step): writes the `vault-bootstrap-worker` policy, gives the worker
 *   its own periodic token under it, keeps that token in custody, revokes the root token `sys/init` answered
 *   and drops it from custody. Every later call (health checks, a second bootstrap run) uses the worker token.
 * - `issueBreakGlassToken` / `revokeBreakGlassToken` (the `BreakGlassRootToken` workflow): a root token for an
 *   operator, made from the unseal key in custody through the server's root generation endpoints, handed over
 *   encrypted to a public key the operator's client holds the private half of, and revoked when its time is up.
 *
 * Secrets (tokens, the OTP, the key) stay in this process: inputs and results carry accessors, nonces and
 * ciphertext only.
 */
import { Context } from '@temporalio/activity';
import { constants as cryptoConstants, publicEncrypt } from 'node:crypto';
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
} from '../ports';
import { serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError, VaultRequestError } from '../shared/errors';
import type {
  BreakGlassInput,
  BreakGlassIssued,
  BreakGlassRevocation,
  BootstrapInput,
  StepOutcome,
} from '../shared/types';
import { apiToken, readCustody } from './cluster/custody';
import { activeNode } from './cluster/nodes';
import type { ActivityDeps } from './deps';
import {
  BACKUP_CAPABILITIES,
  CANARY_MOUNT,
  CANARY_PATH,
  WORKER_POLICY,
  WORKER_POLICY_HCL,
} from './cluster/policies';
import { recordProgress } from './heartbeat';

/** Each renewal (every health run) gives the worker token this long again. */
export const WORKER_TOKEN_PERIOD = '168h';

/** The metadata that marks the tokens this tool creates, and for which stack. */
const MADE_BY = 'vault-bootstrap';
const workerMeta = (stack: string) => ({ [MADE_BY]: 'worker', stack });

/** Vault's own expiry of a break-glass token comes this long after the workflow's revocation: a backstop. */
export const BREAK_GLASS_GRACE_SECONDS = 300;

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
const ATTEMPT_META = 'root-generation';

/** What `withGeneratedRoot` hands the work it runs: the attempt's nonce, and how to record a token made. */
interface GeneratedRootUse {
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

export function createTokenActivities(deps: ActivityDeps) {
  const { custody } = deps;
  const keys = (stack: string) =>
    readCustody(deps, stack, `no Vault token of ${serviceName(stack)} can be made or revoked`);

  /**
   * A root token from the unseal key: HashiCorp Vault's `sys/generate-root` (unauthenticated), else OpenBao's
   * `sys/generate-root-token` (authenticated with the worker token). Neither is weaker than the other: both
   * need the unseal key, which only custody holds. An attempt in progress is cancelled only when this activity
   * started it (its nonce is in the ledger): another live run's of this tool (its nonce, or its start, in
   * custody as read now) is waited for (a retryable error), an operator's is reported, not interrupted. The ledger is in custody before the attempt starts, its nonce
   * before the key is given, so a crash at any point leaves a retry what it needs to clean up.
   */
  async function generateRoot(
    node: VaultNode,
    held: HeldKeys,
    stack: string,
    ledger: RootGenerationLedger,
    isStale: (p: RootGenerationProgress) => boolean,
  ): Promise<{ root: string; nonce: string; keyGivenAt: string }> {
    let api: RootGenerationApi = 'sys/generate-root';
    let auth: string | undefined; // only OpenBao's endpoints take a token
    let status = await node.rootGenerationStatus(api);
    if (!status) {
      api = 'sys/generate-root-token';
      auth = apiToken(held, stack);
      status = await node.rootGenerationStatus(api, auth);
      if (!status)
        throw new NonRetryableError(
          ErrorType.UnexpectedVaultResponse,
          `${node.name} offers neither sys/generate-root nor sys/generate-root-token`,
        );
    }
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
          }Cancel it (${api}/attempt DELETE) if nobody is using it, then run again.`,
      );
    }
    if (status.started) await node.cancelRootGeneration(api, auth); // this activity's own, recorded attempt
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
    return { root: decodeRootToken(done.encodedToken, started.otp), nonce: started.nonce, keyGivenAt };
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
   * The bootstrap's last step. Order matters for a crash at any point: the worker token reaches custody before
   * the root token is revoked, and the root token leaves custody only after Vault revoked it. A worker token
   * created by an attempt that crashed before storing it is found by its metadata and revoked on the retry.
   */
  async function revokeRootToken(input: BootstrapInput): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const done: string[] = [];
    // The worker token the record keeps, and its accessor (the one worker token the sweep below spares).
    const kept = held.workerToken;
    const valid = kept ? await node.lookupSelf(kept) : undefined;
    let worker = kept && valid ? { token: kept, accessor: valid.accessor } : undefined;
    if (!worker) {
      const root = held.rootToken;
      if (!root || !(await node.lookupSelf(root))) {
        throw new NonRetryableError(
          ErrorType.VaultTokenUnavailable,
          `custody's ${held.workerToken ? 'worker token is rejected by Vault' : 'record has no worker token'} and ` +
            `it holds no working root token for ${serviceName(stack)}. Nothing was changed. Get a root token with ` +
            `\`vault-bootstrap root-token --stack ${stack}\` and look at what happened to the worker's token.`,
        );
      }
      await node.writePolicy(root, WORKER_POLICY, WORKER_POLICY_HCL);
      const made = await node.createOrphanToken(root, {
        policies: [WORKER_POLICY],
        displayName: `${WORKER_POLICY}-${stack}`,
        period: WORKER_TOKEN_PERIOD,
        renewable: true,
        meta: workerMeta(stack),
      });
      await deps.failpoints.hit('revokeRootToken:after-create-token');
      await custody.setTokens(stack, held.keyId, { rootToken: root, workerToken: made.token });
      worker = made;
      done.push(`issued the worker token (${made.accessor})`);
    }
    if (held.rootToken) {
      const root = held.rootToken;
      if (await node.lookupSelf(root)) {
        await sweepWorkerTokens(node, root, stack, worker.accessor);
        await node.revokeSelf(root);
        await deps.failpoints.hit('revokeRootToken:after-revoke');
        done.push('revoked the root token');
      }
      await custody.setTokens(stack, held.keyId, { workerToken: worker.token });
    }
    return {
      changed: done.length > 0,
      summary: done.length ? done.join(', ') : 'no root token left; the worker token is valid',
    };
  }

  /** Revokes this stack's worker tokens but `keep` (an accessor): left by an attempt that crashed before custody. */
  async function sweepWorkerTokens(
    node: VaultNode,
    root: string,
    stack: string,
    keep: string,
  ): Promise<void> {
    for (const accessor of await node.listAccessors(root)) {
      if (accessor === keep) continue;
      const info = await node.lookupAccessor(root, accessor);
      if (info?.meta[MADE_BY] === 'worker' && info.meta.stack === stack)
        await node.revokeAccessor(root, accessor);
    }
  }

  /**
   * Makes a root-policy token for an operator that Vault itself expires `ttlSeconds` + a grace period after
   * now (the workflow revokes it at `ttlSeconds`), encrypted to the operator's RSA public key. The generated
   * root token it is made with is revoked before this returns.
   */
  async function issueBreakGlassToken(input: BreakGlassInput): Promise<BreakGlassIssued> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    return withGeneratedRoot(
      node,
      held,
      stack,
      async (root, use) => {
        const lifetime = `${input.ttlSeconds + BREAK_GLASS_GRACE_SECONDS}s`;
        const made = await node.createOrphanToken(root, {
          policies: ['root'],
          displayName: `break-glass-${stack}`,
          ttl: lifetime,
          explicitMaxTtl: lifetime,
          renewable: false,
          meta: { [MADE_BY]: 'break-glass', stack, requester: input.requester, [ATTEMPT_META]: use.nonce },
        });
        await deps.failpoints.hit('issueBreakGlassToken:after-create-token');
        await use.made(made.accessor); // until it is handed over: a retry revokes it
        const sealed = publicEncrypt(
          {
            key: input.recipientPublicKeyPem,
            padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: 'sha256',
          },
          Buffer.from(made.token, 'utf8'),
        ).toString('base64');
        return { accessor: made.accessor, sealedToken: sealed };
      },
      'issueBreakGlassToken:after-generate-root',
    );
  }

  /**
   * Runs `fn` with a root token generated from the unseal key, and revokes that token whatever happens.
   *
   * Progress is durable (docs/faults.md, "Root generation survives a crash"): this activity's entry in the
   * stack's custody record (`RootGenerationProgress`, owner `<workflow id>/<activity id>`) is written before
   * the attempt starts, with its nonce before the key is given, with the root token's accessor as soon as it is
   * known, and with each token `fn` makes. A retry (here or on another worker with the same custody) reads it
   * first: it cancels its own attempt still in progress, revokes what is recorded and what the windows between
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

    const { root, nonce, keyGivenAt } = await generateRoot(node, held, stack, ledger, isStale);
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

  /**
   * Whether `token`'s policy allows what backups need. The worker's token has no `default` policy, so asking
   * `sys/capabilities-self` at all needs this version's policy: a 403 there is an older policy too.
   */
  async function allowsBackups(node: VaultNode, token: string): Promise<boolean> {
    for (const [path, capability] of BACKUP_CAPABILITIES) {
      let granted: string[];
      try {
        granted = await node.capabilitiesSelf(token, path);
      } catch (err) {
        if (err instanceof VaultRequestError && err.status === 403) return false;
        throw err;
      }
      if (!granted.includes(capability) && !granted.includes('root')) return false;
    }
    return true;
  }

  /**
   * What backups need, on a cluster bootstrapped by any version: the worker's policy as this version writes it
   * (`WORKER_POLICY_HCL`) and the canary's KV mount. When either is missing, a root token generated from the
   * unseal key rewrites the policy and makes the mount, and is revoked at once. Nothing to do (no root token
   * made) when both are there.
   */
  async function ensureBackupAccess(input: { stack: string }): Promise<StepOutcome> {
    const { stack } = input;
    const held = await keys(stack);
    const node = await activeNode(deps, stack);
    const token = apiToken(held, stack);
    const policyCurrent = await allowsBackups(node, token);
    if (policyCurrent && (await node.mountType(token, CANARY_MOUNT)) !== undefined)
      return { changed: false, summary: `the worker may take snapshots and write ${CANARY_PATH}` };
    const done: string[] = [];
    await withGeneratedRoot(node, held, stack, async (root) => {
      if (!policyCurrent) {
        await node.writePolicy(root, WORKER_POLICY, WORKER_POLICY_HCL);
        done.push(`rewrote the worker's policy (snapshots, ${CANARY_PATH})`);
      }
      if ((await node.mountType(root, CANARY_MOUNT)) === undefined) {
        await node.mountKv(root, CANARY_MOUNT);
        done.push(`mounted a KV engine at ${CANARY_MOUNT}/ for the backup canary`);
      }
    });
    return { changed: done.length > 0, summary: done.join('; ') || 'nothing was missing after all' };
  }

  /** Revokes a break-glass token by its accessor and confirms Vault no longer knows it. */
  async function revokeBreakGlassToken(input: {
    stack: string;
    accessor: string;
  }): Promise<BreakGlassRevocation> {
    const held = await keys(input.stack);
    const token = apiToken(held, input.stack);
    const node = await activeNode(deps, input.stack);
    const before = await node.lookupAccessor(token, input.accessor);
    if (before) await node.revokeAccessor(token, input.accessor);
    if (await node.lookupAccessor(token, input.accessor))
      throw new Error(`break-glass token ${input.accessor} is still known to Vault after its revocation`);
    return { accessor: input.accessor, revoked: before !== undefined, alreadyGone: before === undefined };
  }

  return { revokeRootToken, issueBreakGlassToken, revokeBreakGlassToken, ensureBackupAccess };
}
