"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.revokeNowSignal = exports.breakGlassQuery = void 0;
exports.BreakGlassRootToken = BreakGlassRootToken;
/**
 * `BreakGlassRootToken`: a root token for an operator, for a while, revoked when the while is over.
 *
 * The token is made by `issueBreakGlassToken` from the unseal key in custody and leaves the activity only
 * encrypted to the RSA public key in the input, whose private half stays in the operator's client: the
 * history holds ciphertext and the token's accessor, never the token. The workflow then waits out the TTL
 * on a durable timer (a worker or server restart in between changes nothing) or until the `revokeNow` signal,
 * and revokes the token by its accessor, retrying until Vault confirms it is gone. Vault expires the token by
 * itself a grace period later (`BREAK_GLASS_GRACE_SECONDS`): a backstop if Temporal is down for that long.
 */
const workflow_1 = require("@temporalio/workflow");
const errors_1 = require("../shared/errors");
exports.breakGlassQuery = (0, workflow_1.defineQuery)('breakGlass');
/** Revoke the token now instead of at the end of its TTL. */
exports.revokeNowSignal = (0, workflow_1.defineSignal)('revokeNow');
const issue = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '2 seconds',
        maximumInterval: '20 seconds',
        maximumAttempts: 5,
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
/** The revocation is retried for as long as it takes: a token meant to be short-lived must not outlive it. */
const revoke = (0, workflow_1.proxyActivities)({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '20 seconds',
    retry: {
        initialInterval: '2 seconds',
        maximumInterval: '1 minute',
        nonRetryableErrorTypes: errors_1.NON_RETRYABLE_ERROR_TYPES,
    },
});
async function BreakGlassRootToken(input) {
    const state = { status: 'issuing' };
    let revokeNow = false;
    (0, workflow_1.setHandler)(exports.breakGlassQuery, () => state);
    (0, workflow_1.setHandler)(exports.revokeNowSignal, () => {
        revokeNow = true;
    });
    state.issued = await issue.issueBreakGlassToken(input);
    state.revokeAt = new Date(Date.now() + input.ttlSeconds * 1000).toISOString();
    state.status = 'issued';
    await (0, workflow_1.condition)(() => revokeNow, input.ttlSeconds * 1000);
    const out = await revoke.revokeBreakGlassToken({ stack: input.stack, accessor: state.issued.accessor });
    state.status = 'revoked';
    return out;
}
//# sourceMappingURL=break-glass-root-token.js.map