/**
 * What the client sends to Temporal, without a server: the health schedule built from configuration, the
 * search attributes it registers, and the typed workflow references (and that none pulls in activities).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { main } from '../../src/client';
import { healthInput, healthSchedule } from '../../src/client/commands/schedule';
import { missingSearchAttributes, wantedSearchAttributes } from '../../src/client/search-attributes';
import { loadClientConfig } from '../../src/config/client';
import * as workflows from '../../src/workflows';
import { BootstrapVault, VerifyVaultHealth, WatchVaultTasks } from '../../src/workflows';

describe('client health schedule', () => {
  it('is built from the VAULT_HEALTH_* configuration', () => {
    const config = loadClientConfig({
      VAULT_BOOTSTRAP_TASK_QUEUE: 'q-ops',
      VAULT_HEALTH_INTERVAL: '90s',
      VAULT_HEALTH_JITTER: '5s',
      VAULT_HEALTH_REMEDIATE: 'false',
      VAULT_HEALTH_CERT_WARN_DAYS: '7',
    });
    const s = healthSchedule(config, 's1');
    assert.deepEqual(s.spec, { intervals: [{ every: '90s' }], jitter: '5s' });
    assert.deepEqual(s.policies, { overlap: 'SKIP', catchupWindow: '1 minute', pauseOnFailure: false });
    assert.equal(s.action.type, 'startWorkflow');
    assert.equal(s.action.workflowType, VerifyVaultHealth);
    assert.equal(s.action.taskQueue, 'q-ops');
    assert.equal(s.action.workflowId, 'vault-health:s1');
    assert.deepEqual(s.action.args, [{ stack: 's1', remediate: false, certExpiryWarnDays: 7 }]);
    assert.equal(s.action.staticSummary, 'Health s1 (scheduled)');
  });

  it('has production defaults: every 5m with 30s jitter, remediating, warning 21 days ahead', () => {
    const config = loadClientConfig({});
    const s = healthSchedule(config, 'iklimco');
    assert.deepEqual(s.spec, { intervals: [{ every: '5m' }], jitter: '30s' });
    assert.equal(s.action.taskQueue, 'vault-bootstrap');
    assert.deepEqual(healthInput(config, 'iklimco'), {
      stack: 'iklimco',
      remediate: true,
      certExpiryWarnDays: 21,
    });
  });
});

describe('client search attributes', () => {
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } =
    temporal.api.enums.v1.IndexedValueType;

  it('are the four the workflows write, with their types', () => {
    assert.deepEqual(wantedSearchAttributes(), {
      VaultBootstrapStep: KEYWORD,
      VaultHealthVerdict: KEYWORD,
      VaultHealthFindings: KEYWORD_LIST,
      VaultRestoreDrill: KEYWORD,
    });
  });

  it('are registered only when missing', () => {
    const wanted = wantedSearchAttributes();
    assert.deepEqual(missingSearchAttributes(wanted, undefined), wanted);
    assert.deepEqual(missingSearchAttributes(wanted, null), wanted);
    assert.deepEqual(
      missingSearchAttributes(wanted, { VaultBootstrapStep: KEYWORD, CustomKeywordField: KEYWORD }),
      { VaultHealthVerdict: KEYWORD, VaultHealthFindings: KEYWORD_LIST, VaultRestoreDrill: KEYWORD },
    );
    assert.deepEqual(missingSearchAttributes(wanted, wanted), {});
  });
});

describe('client workflow references', () => {
  it('resolve to the type names the worker registers (its workflows module exports)', () => {
    // The SDK takes a workflow function's name as its type; the worker registers the module's export names.
    assert.equal(BootstrapVault.name, 'BootstrapVault');
    assert.equal(VerifyVaultHealth.name, 'VerifyVaultHealth');
    assert.equal(WatchVaultTasks.name, 'WatchVaultTasks');
    for (const [exported, value] of Object.entries(workflows)) {
      if (typeof value === 'function') assert.equal(value.name, exported);
    }
    assert.equal(workflows.progressQuery.name, 'progress');
  });

  it('load no activity, gateway or custody code into the client', () => {
    assert.equal(typeof main, 'function');
    const src = join(__dirname, '..', '..', 'src');
    const loaded = Object.keys(require.cache).filter((p) => p.startsWith(src + '/'));
    assert.ok(
      loaded.some((p) => p.endsWith('/client/commands/bootstrap.js')),
      'the client was loaded',
    );
    assert.deepEqual(
      loaded.filter((p) => /\/(activities|docker|vault|custody)\//.test(p.slice(src.length))),
      [],
    );
  });
});
