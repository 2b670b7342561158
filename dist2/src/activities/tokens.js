"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BREAK_GLASS_GRACE_SECONDS = exports.WORKER_TOKEN_PERIOD = exports.WORKER_POLICY_HCL = exports.WORKER_POLICY = exports.CANARY_PATH = exports.CANARY_MOUNT = exports.SNAPSHOT_PATH = void 0;
exports.apiToken = apiToken;
exports.decodeRootToken = decodeRootToken;
exports.activeNode = activeNode;
exports.createTokenActivities = createTokenActivities;
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
const activity_1 = require("@temporalio/activity");
const node_crypto_1 = require("node:crypto");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const deps_1 = require("./deps");
const heartbeat_1 = require("./heartbeat");
/** What a backup reads (`BackupVault`): a worker policy without it predates backups. */
exports.SNAPSHOT_PATH = 'sys/storage/raft/snapshot';
/** The KV v1 mount the tool keeps its backup canary in, and the canary's path (docs/backups.md). */
exports.CANARY_MOUNT = 'vault-bootstrap';
exports.CANARY_PATH = `${exports.CANARY_MOUNT}/canary`;
/** What the worker's token must be allowed for backups: a policy that does not allow all of it predates them. */
const BACKUP_CAPABILITIES = [
    [exports.SNAPSHOT_PATH, 'read'],
    [`sys/mounts/${exports.CANARY_MOUNT}`, 'read'],
    [exports.CANARY_PATH, 'update'],
];
/** The worker's policy: what it does after the bootstrap, nothing more. */
exports.WORKER_POLICY = 'vault-bootstrap-worker';
exports.WORKER_POLICY_HCL = `# ${exports.WORKER_POLICY}: written by vault-swarm-bootstrap's revokeRootToken step.
# Health checks: the Raft configuration and autopilot.
path "sys/storage/raft/configuration" { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state" { capabilities = ["read"] }
# Backups (BackupVault): the Raft snapshot, and the canary written just before it (the restore drill reads it
# back from the restored copy); the canary's mount is made once by ensureBackupAccess.
path "sys/storage/raft/snapshot" { capabilities = ["read"] }
path "sys/capabilities-self" { capabilities = ["update"] }
path "sys/mounts/vault-bootstrap" { capabilities = ["read"] }
path "vault-bootstrap/canary" { capabilities = ["create", "update", "read"] }
# joinPeers keeps autopilot's settings (dead-server clean-up, stabilization time) as the bootstrap decided.
path "sys/storage/raft/autopilot/configuration" { capabilities = ["read", "update"] }
# The worker's own periodic token: every health run renews it.
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
# Break glass: look up and revoke the operator's token by its accessor when its time is up.
path "auth/token/lookup-accessor" { capabilities = ["update"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
# OpenBao 2.6+: root generation is authenticated (it still needs the unseal key).
path "sys/generate-root-token/attempt" { capabilities = ["create", "read", "update", "delete"] }
path "sys/generate-root-token/update" { capabilities = ["create", "update"] }
`;
/** Each renewal (every health run) gives the worker token this long again. */
exports.WORKER_TOKEN_PERIOD = '168h';
/** The metadata that marks the tokens this tool creates, and for which stack. */
const MADE_BY = 'vault-bootstrap';
const workerMeta = (stack) => ({ [MADE_BY]: 'worker', stack });
/** Vault's own expiry of a break-glass token comes this long after the workflow's revocation: a backstop. */
exports.BREAK_GLASS_GRACE_SECONDS = 300;
/**
 * The token a call needs: the worker's own, or (before `revokeRootToken` has run) the root token. Neither is
 * `VaultTokenUnavailable`.
 */
