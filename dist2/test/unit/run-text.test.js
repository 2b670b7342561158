"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** The words a run shows in the Temporal UI (src/shared/run-text.ts): pure strings from names and states. */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const run_text_1 = require("../../src/shared/run-text");
const steps_1 = require("../../src/shared/steps");
(0, node_test_1.describe)('run text', () => {
    (0, node_test_1.it)('numbers the eight steps, and names the preflight and the revocation around them', () => {
        strict_1.default.deepEqual(steps_1.BOOTSTRAP_STEPS.map(run_text_1.stepLabel), [
            'preflight (before 1/8)',
            'ensurePlaceholderSecret (1/8)',
            'deployStack (2/8)',
            'initLeader (3/8)',
            'rotateUnsealKeySecret (4/8)',
            'unsealLeader (5/8)',
            'joinPeers (6/8)',
            'unsealPeers (7/8)',
            'verifyCluster (8/8)',
            'revokeRootToken (after 8/8)',
        ]);
        strict_1.default.equal((0, run_text_1.stepSummary)('unsealPeers'), 'unsealPeers (7/8): unseal vault-2 and vault-3 and wait until they are Raft voters');
    });
    (0, node_test_1.it)('the run details list the eight steps in order, and how to follow the run from a shell', () => {
        const details = (0, run_text_1.bootstrapRunDetails)('iklimco', 'vault-bootstrap');
        const listed = [...details.matchAll(/^(\d)\. `(\w+)`/gm)].map((m) => `${m[1]} ${m[2]}`);
        strict_1.default.deepEqual(listed, [
            '1 ensurePlaceholderSecret',
            '2 deployStack',
            '3 initLeader',
            '4 rotateUnsealKeySecret',
            '5 unsealLeader',
            '6 joinPeers',
            '7 unsealPeers',
            '8 verifyCluster',
        ]);
        strict_1.default.match(details, /vault-bootstrap status --stack iklimco/);
    });
    (0, node_test_1.it)('the progress details say which step runs, which failed and why, and what the finished ones did', () => {
        const rows = (statuses) => steps_1.BOOTSTRAP_STEPS.map((step, i) => ({ step, status: statuses[i] ?? 'pending' }));
        const running = rows(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'running']);
        running[6].summary = 'joined vault-2, vault-3';
        const text = (0, run_text_1.bootstrapProgressDetails)('iklimco', running);
        strict_1.default.equal(text.split('\n')[0], '**Bootstrap Vault stack iklimco**: running unsealPeers (7/8)');
        strict_1.default.match(text, /^- `joinPeers` done: joined vault-2, vault-3$/m);
        strict_1.default.match(text, /^- `verifyCluster` pending$/m);
        const failed = rows(['done', 'done', 'failed']);
        failed[2].error = 'DockerUnavailable:\n  the socket refused';
        const failedText = (0, run_text_1.bootstrapProgressDetails)('iklimco', failed);
        strict_1.default.equal(failedText.split('\n')[0], '**Bootstrap Vault stack iklimco**: failed at deployStack (2/8)');
        strict_1.default.match(failedText, /^- `deployStack` failed: DockerUnavailable: the socket refused$/m);
        strict_1.default.match((0, run_text_1.bootstrapProgressDetails)('s', rows(Array(10).fill('done'))), /^\*\*Bootstrap Vault stack s\*\*: done$/m);
        strict_1.default.match((0, run_text_1.bootstrapProgressDetails)('s', rows([])), /: starting$/m);
    });
    (0, node_test_1.it)('a health run says its verdict and findings in one line, and what remediation did below', () => {
        const report = {
            stack: 'iklimco',
            verdict: 'Degraded',
            findings: [
                { code: 'NodeSealed', node: 'vault-2', detail: 'sealed' },
                { code: 'CertificateExpiring', detail: 'the certificate on disk expires in 9 days' },
            ],
            actions: ['unsealed vault-2'],
            actionFailures: ['vault-3: certificate reload failed'],
        };
        strict_1.default.equal((0, run_text_1.healthVerdictLine)(report), 'Health iklimco: Degraded — NodeSealed vault-2, CertificateExpiring');
        strict_1.default.equal((0, run_text_1.healthVerdictLine)({ ...report, verdict: 'Healthy', findings: [] }), 'Health iklimco: Healthy');
        const details = (0, run_text_1.healthDetails)(report);
        strict_1.default.match(details, /^\*\*Health iklimco: Degraded — NodeSealed vault-2, CertificateExpiring\*\*$/m);
        strict_1.default.match(details, /^- unsealed vault-2$/m);
        strict_1.default.match(details, /^Failed actions:\n- vault-3: certificate reload failed$/m);
    });
});
//# sourceMappingURL=run-text.test.js.map