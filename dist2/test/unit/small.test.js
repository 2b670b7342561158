"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const common_1 = require("@temporalio/common");
const deps_1 = require("../../src/activities/deps");
const failpoints_1 = require("../../src/activities/failpoints");
const stack_1 = require("../../src/activities/stack");
const file_custody_1 = require("../../src/custody/file-custody");
const gateway_1 = require("../../src/docker/gateway");
const errors_1 = require("../../src/shared/errors");
const testbed_1 = require("../support/testbed");
(0, node_test_1.describe)('secret versions', () => {
    (0, node_test_1.it)('reads the family from names', () => {
        strict_1.default.equal((0, gateway_1.secretVersionOf)('vault_unseal_key', 'vault_unseal_key'), 0);
        strict_1.default.equal((0, gateway_1.secretVersionOf)('vault_unseal_key', 'vault_unseal_key_v12'), 12);
        strict_1.default.equal((0, gateway_1.secretVersionOf)('vault_unseal_key', 'vault_unseal_key_old'), undefined);
        strict_1.default.equal((0, gateway_1.secretVersionOf)('a.b', 'axb_v1'), undefined);
    });
});
(0, node_test_1.describe)('failpoints', () => {
    (0, node_test_1.it)('are inert unless named, and validate names and actions at start', async () => {
        const fp = new failpoints_1.Failpoints(['initLeader:before-init=error']);
        await fp.hit('initLeader:after-persist');
        await strict_1.default.rejects(fp.hit('initLeader:before-init'), /failpoint initLeader:before-init/);
        strict_1.default.throws(() => new failpoints_1.Failpoints(['initLeader:before-init=explode']), /VAULT_BOOTSTRAP_FAILPOINTS/);
        strict_1.default.throws(() => new failpoints_1.Failpoints(['no-such-point']), /unknown fault point "no-such-point"/);
    });
});
(0, node_test_1.describe)('stack file checks', () => {
    const prod = (0, node_path_1.join)(testbed_1.REPO, 'docker-stack-vault.yml');
    const testbed = (0, node_path_1.join)(testbed_1.REPO, 'testbed', 'docker-stack-vault.testbed.yml');
    const tmp = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-stack-'));
    const write = (name, text) => {
        const p = (0, node_path_1.join)(tmp, name);
        (0, node_fs_1.writeFileSync)(p, text);
        return p;
    };
    (0, node_test_1.it)('accepts the production file and the test-bed override', async () => {
        await (0, stack_1.checkStackFiles)([prod]);
        await (0, stack_1.checkStackFiles)([prod, testbed]);
    });
    (0, node_test_1.it)('names a missing file', async () => {
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([(0, node_path_1.join)(tmp, 'nope.yml')]), /nope\.yml cannot be read \(ENOENT\)/);
    });
    (0, node_test_1.it)('names invalid YAML', async () => {
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([write('bad.yml', 'services: [\n')]), /not valid YAML/);
    });
    (0, node_test_1.it)('names a replica count other than 3', async () => {
        const override = write('two.yml', 'services:\n  vault:\n    deploy:\n      replicas: 2\n');
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([prod, override]), /replicas: 3 \(found 2\)/);
    });
    (0, node_test_1.it)('names a missing vault service, secret target and network', async () => {
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([write('none.yml', 'services:\n  web: {}\n')]), /no service "vault"/);
        const noSecret = write('nosecret.yml', 'services:\n  vault:\n    deploy: { replicas: 3 }\n    networks: [iklimco-net]\nnetworks:\n  iklimco-net: { external: true }\n');
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([noSecret]), /target "vault_unseal_key"/);
        const noNet = write('nonet.yml', 'services:\n  vault:\n    deploy: { replicas: 3 }\n    secrets: [vault_unseal_key]\n');
        await strict_1.default.rejects((0, stack_1.checkStackFiles)([noNet]), /external network "iklimco-net"/);
    });
});
(0, node_test_1.describe)('readCustody: one mapping of custody problems to named failures', () => {
    /** A named failure, and what the activity boundary makes of it: a non-retryable ApplicationFailure. */
    const failure = (type, message) => (err) => {
        strict_1.default.ok(err instanceof errors_1.NonRetryableError, String(err));
        strict_1.default.equal(err.type, type);
        strict_1.default.match(err.message, message);
        const reported = (0, errors_1.toFailure)(err);
        strict_1.default.ok(reported instanceof common_1.ApplicationFailure);
        strict_1.default.equal(reported.type, type);
        strict_1.default.equal(reported.nonRetryable, true);
        strict_1.default.equal(reported.message, err.message);
        return true;
    };
    (0, node_test_1.it)('a missing record is UnsealKeyUnavailable, saying what cannot be done', async () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-rc-'));
        const custody = new file_custody_1.FileKeyCustody({ dir: (0, node_path_1.join)(dir, 'records'), keyFile: (0, node_path_1.join)(dir, 'custody.key') });
        await strict_1.default.rejects((0, deps_1.readCustody)({ custody }, 's1', 'no node can be unsealed'), failure('UnsealKeyUnavailable', /no unseal key for stack s1, so no node can be unsealed\. Nothing was changed/));
    });
    (0, node_test_1.it)('an unreadable record keeps its custody error type; a good one is returned', async () => {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-rc-'));
        const custody = new file_custody_1.FileKeyCustody({ dir: (0, node_path_1.join)(dir, 'records'), keyFile: (0, node_path_1.join)(dir, 'custody.key') });
        const stored = await custody.store('s1', { unsealKey: 'a2V5', rootToken: 'root' });
        const held = await (0, deps_1.readCustody)({ custody }, 's1', 'x');
        strict_1.default.equal(held.keyId, stored.keyId);
        strict_1.default.equal(held.unsealKey, 'a2V5');
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 'records', 's1.json'), 'not json', { mode: 0o600 });
        await strict_1.default.rejects((0, deps_1.readCustody)({ custody }, 's1', 'x'), failure('CustodyCorrupt', /not valid JSON/));
    });
});
(0, node_test_1.describe)('errors: one definition per failure type', () => {
    (0, node_test_1.it)('the non-retryable list is exactly the defined types', () => {
        strict_1.default.deepEqual([...errors_1.NON_RETRYABLE_ERROR_TYPES].sort(), Object.keys(errors_1.ErrorType).sort());
        for (const kind of [
            'CustodyCorrupt',
            'CustodyPermissionsTooOpen',
            'CustodyNotWritable',
            'UnsealKeyUnavailable',
        ])
            strict_1.default.ok(errors_1.NON_RETRYABLE_ERROR_TYPES.includes(kind), kind);
    });
    (0, node_test_1.it)('toFailure names what it knows and leaves the rest retryable', () => {
        const plain = new Error('2/3 running');
        strict_1.default.equal((0, errors_1.toFailure)(plain), plain);
        const config = (0, errors_1.toFailure)(new errors_1.ConfigError('stack', 'a name', 'a b'));
        strict_1.default.ok(config instanceof common_1.ApplicationFailure);
        strict_1.default.equal(config.type, 'InvalidConfig');
        strict_1.default.equal(config.message, 'stack: expected a name, got "a b"');
        strict_1.default.equal(config.cause, undefined, 'the chain ends at the named failure');
    });
    (0, node_test_1.it)('describeFailure: `Type: message` of the innermost failure, however deep', () => {
        const app = common_1.ApplicationFailure.nonRetryable('no key', 'UnsealKeyUnavailable');
        strict_1.default.equal((0, errors_1.describeFailure)(new Error('Workflow execution failed', { cause: new Error('Activity task failed', { cause: app }) })), 'UnsealKeyUnavailable: no key');
        strict_1.default.equal((0, errors_1.describeFailure)(new Error('plain')), 'plain');
        strict_1.default.equal((0, errors_1.describeFailure)('text'), 'text');
    });
});
//# sourceMappingURL=small.test.js.map