/**
 * Workflow patch ids (`patched()`): each marks a change of the commands a workflow issues, so runs (and
 * histories) from before the change replay on the old path. A patch is removed, with its old path, once no
 * run older than it can still be open; the replay histories in test/replay/histories say which runs the
 * code must still replay.
 */

/**
 * Node-local work routed to the node's task queue (issue 8): `VerifyVaultHealth` remediates node by node
 * and signals through the node's queue; `WatchVaultTasks` listens on every node and survives a failed
 * check. Before it, one `remediateVaultHealth` did everything through the worker's own Engine.
 */
export const NODE_ROUTING_PATCH = 'node-routing';

/**
 * `BootstrapVault` ends with `revokeRootToken` (issue 10): the worker gets its own token and the root token
 * is revoked. Runs started before it end after `verifyCluster`, keeping their root token.
 */
export const REVOKE_ROOT_TOKEN_PATCH = 'revoke-root-token';

/**
 * `WatchVaultTasks` reads the operator's hold (`readStackHold`) before it starts a check, and starts none
 * while the stack is held (issue 14). Runs from before it start the check, which then reports and never acts.
 */
export const HOLD_PATCH = 'hold';

/**
 * `RestoreDrill` runs the drill only under the stack's one drill id (issue 27): a run under another id (a
 * scheduled one) hands it to a child of that id, waiting while one runs. Runs from before it drill themselves.
 */
export const ONE_DRILL_PATCH = 'one-drill-per-stack';

/**
 * A failed `RestoreDrill` records its failure before it removes the throwaway stack, and a removal that fails
 * is logged, not thrown over the drill's own failure (issue 27): a drill refused for a foreign `<stack>-drill`
 * (`ForeignDrillStack`) failed in the removal too, so the failure was never recorded and the health report
 * kept showing the drill before as OK. Runs from before it remove first, then record.
 */
export const DRILL_RECORD_FIRST_PATCH = 'drill-record-first';

/**
 * `WatchVaultTasks` replays the starts since the end of its previous wait, not since the start of its next one
 * (issue 31): a start while a check ran (a second restart during a long check) is replayed by the Engine or
 * found by the agent's reconcile, and the window goes on across continue-as-new (`sinceMs` in the input). Runs
 * from before it begin each window when the wait begins.
 */
export const WATCH_WINDOW_PATCH = 'watch-window';

/**
 * `WatchVaultTasks` checks again after a check that left something to fix, start or no start (issue 31), at
 * 15, 30, 60, 120 and 240 s, then leaves it to the schedule: a slot waiting away from its home is put back once
 * the lost node is back, and that return starts no Vault task. Runs from before it wait for the next start.
 */
export const RECHECK_PATCH = 'watch-recheck';

/**
 * `UpgradeVault --rollback` checks with `checkRollback` (a quorum serving, one node may be down: the rollback
 * after an `UpgradeNodeUnhealthy`), not `verifyCluster` (all three). Runs from before it verify all three.
 */
export const ROLLBACK_CHECK_PATCH = 'rollback-check';
