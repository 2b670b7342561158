"use strict";
/**
 * Workflow patch ids (`patched()`): each marks a change of the commands a workflow issues, so runs (and
 * histories) from before the change replay on the old path. A patch is removed, with its old path, once no
 * run older than it can still be open; the replay histories in test/replay/histories say which runs the
 * code must still replay.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.HOLD_PATCH = exports.REVOKE_ROOT_TOKEN_PATCH = exports.NODE_ROUTING_PATCH = void 0;
/**
 * Node-local work routed to the node's task queue (issue 8): `VerifyVaultHealth` remediates node by node
 * and signals through the node's queue; `WatchVaultTasks` listens on every node and survives a failed
 * check. Before it, one `remediateVaultHealth` did everything through the worker's own Engine.
 */
exports.NODE_ROUTING_PATCH = 'node-routing';
/**
 * `BootstrapVault` ends with `revokeRootToken` (issue 10): the worker gets its own token and the root token
 * is revoked. Runs started before it end after `verifyCluster`, keeping their root token.
 */
exports.REVOKE_ROOT_TOKEN_PATCH = 'revoke-root-token';
/**
 * `WatchVaultTasks` reads the operator's hold (`readStackHold`) before it starts a check, and starts none
 * while the stack is held (issue 14). Runs from before it start the check, which then reports and never acts.
 */
exports.HOLD_PATCH = 'hold';
//# sourceMappingURL=patches.js.map