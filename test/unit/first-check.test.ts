/**
 * The check a full worker makes as it starts (src/first-check.ts), in memory and outside any activity, as the
 * worker runs it: it reports the stacks whose custody record the worker holds, acts on nothing, and never throws.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { checkAtStart } from '../../src/first-check';
import { WorkerLogger } from '../../src/logging';
import { fakeWorld } from '../support/fakes';
import type { World } from '../support/fakes';
import { servedCertificates } from '../support/certs';

let certDir = '';
let diskFingerprint = '';
before(async () => {
  ({ dir: certDir, fingerprint: diskFingerprint } = await servedCertificates('vbt-first-check-'));
});

async function bootstrapped(stack = 's1', swarm?: World['swarm']): Promise<World> {
  const w = fakeWorld({ certDir, stack, ...(swarm ? { swarm } : {}) });
  w.vault.diskFingerprint = diskFingerprint;
  await w.bootstrapThrough('revokeRootToken');
  return w;
}

/** A logger that keeps its lines. */
function lines(): { log: WorkerLogger; said: string[] } {
  const said: string[] = [];
  return { log: new WorkerLogger('text', 'INFO', (level, line) => said.push(`${level} ${line}`)), said };
}

describe('the check at start', () => {
  it('reports a sealed node at once and leaves it sealed: nothing is remediated', async () => {
    const w = await bootstrapped();
    w.swarm.replaceTask(w.service, 2); // restarted: sealed
    const { log, said } = lines();
    await checkAtStart(w.deps, log);
    const [report, ...more] = w.metrics.reports;
    assert.deepEqual(more, []);
    assert.equal(report?.stack, 's1');
    assert.deepEqual(
      report.nodes.map((n) => `${n.name} sealed=${n.sealed}`),
      ['vault-1 sealed=false', 'vault-2 sealed=true', 'vault-3 sealed=false'],
    );
    assert.deepEqual(report.actions, []);
    assert.deepEqual(w.metrics.actions, []);
    assert.equal(w.vault.node(2).sealed, true, 'vault-2 left sealed');
    assert.match(
      said.join('\n'),
      /INFO .*checked s1 at start in \d+ ms: Degraded \(vault-1 unsealed, vault-2 sealed, vault-3 unsealed\)/,
    );
  });

  it('a hold is read outside an activity, through the holds it is given', async () => {
    const w = await bootstrapped();
    w.holds.held.set('s1', { reason: 'disk swap', since: '2026-12-01T00:00:00.000Z' });
    await checkAtStart(w.deps, lines().log);
    assert.equal(w.metrics.reports[0]?.hold?.reason, 'disk swap');
  });

  it("checks only the stacks whose custody record it holds: another worker's stack on the same swarm is not", async () => {
    const mine = await bootstrapped('s1');
    const theirs = await bootstrapped('s2', mine.swarm);
    assert.deepEqual(await mine.swarm.vaultStacks(), ['s1', 's2']);
    await checkAtStart(mine.deps, lines().log);
    assert.deepEqual(
      mine.metrics.reports.map((r) => r.stack),
      ['s1'],
    );
    assert.deepEqual(theirs.metrics.reports, []);
  });

  it('a stack whose record custody cannot read is skipped and named; the others are checked', async () => {
    const mine = await bootstrapped('s1');
    await bootstrapped('s2', mine.swarm);
    const describe = mine.custody.describe.bind(mine.custody);
    mine.custody.describe = (stack) =>
      stack === 's2' ? Promise.reject(new Error('CustodyCorrupt: s2.json')) : describe(stack);
    const { log, said } = lines();
    await checkAtStart(mine.deps, log);
    assert.match(
      said.join('\n'),
      /WARN vault-bootstrap worker: no check of s2 at start: Error: CustodyCorrupt: s2\.json/,
    );
    assert.deepEqual(
      mine.metrics.reports.map((r) => r.stack),
      ['s1'],
    );
  });

  it('a worker started before its stack exists checks nothing, and says so', async () => {
    const w = fakeWorld({ certDir });
    const { log, said } = lines();
    await checkAtStart(w.deps, log);
    assert.deepEqual(w.metrics.reports, []);
    assert.match(said.join('\n'), /no check at start: no Vault stack here whose custody record it holds/);
  });

  it('a check that fails is logged as a warning and does not throw', async () => {
    const w = await bootstrapped();
    w.deps.config.vault.certDir = mkdtempSync(join(tmpdir(), 'vbt-no-certs-'));
    const { log, said } = lines();
    await checkAtStart(w.deps, log);
    assert.deepEqual(w.metrics.reports, []);
    assert.match(
      said.join('\n'),
      /WARN .*the check of s1 at start failed \(the schedule checks it again\): /,
    );
  });
});
