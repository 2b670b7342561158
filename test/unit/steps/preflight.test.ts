/** Preflight in memory: every input problem is named before any step changes anything. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeWorld } from '../../support/fakes';
import { namedFailure, retryableError } from '../../support/failures';
import { testDir } from '../../support/tmp';

describe('preflight', () => {
  it('all usable on an autolocked swarm: changes nothing, no finding', async () => {
    const w = fakeWorld();
    w.swarm.autolocked = true;
    const out = await w.run(w.acts.preflight, w.input);
    assert.deepEqual(out, {
      changed: false,
      summary: 'stack files, TLS files, swarm, iklimco-net and custody are usable',
    });
    assert.deepEqual(w.swarm.secretNames(), []);
    assert.deepEqual(w.swarm.deploys, []);
  });

  it('a swarm without autolock: a SwarmAutolockOff finding in the summary, not a failure', async () => {
    const w = fakeWorld();
    const out = await w.run(w.acts.preflight, w.input);
    assert.equal(out.changed, false);
    assert.match(
      out.summary,
      /^stack files, .* are usable; finding SwarmAutolockOff: .*docker swarm update --autolock/,
    );
  });

  it('a stack name Docker cannot take: InvalidConfig', async () => {
    const w = fakeWorld();
    await assert.rejects(
      w.run(w.acts.preflight, { stack: 'no spaces' }),
      namedFailure('InvalidConfig', /^stack: expected a name/),
    );
  });

  // Issue 27, item 3 (b): a bootstrap of `prod-drill` is refused before anything is made, since a drill of
  // `prod` would take that stack for its throwaway one.
  it('a stack name ending in the drill suffix: InvalidConfig, nothing made', async () => {
    const w = fakeWorld({ stack: 'prod-drill' });
    await assert.rejects(
      w.run(w.acts.preflight, { stack: 'prod-drill' }),
      namedFailure('InvalidConfig', /^stack: expected a name that does not end in "-drill"/),
    );
    assert.deepEqual(w.swarm.secretNames(), []);
    assert.deepEqual(w.swarm.deploys, []);
  });

  it('a stack file of the wrong shape: StackFileInvalid naming the problem', async () => {
    const dir = testDir('vbt-pf-');
    const file = join(dir, 'two.yml');
    writeFileSync(file, 'services:\n  vault:\n    deploy:\n      replicas: 2\n');
    const w = fakeWorld({ stackFiles: [file] });
    await assert.rejects(
      w.run(w.acts.preflight, w.input),
      namedFailure('StackFileInvalid', /service "vault" must have deploy.replicas: 3 \(found 2\)/),
    );
  });

  it('a missing TLS file: CertificatesMissing', async () => {
    const w = fakeWorld();
    rmSync(join(w.deps.config.vault.certDir, 'ca.pem'));
    await assert.rejects(
      w.run(w.acts.preflight, w.input),
      namedFailure('CertificatesMissing', /TLS file .*ca\.pem is missing/),
    );
  });

  it('a missing private key: CertificatesMissing, unless the worker is given only ca.pem and fullchain.pem', async () => {
    const w = fakeWorld();
    w.swarm.autolocked = true;
    rmSync(join(w.deps.config.vault.certDir, 'privkey.pem'));
    await assert.rejects(
      w.run(w.acts.preflight, w.input),
      namedFailure(
        'CertificatesMissing',
        /TLS file .*privkey\.pem is missing \(VAULT_CERT_DIR must hold ca\.pem, fullchain\.pem, privkey\.pem\)/,
      ),
    );
    // The worker stack (VAULT_CERT_DIR_CONTENTS=public): no private key to look for; the two it reads still are.
    const stack = fakeWorld({ certDirHoldsKey: false });
    stack.swarm.autolocked = true;
    rmSync(join(stack.deps.config.vault.certDir, 'privkey.pem'));
    const out = await stack.run(stack.acts.preflight, stack.input);
    assert.equal(
      out.summary,
      'stack files, TLS files (ca.pem, fullchain.pem: this worker is given no private key), swarm, iklimco-net and custody are usable',
    );
    rmSync(join(stack.deps.config.vault.certDir, 'fullchain.pem'));
    await assert.rejects(
      stack.run(stack.acts.preflight, stack.input),
      namedFailure(
        'CertificatesMissing',
        /fullchain\.pem is missing \(VAULT_CERT_DIR must hold ca\.pem, fullchain\.pem\)/,
      ),
    );
  });

  it('no swarm, or no overlay network: retryable, with the command that fixes it', async () => {
    const w = fakeWorld();
    w.swarm.active = false;
    await assert.rejects(w.run(w.acts.preflight, w.input), retryableError(/docker swarm init/));
    w.swarm.active = true;
    w.swarm.networks.clear();
    await assert.rejects(
      w.run(w.acts.preflight, w.input),
      retryableError(/overlay network iklimco-net does not exist \(docker network create/),
    );
  });

  it('custody that cannot be written: CustodyNotWritable', async () => {
    const w = fakeWorld();
    w.custody.writable = false;
    await assert.rejects(w.run(w.acts.preflight, w.input), namedFailure('CustodyNotWritable'));
  });
});
