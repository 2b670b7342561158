"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.initLeaderKeyIds = initLeaderKeyIds;
exports.assertBootstrapped = assertBootstrapped;
exports.withTestRun = withTestRun;
exports.cleanupWithoutLeaks = cleanupWithoutLeaks;
/**
 * The end state every fault case must reach (`assertBootstrapped`), and a test stack's clean-up that
 * counts whatever it left behind (`withTestRun`, `cleanupWithoutLeaks`).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const constants_1 = require("../../src/shared/constants");
const history_1 = require("../support/history");
const seed_verify_1 = require("../support/seed-verify");
const testbed_1 = require("../support/testbed");
const stack_state_1 = require("./stack-state");
const summary_1 = require("./summary");
/** The key ids the history's completed `initLeader` activities returned. */
function initLeaderKeyIds(events) {
    return (0, history_1.activitiesOf)(events)
        .filter((a) => a.type === 'initLeader' && a.result !== undefined)
        .map((a) => a.result.keyId);
}
/**
 * After a bootstrap completed despite a fault: Vault initialized exactly once, the key in custody is the
 * one every node was unsealed with, the seed verification holds, exactly one `<stack>_vault_unseal_key_v1`
 * is left, and no key material is in any history of the workflow or in the worker log. Counts what it finds
 * (double inits, lost keys, orphaned versions) before asserting, so the summary table is right even when a
 * case fails.
 */
async function assertBootstrapped(run, client, result) {
    const { dir, keyFile, custody } = (0, stack_state_1.custodyOf)(run);
    const workflowId = (0, constants_1.bootstrapWorkflowId)(run.stack);
    const files = (0, stack_state_1.listDir)(dir);
    const records = files.filter((f) => f.startsWith(`${run.stack}.json`));
    const conflicts = files.filter((f) => f.includes('.conflict-'));
    const held = await custody.read(run.stack).catch(() => undefined);
    const runIds = await (0, stack_state_1.runIdsOf)(client, workflowId);
    const histories = await Promise.all(runIds.map((id) => (0, history_1.historyOf)(client, workflowId, id)));
    const historyKeyIds = histories.flatMap(initLeaderKeyIds);
    const family = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
    const names = family.map((s) => s.Spec?.Name ?? '').sort();
    const v1 = family.find((s) => s.Spec?.Name === `${run.secretBase}_v1`);
    const status = await (0, stack_state_1.vaultStatusBySlot)(run.stack);
    const doubleInit = records.length !== 1 ||
        conflicts.length > 0 ||
        (held !== undefined && result.summary.keyId !== held.keyId) ||
        historyKeyIds.some((k) => k !== result.summary.keyId);
    (0, summary_1.count)('doubleInits', doubleInit ? 1 : 0, `${run.stack}: custody ${files.join(' ')}; history key ids ${historyKeyIds.join(' ')}`);
    (0, summary_1.count)('keysLost', held === undefined ? 1 : 0, `${run.stack}: the custody record cannot be read`);
    const orphans = names.filter((n) => n !== `${run.secretBase}_v1`);
    (0, summary_1.count)('leaksFound', orphans.length, `${run.stack}: orphaned secrets ${orphans.join(' ')}`);
    strict_1.default.deepEqual(records, [`${run.stack}.json`], `one custody record (custody folder: ${files.join(' ')})`);
    strict_1.default.deepEqual(conflicts, [], 'no .conflict- record: sys/init answered once');
    strict_1.default.ok(held, 'the custody record decrypts');
    strict_1.default.equal(result.summary.keyId, held.keyId, 'the final result names the custody record');
    strict_1.default.ok(historyKeyIds.length >= 1, 'initLeader completed');
    for (const k of historyKeyIds)
        strict_1.default.equal(k, held.keyId, 'every initLeader result names the same key');
    strict_1.default.deepEqual(names, [`${run.secretBase}_v1`], 'exactly one secret version left, no orphans');
    strict_1.default.equal(v1?.Spec?.Labels?.[constants_1.LABEL_KEY_ID], held.keyId, 'the mounted secret holds the custody key');
    // An all-at-once rollout interrupted anywhere still ends with the stack's own update_config.
    const spec = JSON.parse(await (0, testbed_1.dockerCli)(['service', 'inspect', '--format', '{{json .Spec}}', `${run.stack}_vault`]));
    strict_1.default.equal(spec.UpdateConfig?.Parallelism, 1, "the stack's update_config parallelism is back");
    strict_1.default.equal(spec.Labels?.[constants_1.LABEL_STACK_PARALLELISM], undefined, 'no kept-parallelism label is left');
    strict_1.default.equal(status.size, 3, 'three Vault containers');
    for (const [slot, s] of status) {
        strict_1.default.ok(s.initialized && !s.sealed, `vault-${slot} is initialized and unsealed:\n${s.text}`);
    }
    const v = await (0, seed_verify_1.seedVerification)(run.stack, dir, keyFile);
    strict_1.default.equal(v.runningTasks, 3, v.servicePs);
    strict_1.default.ok(v.sealedFalse, v.vaultStatus);
    strict_1.default.equal(v.leaders, 1, v.listPeers);
    strict_1.default.equal(v.followers, 2, v.listPeers);
    const log = (0, node_fs_1.readFileSync)(run.workerLog, 'utf8');
    // A completed bootstrap leaves no root token (revokeRootToken); the worker's token replaced it in custody.
    strict_1.default.equal(held.rootToken, undefined, 'no root token left in custody');
    const forms = [held.unsealKey, held.workerToken, held.rootToken]
        .filter((v) => v !== undefined)
        .flatMap(history_1.secretForms);
    for (const [i, events] of histories.entries()) {
        const text = (0, history_1.historyText)(events);
        for (const f of forms)
            strict_1.default.ok(!text.includes(f), `no key material in the history of run ${runIds[i]}`);
    }
    for (const f of forms)
        strict_1.default.ok(!log.includes(f), 'no key material in the worker log');
}
/**
 * Runs `body` on a new test stack, then removes the stack and counts whatever it left behind, whether
 * the body passed or failed (a body's own `finally` runs first, e.g. to bring a killed server back).
 */
async function withTestRun(body) {
    const run = new testbed_1.TestRun();
    try {
        return await body(run);
    }
    finally {
        await cleanupWithoutLeaks(run);
    }
}
/** Removes the stack (`run.cleanup()`), then checks and counts what is left of it. */
async function cleanupWithoutLeaks(run) {
    await run.cleanup();
    const left = await run.leftovers();
    const configs = await run.docker.listConfigs({
        filters: { label: [`com.docker.stack.namespace=${run.stack}`] },
    });
    for (const c of configs)
        left.push(`config ${c.Spec?.Name}`);
    if ((0, node_fs_1.existsSync)((0, node_path_1.join)(run.bed.TESTBED_STACK_ROOT ?? (0, node_path_1.join)(testbed_1.REPO, '.cache', 'stacks'), run.stack)))
        left.push(`data folder of ${run.stack}`);
    (0, summary_1.count)('leaksFound', left.length, `${run.stack}: left after clean-up: ${left.join(', ')}`);
    strict_1.default.deepEqual(left, [], 'the stack leaves nothing behind');
}
//# sourceMappingURL=end-state.js.map