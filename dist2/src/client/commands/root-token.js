"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.breakGlassWorkflowId = breakGlassWorkflowId;
exports.rootToken = rootToken;
/**
 * `vault-bootstrap root-token [--stack S] [--ttl 15m]`: break glass. Starts `BreakGlassRootToken`, which makes
 * a root token from the unseal key in custody and revokes it when the TTL is over (durably: a worker restart
 * in between changes nothing). The token comes back encrypted to a key pair made here for this one call; the
 * private key never leaves this process, so the token is decrypted only here and printed once, on stdout.
 * The accessor (to revoke it early: `temporal workflow signal --name revokeNow --workflow-id ...`) and the
 * revocation time go to stderr.
 */
const node_crypto_1 = require("node:crypto");
const node_os_1 = require("node:os");
const promises_1 = require("node:timers/promises");
const names_1 = require("../../shared/names");
const workflows_1 = require("../../workflows");
function breakGlassWorkflowId(stack, at) {
    return `vault-break-glass${names_1.ID_SEPARATOR}${stack}${names_1.ID_SEPARATOR}${at.toISOString()}`;
}
/** Runs `root-token`; resolves with 0 once the token is printed, 1 when the workflow failed to issue one. */
async function rootToken(ctx, options) {
    const { client, config, stack } = ctx;
    const { publicKey, privateKey } = (0, node_crypto_1.generateKeyPairSync)('rsa', { modulusLength: 3072 });
    const workflowId = breakGlassWorkflowId(stack, new Date());
    const handle = await client.workflow.start(workflows_1.BreakGlassRootToken, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [
            {
                stack,
                ttlSeconds: options.ttlSeconds,
                recipientPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
                requester: `${(0, node_os_1.userInfo)().username}@${(0, node_os_1.hostname)()}`,
            },
        ],
    });
    let state;
    for (;;) {
        const desc = await handle.describe();
        if (desc.status.name !== 'RUNNING') {
            console.error(`vault-bootstrap: ${workflowId} ended (${desc.status.name}) before it issued a token; see it in the Temporal UI`);
            await handle
                .result()
                .catch((err) => console.error(`  ${err instanceof Error ? err.message : String(err)}`));
            return 1;
        }
        state = await handle.query(workflows_1.breakGlassQuery);
        if (state.issued)
            break;
        await (0, promises_1.setTimeout)(500);
    }
    const token = (0, node_crypto_1.privateDecrypt)({ key: privateKey, padding: node_crypto_1.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(state.issued.sealedToken, 'base64')).toString('utf8');
    process.stdout.write(`${token}\n`);
    console.error(`root token for stack ${stack}: accessor ${state.issued.accessor}, revoked at ${state.revokeAt} by workflow ${workflowId}` +
        ` (revoke earlier: temporal workflow signal --workflow-id '${workflowId}' --name revokeNow)`);
    return 0;
}
//# sourceMappingURL=root-token.js.map