/** Where Temporal is (src/config/temporal.ts), read by every process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadClientConfig } from '../../../src/config/client';
import { loadTemporalConfig } from '../../../src/config/temporal';
import { expectConfigError } from '../../support/config';

describe('temporal config', () => {
  it('has production defaults', () => {
    const t = loadTemporalConfig({});
    assert.equal(t.address, '127.0.0.1:7233');
    assert.equal(t.namespace, 'default');
    assert.equal(t.taskQueue, 'vault-bootstrap');
    assert.equal(t.uiUrl, 'http://127.0.0.1:8233');
  });

  it('rejects malformed values with the setting name and what was expected', () => {
    expectConfigError(
      () => loadTemporalConfig({ TEMPORAL_ADDRESS: 'no-port' }),
      'TEMPORAL_ADDRESS',
      /host:port.*"no-port"/,
    );
    expectConfigError(
      () => loadTemporalConfig({ TEMPORAL_ADDRESS: 'h:99999' }),
      'TEMPORAL_ADDRESS',
      /host:port/,
    );
    expectConfigError(() => loadTemporalConfig({ TEMPORAL_UI_URL: 'ftp://x' }), 'TEMPORAL_UI_URL', /http/);
    // The same errors reach the client, which reads no more than the environment to fail.
    expectConfigError(
      () => loadClientConfig({ TEMPORAL_ADDRESS: 'no-port' }),
      'TEMPORAL_ADDRESS',
      /host:port.*"no-port"/,
    );
  });
});
