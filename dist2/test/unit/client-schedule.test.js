"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * What the client sends to Temporal, without a server: the health schedule built from configuration, the
 * search attributes it registers, and the typed workflow references (and that none pulls in activities).
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const proto_1 = require("@temporalio/proto");
const client_1 = require("../../src/client");
const spec_1 = require("../../src/client/commands/schedule/spec");
const search_attributes_1 = require("../../src/client/search-attributes");
const config_1 = require("../../src/config");
const workflows = __importStar(require("../../src/workflows"));
const workflows_1 = require("../../src/workflows");
(0, node_test_1.describe)('client health schedule', () => {
    (0, node_test_1.it)('is built from the VAULT_HEALTH_* configuration', () => {
        const config = (0, config_1.loadClientConfig)({
            VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops',
            VAULT_HEALTH_INTERVAL: '90s',
            VAULT_HEALTH_JITTER: '5s',
            VAULT_HEALTH_REMEDIATE: 'false',
            VAULT_HEALTH_CERT_WARN_DAYS: '7',
        });
        const s = (0, spec_1.healthSchedule)(config, 's1');
        strict_1.default.deepEqual(s.spec, { intervals: [{ every: '90s' }], jitter: '5s' });
        strict_1.default.deepEqual(s.policies, { overlap: 'SKIP', catchupWindow: '1 minute', pauseOnFailure: false });
        strict_1.default.equal(s.action.type, 'startWorkflow');
        strict_1.default.equal(s.action.workflowType, workflows_1.VerifyVaultHealth);
        strict_1.default.equal(s.action.taskQueue, 'q-ops');
        strict_1.default.equal(s.action.workflowId, 'vault-health:s1');
        strict_1.default.deepEqual(s.action.args, [{ stack: 's1', remediate: false, certExpiryWarnDays: 7 }]);
        strict_1.default.equal(s.action.staticSummary, 'Health s1 (scheduled)');
    });
    (0, node_test_1.it)('has production defaults: every 5m with 30s jitter, remediating, warning 21 days ahead', () => {
        const config = (0, config_1.loadClientConfig)({});
        const s = (0, spec_1.healthSchedule)(config, 'iklimco');
        strict_1.default.deepEqual(s.spec, { intervals: [{ every: '5m' }], jitter: '30s' });
        strict_1.default.equal(s.action.taskQueue, 'vault-bootstrap');
        strict_1.default.deepEqual((0, spec_1.healthInput)(config, 'iklimco'), {
            stack: 'iklimco',
            remediate: true,
            certExpiryWarnDays: 21,
        });
    });
});
(0, node_test_1.describe)('client search attributes', () => {
    const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } = proto_1.temporal.api.enums.v1.IndexedValueType;
    (0, node_test_1.it)('are the four the workflows write, with their types', () => {
        strict_1.default.deepEqual((0, search_attributes_1.wantedSearchAttributes)(), {
            VaultBootstrapStep: KEYWORD,
            VaultHealthVerdict: KEYWORD,
            VaultHealthFindings: KEYWORD_LIST,
            VaultRestoreDrill: KEYWORD,
        });
    });
    (0, node_test_1.it)('are registered only when missing', () => {
        const wanted = (0, search_attributes_1.wantedSearchAttributes)();
        strict_1.default.deepEqual((0, search_attributes_1.missingSearchAttributes)(wanted, undefined), wanted);
        strict_1.default.deepEqual((0, search_attributes_1.missingSearchAttributes)(wanted, null), wanted);
        strict_1.default.deepEqual((0, search_attributes_1.missingSearchAttributes)(wanted, { VaultBootstrapStep: KEYWORD, CustomKeywordField: KEYWORD }), { VaultHealthVerdict: KEYWORD, VaultHealthFindings: KEYWORD_LIST, VaultRestoreDrill: KEYWORD });
        strict_1.default.deepEqual((0, search_attributes_1.missingSearchAttributes)(wanted, wanted), {});
    });
});
(0, node_test_1.describe)('client workflow references', () => {
    (0, node_test_1.it)('resolve to the type names the worker registers (its workflows module exports)', () => {
        // The SDK takes a workflow function's name as its type; the worker registers the module's export names.
        strict_1.default.equal(workflows_1.BootstrapVault.name, 'BootstrapVault');
        strict_1.default.equal(workflows_1.VerifyVaultHealth.name, 'VerifyVaultHealth');
        strict_1.default.equal(workflows_1.WatchVaultTasks.name, 'WatchVaultTasks');
        for (const [exported, value] of Object.entries(workflows)) {
            if (typeof value === 'function')
                strict_1.default.equal(value.name, exported);
        }
        strict_1.default.equal(workflows.progressQuery.name, 'progress');
    });
    (0, node_test_1.it)('load no activity, gateway or custody code into the client', () => {
        strict_1.default.equal(typeof client_1.main, 'function');
        const src = (0, node_path_1.join)(__dirname, '..', '..', 'src');
        const loaded = Object.keys(require.cache).filter((p) => p.startsWith(src + '/'));
        strict_1.default.ok(loaded.some((p) => p.endsWith('/client/commands/bootstrap.js')), 'the client was loaded');
        strict_1.default.deepEqual(loaded.filter((p) => /\/(activities|docker|vault|custody)\//.test(p.slice(src.length))), []);
    });
});
//# sourceMappingURL=client-schedule.test.js.map