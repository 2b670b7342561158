/** The words a run shows in the Temporal UI (src/shared/run-text.ts): pure strings from names and states. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bootstrapProgressDetails,
  bootstrapRunDetails,
  healthDetails,
  healthVerdictLine,
  stepLabel,
  stepSummary,
} from '../../src/shared/run-text';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import type { StepProgress } from '../../src/shared/steps';

describe('run text', () => {
  it('numbers the eight steps, and names the preflight and the revocation around them', () => {
    assert.deepEqual(BOOTSTRAP_STEPS.map(stepLabel), [
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
    assert.equal(
      stepSummary('unsealPeers'),
      'unsealPeers (7/8): unseal vault-2 and vault-3 and wait until they are Raft voters',
    );
  });

  it('the run details list the eight steps in order, and how to follow the run from a shell', () => {
    const details = bootstrapRunDetails('iklimco', 'vault-bootstrap');
    const listed = [...details.matchAll(/^(\d)\. `(\w+)`/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(listed, [
      '1 ensurePlaceholderSecret',
      '2 deployStack',
      '3 initLeader',
      '4 rotateUnsealKeySecret',
      '5 unsealLeader',
      '6 joinPeers',
      '7 unsealPeers',
      '8 verifyCluster',
    ]);
    assert.match(details, /vault-bootstrap status --stack iklimco/);
  });

  it('the progress details say which step runs, which failed and why, and what the finished ones did', () => {
    const rows = (statuses: StepProgress['status'][]): StepProgress[] =>
      BOOTSTRAP_STEPS.map((step, i) => ({ step, status: statuses[i] ?? 'pending' }));
    const running = rows(['done', 'done', 'done', 'done', 'done', 'done', 'done', 'running']);
    running[6]!.summary = 'joined vault-2, vault-3';
    const text = bootstrapProgressDetails('iklimco', running);
    assert.equal(text.split('\n')[0], '**Bootstrap Vault stack iklimco**: running unsealPeers (7/8)');
    assert.match(text, /^- `joinPeers` done: joined vault-2, vault-3$/m);
    assert.match(text, /^- `verifyCluster` pending$/m);

    const failed = rows(['done', 'done', 'failed']);
    failed[2]!.error = 'DockerUnavailable:\n  the socket refused';
    const failedText = bootstrapProgressDetails('iklimco', failed);
    assert.equal(failedText.split('\n')[0], '**Bootstrap Vault stack iklimco**: failed at deployStack (2/8)');
    assert.match(failedText, /^- `deployStack` failed: DockerUnavailable: the socket refused$/m);

    assert.match(
      bootstrapProgressDetails('s', rows(Array<StepProgress['status']>(10).fill('done'))),
      /^\*\*Bootstrap Vault stack s\*\*: done$/m,
    );
    assert.match(bootstrapProgressDetails('s', rows([])), /: starting$/m);
  });

  it('a health run says its verdict and findings in one line, and what remediation did below', () => {
    const report = {
      stack: 'iklimco',
      verdict: 'Degraded' as const,
      findings: [
        { code: 'NodeSealed' as const, node: 'vault-2', detail: 'sealed' },
        { code: 'CertificateExpiring' as const, detail: 'the certificate on disk expires in 9 days' },
      ],
      actions: ['unsealed vault-2'],
      actionFailures: ['vault-3: certificate reload failed'],
    };
    assert.equal(
      healthVerdictLine(report),
      'Health iklimco: Degraded — NodeSealed vault-2, CertificateExpiring',
    );
    assert.equal(
      healthVerdictLine({ ...report, verdict: 'Healthy', findings: [] }),
      'Health iklimco: Healthy',
    );
    const details = healthDetails(report);
    assert.match(details, /^\*\*Health iklimco: Degraded — NodeSealed vault-2, CertificateExpiring\*\*$/m);
    assert.match(details, /^- unsealed vault-2$/m);
    assert.match(details, /^Failed actions:\n- vault-3: certificate reload failed$/m);
  });
});