function apiToken(held, stack) {
    const token = held.workerToken ?? held.rootToken;
    if (token === undefined) {
        throw new errors_1.NonRetryableError(errors_1.ErrorType.VaultTokenUnavailable, `custody holds no Vault token for stack ${stack}: nothing can read its Raft configuration. ` +
            `Run \`vault-bootstrap root-token --stack ${stack}\` and inspect the cluster.`);
    }
    return token;
}
/** XORs the base64 `encoded` token with the OTP (both answers of the same attempt): the token. */
function decodeRootToken(encoded, otp) {
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length !== otp.length)
        throw new Error(`the encoded root token has ${bytes.length} bytes, the OTP ${otp.length}`);
    return Buffer.from(bytes.map((b, i) => b ^ otp.charCodeAt(i))).toString('utf8');
}
/** A client of the stack's active node (any unsealed node as a fallback: standbys forward). */
async function activeNode(deps, stack) {
    const nodes = [...(await (0, deps_1.locateNodes)(deps, stack, constants_1.ALL_SLOTS)).values()];
    let unsealed;
    for (const n of nodes) {
        try {
            if ((await n.client.leader()).isSelf)
                return n.client;
            if (!unsealed && !(await n.client.sealStatus()).sealed)
                unsealed = n.client;
        }
        catch {
            // an unreachable node: try the next
        }
    }
    if (unsealed)
        return unsealed;
    throw new Error(`no unsealed node of ${(0, constants_1.serviceName)(stack)} answers`);
}
function record(progress) {
    (0, heartbeat_1.recordProgress)({ nonces: [...progress.nonces], accessors: [...progress.accessors] });
}
function createTokenActivities(deps) {
    const { custody } = deps;
    const keys = (stack) => (0, deps_1.readCustody)(deps, stack, `no Vault token of ${(0, constants_1.serviceName)(stack)} can be made or revoked`);
    /**
     * A root token from the unseal key: HashiCorp Vault's `sys/generate-root` (unauthenticated), else OpenBao's
     * `sys/generate-root-token` (authenticated with the worker token). Neither is weaker than the other: both
     * need the unseal key, which only custody holds. An attempt in progress is cancelled only when this activity
     * started it (its nonce is in `progress`): someone else's is reported, not interrupted.
     */
    async function generateRoot(node, held, stack, progress) {
        let api = 'sys/generate-root';
        let auth; // only OpenBao's endpoints take a token
        let status = await node.rootGenerationStatus(api);
        if (!status) {
            api = 'sys/generate-root-token';
            auth = apiToken(held, stack);
            status = await node.rootGenerationStatus(api, auth);
            if (!status)
                throw new errors_1.NonRetryableError(errors_1.ErrorType.UnexpectedVaultResponse, `${node.name} offers neither sys/generate-root nor sys/generate-root-token`);
        }
        if (status.started) {
            if (!progress.nonces.includes(status.nonce))
                throw new errors_1.NonRetryableError(errors_1.ErrorType.RootGenerationInProgress, `a root generation attempt (nonce ${status.nonce}) that this tool did not start is in progress on ${(0, constants_1.serviceName)(stack)}; ` +
                    `it was left alone. Cancel it (${api}/attempt DELETE) if nobody is using it, then run again.`);
            await node.cancelRootGeneration(api, auth);
        }
        const started = await node.startRootGeneration(api, auth);
        progress.nonces.push(started.nonce);
        record(progress);
        const done = await node.provideRootGenerationKey(api, held.unsealKey, started.nonce, auth);
        if (!done.complete || !done.encodedToken)
            throw new errors_1.VaultRequestError(`root generation on ${node.name} did not complete with the one key share`);
        return decodeRootToken(done.encodedToken, started.otp);
    }
    /** Revokes the accessors a crashed attempt left behind (recorded in its heartbeat details). */
    async function revokeLeftovers(node, token, accessors) {
        for (const accessor of accessors)
            await node.revokeAccessor(token, accessor);
    }
    /**
     * The bootstrap's last step. Order matters for a crash at any point: the worker token reaches custody before
     * the root token is revoked, and the root token leaves custody only after Vault revoked it. A worker token
     * created by an attempt that crashed before storing it is found by its metadata and revoked on the retry.
     */
    async function revokeRootToken(input) {
        const { stack } = input;
        const held = await keys(stack);
        const node = await activeNode(deps, stack);
        const done = [];
        // The worker token the record keeps, and its accessor (the one worker token the sweep below spares).
        const kept = held.workerToken;
        const valid = kept ? await node.lookupSelf(kept) : undefined;
        let worker = kept && valid ? { token: kept, accessor: valid.accessor } : undefined;
        if (!worker) {
            const root = held.rootToken;
            if (!root || !(await node.lookupSelf(root))) {
                throw new errors_1.NonRetryableError(errors_1.ErrorType.VaultTokenUnavailable, `custody's ${held.workerToken ? 'worker token is rejected by Vault' : 'record has no worker token'} and ` +
                    `it holds no working root token for ${(0, constants_1.serviceName)(stack)}. Nothing was changed. Get a root token with ` +
                    `\`vault-bootstrap root-token --stack ${stack}\` and look at what happened to the worker's token.`);
            }
            await node.writePolicy(root, exports.WORKER_POLICY, exports.WORKER_POLICY_HCL);
            const made = await node.createOrphanToken(root, {
                policies: [exports.WORKER_POLICY],
                displayName: `${exports.WORKER_POLICY}-${stack}`,
                period: exports.WORKER_TOKEN_PERIOD,
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
    async function sweepWorkerTokens(node, root, stack, keep) {
        for (const accessor of await node.listAccessors(root)) {
            if (accessor === keep)
                continue;
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
    async function issueBreakGlassToken(input) {
        const { stack } = input;
        const held = await keys(stack);
        const node = await activeNode(deps, stack);
        return withGeneratedRoot(node, held, stack, async (root, progress) => {
            const lifetime = `${input.ttlSeconds + exports.BREAK_GLASS_GRACE_SECONDS}s`;
            const made = await node.createOrphanToken(root, {
                policies: ['root'],
                displayName: `break-glass-${stack}`,
                ttl: lifetime,
                explicitMaxTtl: lifetime,
                renewable: false,
                meta: { [MADE_BY]: 'break-glass', stack, requester: input.requester },
            });
            progress.accessors.push(made.accessor); // until it is handed over: a retry revokes it
            record(progress);
            const sealed = (0, node_crypto_1.publicEncrypt)({
                key: input.recipientPublicKeyPem,
                padding: node_crypto_1.constants.RSA_PKCS1_OAEP_PADDING,
                oaepHash: 'sha256',
            }, Buffer.from(made.token, 'utf8')).toString('base64');
            return { accessor: made.accessor, sealedToken: sealed };
        });
    }
    /**
     * Runs `fn` with a root token generated from the unseal key, and revokes that token whatever happens. Its
     * accessor is recorded (heartbeat details) before `fn` runs, and a retry first revokes what an earlier attempt
     * recorded: a crash at any point leaves no root token behind for longer than the activity's retry.
     */
    async function withGeneratedRoot(node, held, stack, fn) {
        const details = activity_1.Context.current().info.heartbeatDetails;
        const progress = {
            nonces: [...(details?.nonces ?? [])],
            accessors: [...(details?.accessors ?? [])],
        };
        const root = await generateRoot(node, held, stack, progress);
        const self = await node.lookupSelf(root);
        if (self) {
            progress.accessors.push(self.accessor);
            record(progress);
        }
        try {
            await revokeLeftovers(node, root, progress.accessors.filter((a) => a !== self?.accessor));
            return await fn(root, progress);
        }
        finally {
            await node.revokeSelf(root);
        }
    }
    /**
     * Whether `token`'s policy allows what backups need. The worker's token has no `default` policy, so asking
     * `sys/capabilities-self` at all needs this version's policy: a 403 there is an older policy too.
     */
    async function allowsBackups(node, token) {
        for (const [path, capability] of BACKUP_CAPABILITIES) {
            let granted;
            try {
                granted = await node.capabilitiesSelf(token, path);
            }
            catch (err) {
                if (err instanceof errors_1.VaultRequestError && err.status === 403)
                    return false;
                throw err;
            }
            if (!granted.includes(capability) && !granted.includes('root'))
                return false;
        }
        return true;
    }
    /**
     * What backups need, on a cluster bootstrapped by any version: the worker's policy as this version writes it
     * (`WORKER_POLICY_HCL`) and the canary's KV mount. When either is missing, a root token generated from the
     * unseal key rewrites the policy and makes the mount, and is revoked at once. Nothing to do (no root token
     * made) when both are there.
     */
    async function ensureBackupAccess(input) {
        const { stack } = input;
        const held = await keys(stack);
        const node = await activeNode(deps, stack);
        const token = apiToken(held, stack);
        const policyCurrent = await allowsBackups(node, token);
        if (policyCurrent && (await node.mountType(token, exports.CANARY_MOUNT)) !== undefined)
            return { changed: false, summary: `the worker may take snapshots and write ${exports.CANARY_PATH}` };
        const done = [];
        await withGeneratedRoot(node, held, stack, async (root) => {
            if (!policyCurrent) {
                await node.writePolicy(root, exports.WORKER_POLICY, exports.WORKER_POLICY_HCL);
                done.push(`rewrote the worker's policy (snapshots, ${exports.CANARY_PATH})`);
            }
            if ((await node.mountType(root, exports.CANARY_MOUNT)) === undefined) {
                await node.mountKv(root, exports.CANARY_MOUNT);
                done.push(`mounted a KV engine at ${exports.CANARY_MOUNT}/ for the backup canary`);
            }
        });
        return { changed: done.length > 0, summary: done.join('; ') || 'nothing was missing after all' };
    }
    /** Revokes a break-glass token by its accessor and confirms Vault no longer knows it. */
    async function revokeBreakGlassToken(input) {
        const held = await keys(input.stack);
        const token = apiToken(held, input.stack);
        const node = await activeNode(deps, input.stack);
        const before = await node.lookupAccessor(token, input.accessor);
        if (before)
            await node.revokeAccessor(token, input.accessor);
        if (await node.lookupAccessor(token, input.accessor))
            throw new Error(`break-glass token ${input.accessor} is still known to Vault after its revocation`);
        return { accessor: input.accessor, revoked: before !== undefined, alreadyGone: before === undefined };
    }
    return { revokeRootToken, issueBreakGlassToken, revokeBreakGlassToken, ensureBackupAccess };
}
//# sourceMappingURL=tokens.js.map