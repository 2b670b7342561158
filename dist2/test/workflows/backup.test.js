"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** `BackupVault` on the time-skipping test server, stubbed activities: snapshot, then retention, and what it says. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const workflows_1 = require("../../src/workflows");
const stub_activities_1 = require("../support/stub-activities");
const time_skipping_1 = require("../support/time-skipping");
void (0, node_test_1.describe)('BackupVault on the time-skipping test server, stubbed activities', () => {
    const testEnv = (0, time_skipping_1.timeSkippingEnv)();
    void (0, node_test_1.it)('takes the snapshot, then applies retention, and ends with both', async () => {
        const { activities, calls } = (0, stub_activities_1.stubActivities)();
        await testEnv().withWorker(activities, async (taskQueue, id) => {
            const handle = await testEnv().client.workflow.start(workflows_1.BackupVault, {
                taskQueue,
                workflowId: `wf-test-backup-${id}`,
                args: [{ stack: `st${id}` }],
            });
            const result = await handle.result();
            strict_1.default.deepEqual(calls, ['ensureBackupAccess', 'takeSnapshot', 'pruneSnapshots']);
            strict_1.default.equal(result.manifest.stack, `st${id}`);
            const meta = await handle.query('__temporal_workflow_metadata');
            strict_1.default.match(meta.currentDetails ?? '', new RegExp(`^\\*\\*Backup st${id}: st${id}-20260101T000000Z\\.snap\\*\\* \\(0\\.0 MiB, sha256 0{16}…\\)`));
            strict_1.default.match(meta.currentDetails ?? '', /Unseals with custody record key-0001 \(vault_unseal_key_v1\)\.\nKept 0, pruned 0\.$/);
        });
    });
});
//# sourceMappingURL=backup.test.js.map