"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Two stacks side by side on the test bed with the production default secret name `vault_unseal_key` (no
 * `{stack}` in it): the two families share names, so each stack must find, deploy with, mount and clean up
 * only the secrets labelled with its own name. Both bootstraps run at once; each cluster mounts its own key
 * (the secret made for its own custody record), and removing one stack's secrets leaves the other's.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const file_custody_1 = require("../../src/custody/file-custody");
const constants_1 = require("../../src/shared/constants");
const node_path_1 = require("node:path");
const testbed_1 = require("../support/testbed");
const DEFAULT = { VAULT_UNSEAL_SECRET_NAME: 'vault_unseal_key' };
(0, node_test_1.describe)('two stacks with the default secret name', () => {
    const a = new testbed_1.TestRun();
    const b = new testbed_1.TestRun();
    (0, node_test_1.before)(() => {
        a.startWorker(DEFAULT);
        b.startWorker(DEFAULT);
    });
    (0, node_test_1.after)(async () => {
        await Promise.all([a.cleanup(), b.cleanup()]);
        strict_1.default.deepEqual([...(await a.leftovers()), ...(await b.leftovers())], []);
    });
    /** The secret the stack's service mounts, with its labels. */
    async function mounted(run) {
        const svc = (await run.docker.getService(`${run.stack}_vault`).inspect());
        const ref = svc.Spec.TaskTemplate.ContainerSpec.Secrets?.find((x) => x.File?.Name === constants_1.UNSEAL_SECRET_TARGET);
        strict_1.default.ok(ref, `${run.stack}_vault mounts a secret`);
        const secret = (await run.docker.getSecret(ref.SecretID).inspect());
        return { name: secret.Spec.Name, labels: secret.Spec.Labels ?? {} };
    }
    (0, node_test_1.it)('bootstrap at once; each mounts its own key, and one stack removed leaves the other intact', async () => {
        const [ra, rb] = await Promise.all([
            a.client(['bootstrap', '--wait'], DEFAULT),
            b.client(['bootstrap', '--wait'], DEFAULT),
        ]);
        strict_1.default.equal(ra.code, 0, ra.out);
        strict_1.default.equal(rb.code, 0, rb.out);
        const keyIds = [];
        for (const run of [a, b]) {
            const held = await new file_custody_1.FileKeyCustody({
                dir: (0, node_path_1.join)(run.dir, 'custody'),
                keyFile: (0, node_path_1.join)(run.dir, 'custody.key'),
            }).read(run.stack);
            const m = await mounted(run);
            console.log(`${run.stack} mounts ${m.name} (stack label ${m.labels[constants_1.LABEL_STACK]}, key id ${m.labels[constants_1.LABEL_KEY_ID]})`);
            strict_1.default.match(m.name, /^vault_unseal_key_v\d+$/, 'a name of the shared family');
            strict_1.default.equal(m.labels[constants_1.LABEL_STACK], run.stack, 'made for this stack');
            strict_1.default.equal(m.labels[constants_1.LABEL_KEY_ID], held.keyId, "made for this stack's custody record");
            keyIds.push(held.keyId);
        }
        strict_1.default.notEqual(keyIds[0], keyIds[1]);
        strict_1.default.notEqual((await mounted(a)).name, (await mounted(b)).name);
        // A second bootstrap of A (its clean-up of unused versions runs again) leaves B's secrets alone.
        const before = (await b.docker.listSecrets({ filters: { label: [`${constants_1.LABEL_STACK}=${b.stack}`] } })).map((s) => s.Spec?.Name);
        const again = await a.client(['bootstrap', '--wait'], DEFAULT);
        strict_1.default.equal(again.code, 0, again.out);
        await a.cleanup();
        const afterA = (await b.docker.listSecrets({ filters: { label: [`${constants_1.LABEL_STACK}=${b.stack}`] } })).map((s) => s.Spec?.Name);
        strict_1.default.deepEqual(afterA.sort(), before.sort(), `${b.stack}'s secrets survive ${a.stack}'s second run and removal`);
        const status = await b.client(['verify'], DEFAULT);
        strict_1.default.equal(status.code, 0, status.out);
    });
});
//# sourceMappingURL=10-two-stacks.test.js.map