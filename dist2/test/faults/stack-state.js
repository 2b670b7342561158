"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.custodyOf = custodyOf;
exports.listDir = listDir;
exports.runIdsOf = runIdsOf;
exports.containersBySlot = containersBySlot;
exports.vaultStatusBySlot = vaultStatusBySlot;
/**
 * Reading what a test stack left in the real systems: its custody folder, the runs of its bootstrap
 * workflow, its Vault containers and what `vault status` says in each.
 */
const node_fs_1 = require("node:fs");
const testbed_1 = require("../support/testbed");
function custodyOf(run) {
    return { dir: run.custodyDir, keyFile: run.custodyKeyFile, custody: run.custody() };
}
function listDir(dir) {
    try {
        return (0, node_fs_1.readdirSync)(dir).sort();
    }
    catch {
        return [];
    }
}
/** Every run id of the stack's bootstrap workflow, oldest first. */
async function runIdsOf(client, workflowId) {
    const ids = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
        ids.push({ runId: wf.runId, start: wf.startTime.getTime() });
    return ids.sort((a, b) => a.start - b.start).map((x) => x.runId);
}
/** The current Vault containers of the stack, by slot. */
async function containersBySlot(stack) {
    const out = new Map();
    const lines = await (0, testbed_1.dockerCli)(['ps', '--format', '{{.ID}} {{.Names}}', '-f', `name=${stack}_vault.`]);
    for (const line of lines.split('\n')) {
        const m = /^(\S+) \S+_vault\.(\d+)\./.exec(line.trim());
        if (m)
            out.set(Number(m[2]), m[1]);
    }
    return out;
}
/** `vault status` in every running container of the stack (exit 2 = sealed is not an error here). */
async function vaultStatusBySlot(stack) {
    const out = new Map();
    for (const [slot, ctr] of await containersBySlot(stack)) {
        const text = await (0, testbed_1.dockerCli)(['exec', ctr, 'vault', 'status']).catch((e) => e.stdout ?? '');
        out.set(slot, {
            initialized: /^Initialized\s+true$/m.test(text),
            sealed: !/^Sealed\s+false$/m.test(text),
            text,
        });
    }
    return out;
}
//# sourceMappingURL=stack-state.js.map