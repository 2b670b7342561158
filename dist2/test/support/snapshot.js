"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.snapshot = snapshot;
/**
 * A comparable picture of what a stack is in Docker and custody: used to assert "changed nothing".
 */
const node_fs_1 = require("node:fs");
async function snapshot(run, custodyDir) {
    const svc = (await run.docker.listServices({ filters: { name: [`${run.stack}_vault`] } }))[0];
    const tasks = await run.docker.listTasks({
        filters: { service: [`${run.stack}_vault`], 'desired-state': ['running'] },
    });
    const secrets = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
    let custodyFiles;
    try {
        custodyFiles = (0, node_fs_1.readdirSync)(custodyDir).sort();
    }
    catch {
        custodyFiles = [];
    }
    return {
        serviceVersion: svc?.Version?.Index ?? -1,
        taskIds: tasks.map((t) => t.ID ?? '').sort(),
        secrets: secrets.map((s) => s.Spec?.Name ?? '').sort(),
        custodyFiles,
    };
}
//# sourceMappingURL=snapshot.js.map