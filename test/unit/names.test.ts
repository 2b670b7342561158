/**
 * Names built from the stack name (issue 10, item 8): validated at every entry (configuration, the client's
 * `--stack`, every activity's input), ids that name one kind and one stack, and secret names refused up front
 * when they would exceed Swarm's 64-character limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNodeAgentActivities } from '../../src/activities';
import { resolveStack } from '../../src/client/args';
import { loadClientConfig } from '../../src/config/client';
import { ConfigError } from '../../src/shared/errors';
import { validateStackName } from '../../src/shared/names';
import * as ids from '../../src/shared/workflow-ids';
import { healthWorkflowIds } from '../../src/shared/workflow-ids';
import { fakeWorld } from '../support/fakes';
import { namedFailure } from '../support/failures';

/** For `assert.throws`: an `InvalidConfig` ConfigError whose message matches. */
function namedConfigError(message: RegExp): (err: unknown) => true {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.type, 'InvalidConfig');
    assert.match(err.message, message);
    return true;
  };
}

describe('names', () => {
  it('health ids: no id of one stack equals or prefixes an id of another (x, watch-x, event-x, x-1)', () => {
    const stacks = ['x', 'watch-x', 'event-x', 'x-1', 'health-x'];
    const all = stacks.flatMap((stack) =>
      Object.entries(healthWorkflowIds(stack))
        .filter(([kind]) => kind !== 'scheduled')
        .map(([kind, id]) => ({ stack, kind, id })),
    );
    // A scheduled run's id is `<scheduled>-<RFC 3339 time>` (the server appends it): no workflow of another stack.
    for (const a of stacks) {
      const run = `${healthWorkflowIds(a).scheduled}-2026-11-29T17:00:00Z`;
      for (const b of all)
        if (a !== b.stack)
          assert.notEqual(b.id, run, `${b.kind} of ${b.stack} is a scheduled run id of ${a}`);
    }
    assert.equal(healthWorkflowIds('x').watcher, 'vault-health-watch:x');
    assert.notEqual(healthWorkflowIds('watch-x').scheduled, healthWorkflowIds('x').watcher);
    for (const a of all)
      for (const b of all)
        if (a.stack !== b.stack)
          assert.notEqual(a.id, b.id, `${a.kind} of ${a.stack} vs ${b.kind} of ${b.stack}`);
  });

  it('every workflow and schedule id, as running workflows and schedules already carry them', () => {
    assert.equal(ids.bootstrapWorkflowId('s1'), 'vault-bootstrap-s1');
    assert.deepEqual(ids.healthWorkflowIds('s1'), {
      schedule: 'vault-health:s1',
      scheduled: 'vault-health:s1',
      watcher: 'vault-health-watch:s1',
      event: 'vault-health-event-s1',
    });
    assert.deepEqual(ids.legacyHealthWorkflowIds('s1'), {
      schedule: 'vault-health-s1',
      watcher: 'vault-health-watch-s1',
    });
    assert.equal(ids.holdWorkflowId('s1'), 'vault-hold:s1');
    assert.equal(ids.releaseCheckWorkflowId('s1', '0123456789abcdef'), 'vault-health-release:s1-01234567');
    const backup = ids.backupWorkflowIds('s1');
    assert.equal(backup.backupSchedule, 'vault-backup:s1');
    assert.equal(backup.drillSchedule, 'vault-drill:s1');
    assert.equal(backup.backupNow(1700000000000), 'vault-backup-now:s1:1700000000000');
    assert.equal(backup.drillNow(1700000000000), 'vault-drill-now:s1:1700000000000');
    assert.equal(backup.drill, 'vault-drill-run:s1');
    assert.equal(ids.restoreWorkflowId('s1'), 'vault-restore:s1');
    const at = new Date('2026-01-02T03:04:05.678Z');
    assert.equal(ids.breakGlassWorkflowId('s1', at), 'vault-break-glass:s1:2026-01-02T03:04:05.678Z');
  });

  it('an activity input with stack "../x" is refused (InvalidConfig) before anything is read', async () => {
    const w = fakeWorld();
    await assert.rejects(
      w.run(w.acts.checkVaultHealth, { stack: '../x' }),
      namedFailure('InvalidConfig', /^stack: expected a name of letters/),
    );
    await assert.rejects(w.run(w.acts.preflight, { stack: 'a/b' }), namedFailure('InvalidConfig'));
    await assert.rejects(
      w.run(w.acts.waitForVaultTaskStart, { stack: 'x:y', maxWaitSeconds: 1 }),
      namedFailure('InvalidConfig'),
    );
    // The node agent's activities check the name too; listSwarmNodes names no stack and is not refused.
    const agent = createNodeAgentActivities({
      swarm: w.swarm,
      clock: w.clock,
      metrics: w.metrics,
      holds: w.holds,
    });
    await assert.rejects(
      w.run(agent.signalVaultContainer, {
        stack: '../x',
        node: 'vault-1',
        containerId: 'c',
        signal: 'SIGHUP',
      }),
      namedFailure('InvalidConfig'),
    );
    assert.ok(Array.isArray(await w.run(w.acts.listSwarmNodes)));
  });

  it('a stack whose secret names exceed 64 characters: NameTooLong before any secret is created', async () => {
    const stack = 's'.repeat(48); // `<stack>_vault_unseal_key_v1` is 68 characters
    const w = fakeWorld({ stack });
    await assert.rejects(
      w.run(w.acts.ensurePlaceholderSecret, w.input),
      namedFailure('NameTooLong', /exceed Swarm's 64-character limit/),
    );
    assert.deepEqual(w.swarm.secretNames(), []);
  });

  it('the client refuses the same names for --stack and VAULT_BOOTSTRAP_STACK', () => {
    const config = loadClientConfig({ VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key' });
    assert.throws(() => resolveStack('../x', config), ConfigError);
    assert.throws(() => resolveStack('l'.repeat(48), config), /--stack: .*64-character/);
    assert.throws(
      () =>
        loadClientConfig({
          VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
          VAULT_BOOTSTRAP_STACK: 'l'.repeat(48),
        }),
      /VAULT_BOOTSTRAP_STACK: .*64-character/,
    );
  });

  // Issue 27, item 3 (b): a stack called `<x>-drill` is the name a drill of `<x>` takes for its throwaway stack
  // and removes; refused at every entry, so no real stack can be taken for one (and removed by a drill).
  it('a stack name ending in the drill suffix is refused (InvalidConfig), whatever the entry', () => {
    assert.throws(
      () => validateStackName('prod-drill'),
      namedConfigError(
        /^stack: expected a name that does not end in "-drill" \(reserved for the restore drill's throwaway stacks\), got "prod-drill"$/,
      ),
    );
    assert.equal(validateStackName('drill'), 'drill');
    assert.equal(validateStackName('prod-drills'), 'prod-drills');
    const config = loadClientConfig({ VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key' });
    assert.throws(() => resolveStack('prod-drill', config), /--stack: .*-drill/);
    assert.throws(
      () =>
        loadClientConfig({
          VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
          VAULT_BOOTSTRAP_STACK: 'prod-drill',
        }),
      /VAULT_BOOTSTRAP_STACK: .*-drill/,
    );
  });
});
