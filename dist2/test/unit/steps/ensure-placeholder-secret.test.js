"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Step 1, ensurePlaceholderSecret, in memory: a secret for the stack to mount, made only when none exists. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const constants_1 = require("../../../src/shared/constants");
const fakes_1 = require("../../support/fakes");
(0, node_test_1.describe)('ensurePlaceholderSecret', () => {
    (0, node_test_1.it)('no secret yet: creates the placeholder, labelled, holding no key', async () => {
        const w = (0, fakes_1.fakeWorld)();
        const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
        strict_1.default.equal(out.changed, true);
        strict_1.default.equal(out.summary, `created placeholder ${w.secretBase}`);
        strict_1.default.deepEqual({ name: out.secret.name, kind: out.secret.kind, version: out.secret.version }, { name: w.secretBase, kind: 'placeholder', version: 0 });
        strict_1.default.deepEqual(w.swarm.secretLabels(w.secretBase), {
            [constants_1.LABEL_KIND]: 'placeholder',
            [constants_1.LABEL_VERSION]: '0',
            [constants_1.LABEL_STACK]: 's1',
        });
        strict_1.default.match(w.swarm.secretValue(w.secretBase) ?? '', /^placeholder: /);
        strict_1.default.deepEqual(w.failpoints.hits, [
            'ensurePlaceholderSecret:before-create',
            'ensurePlaceholderSecret:after-create',
        ]);
    });
    (0, node_test_1.it)('the placeholder exists: changes nothing', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.run(w.acts.ensurePlaceholderSecret, w.input);
        w.failpoints.clear();
        const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.equal(out.summary, `${w.secretBase} (placeholder) already exists`);
        strict_1.default.deepEqual(w.failpoints.hits, []);
        strict_1.default.deepEqual(w.swarm.secretNames(), [w.secretBase]);
    });
    (0, node_test_1.it)('real key versions exist: reports the one the service mounts, makes no placeholder', async () => {
        const w = (0, fakes_1.fakeWorld)();
        await w.bootstrapThrough('rotateUnsealKeySecret');
        w.failpoints.clear();
        const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.deepEqual({ name: out.secret.name, kind: out.secret.kind, version: out.secret.version }, { name: `${w.secretBase}_v1`, kind: 'unseal-key', version: 1 });
        strict_1.default.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
    });
    (0, node_test_1.it)('no service yet and several versions: the newest of the family', async () => {
        const w = (0, fakes_1.fakeWorld)();
        const labels = (v) => ({
            [constants_1.LABEL_KIND]: 'unseal-key',
            [constants_1.LABEL_KEY_ID]: 'k',
            [constants_1.LABEL_VERSION]: String(v),
            [constants_1.LABEL_STACK]: w.stack,
        });
        await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('x'), labels(1));
        await w.swarm.createSecret(`${w.secretBase}_v2`, Buffer.from('x'), labels(2));
        await w.swarm.createSecret(`${w.secretBase}_old`, Buffer.from('x'), labels(9)); // not of the family
        const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
        strict_1.default.equal(out.changed, false);
        strict_1.default.equal(out.secret.name, `${w.secretBase}_v2`);
    });
    (0, node_test_1.it)('another attempt created it in between (409): takes it', async () => {
        const w = (0, fakes_1.fakeWorld)();
        w.failpoints.at.set('ensurePlaceholderSecret:before-create', async () => {
            await w.swarm.createSecret(w.secretBase, Buffer.from('p'), {
                [constants_1.LABEL_KIND]: 'placeholder',
                [constants_1.LABEL_STACK]: w.stack,
            });
        });
        const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
        strict_1.default.equal(out.secret.name, w.secretBase);
        strict_1.default.deepEqual(w.swarm.secretNames(), [w.secretBase]);
    });
});
//# sourceMappingURL=ensure-placeholder-secret.test.js.map