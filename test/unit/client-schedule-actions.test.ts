/**
 * The six schedule actions, written once over the two kinds, against an in-memory Temporal: what each prints,
 * its exit code, and what it leaves on the server (`schedule ACTION` and `backup schedule ACTION`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { OutputFormat, ScheduleAction } from '../../src/client/args';
import { backupSchedule, healthSchedule, schedule } from '../../src/client/commands/schedule';
import type { ScheduleKindName, ScheduleSpec } from '../../src/client/commands/schedule';
import { loadClientConfig } from '../../src/config/client';
import type { Env } from '../../src/config/env';

interface Stored {
  wanted: ScheduleSpec;
  state: { paused: boolean; note?: string };
  triggered: string[];
}

/** The schedules and workflows of one namespace, and the client the commands see of it. */
class FakeTemporal {
  readonly schedules = new Map<string, Stored>();
  readonly workflows = new Map<string, { type: string; options: Record<string, unknown> }>();
  /** Ids another client creates between this one's update and create (a second init-infra-prod.sh). */
  readonly racedBy = new Set<string>();

  private get(id: string): Stored {
    const s = this.schedules.get(id);
    if (!s) throw new ScheduleNotFoundError('schedule not found', id);
    return s;
  }

  client(): Client {
    // As the SDK's: a failure is a rejected promise, never a throw.
    const later = <T>(f: () => T) => new Promise<T>((resolve) => resolve(f()));
    const handle = (id: string) => ({
      describe: () =>
        later(() => ({
          state: this.get(id).state,
          info: { numActionsTaken: 0, numActionsSkippedOverlap: 0, recentActions: [], nextActionTimes: [] },
        })),
      update: (fn: (prev: object) => ScheduleSpec & { state: Stored['state'] }) =>
        later(() => {
          const s = this.get(id);
          const { spec, action, policies, state } = fn({ ...s.wanted, state: s.state });
          Object.assign(s, { wanted: { spec, action, policies }, state });
        }),
      pause: () => later(() => void (this.get(id).state.paused = true)),
      unpause: () => later(() => void (this.get(id).state.paused = false)),
      trigger: (overlap: string) => later(() => void this.get(id).triggered.push(overlap)),
      delete: () => later(() => void (this.get(id) && this.schedules.delete(id))),
    });
    const create = (o: ScheduleSpec & { scheduleId: string; state: { note: string } }) =>
      later(() => {
        const { scheduleId, spec, action, policies, state } = o;
        if (this.racedBy.delete(scheduleId))
          this.put(scheduleId, backupSchedule(loadClientConfig({}), 'other'));
        if (this.schedules.has(scheduleId)) throw new ScheduleAlreadyRunning('already running', scheduleId);
        this.schedules.set(scheduleId, {
          wanted: { spec, action, policies },
          state: { paused: false, ...state },
          triggered: [],
        });
      });
    const workflow = {
      start: (type: { name: string }, options: { workflowId: string }) =>
        later(() => void this.workflows.set(options.workflowId, { type: type.name, options })),
      getHandle: (id: string) => ({
        terminate: () =>
          this.workflows.delete(id)
            ? Promise.resolve()
            : Promise.reject(new Error(`workflow ${id} not found`)),
      }),
    };
    return { schedule: { getHandle: handle, create }, workflow } as unknown as Client;
  }

  /** A schedule made before, by hand or an earlier version. */
  put(id: string, wanted: ScheduleSpec, note = 'made before'): void {
    this.schedules.set(id, { wanted, state: { paused: false, note }, triggered: [] });
  }
}

/** Runs one action as the CLI would; resolves with its exit code and what it printed on stdout and stderr. */
async function run(
  t: TestContext,
  temporal: FakeTemporal,
  kind: ScheduleKindName,
  action: ScheduleAction,
  env: Env = {},
  output: OutputFormat = 'text',
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = t.mock.method(console, 'log', (line: string) => out.push(line));
  const error = t.mock.method(console, 'error', (line: string) => err.push(line));
  try {
    const ctx = {
      client: temporal.client(),
      config: loadClientConfig(env),
      stack: 's1',
      output,
    };
    return { code: await schedule(ctx, kind, action), out, err };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

describe('schedule ACTION (the health check and its watcher)', () => {
  it('create makes the schedule and starts the watcher; again, it updates and keeps it paused', async (t) => {
    const temporal = new FakeTemporal();
    assert.deepEqual(await run(t, temporal, 'health', 'create'), {
      code: 0,
      out: [
        'schedule vault-health:s1: created (every 5m, jitter 30s)',
        'watcher vault-health-watch:s1: running (checks right after a Vault task starts)',
      ],
      err: [],
    });
    const made = temporal.schedules.get('vault-health:s1');
    assert.deepEqual(made?.wanted, healthSchedule(loadClientConfig({}), 's1'));
    assert.deepEqual(made?.state, { paused: false, note: 'Vault health of s1' });
    const watcher = temporal.workflows.get('vault-health-watch:s1');
    assert.equal(watcher?.type, 'WatchVaultTasks');
    assert.deepEqual(watcher?.options.args, [{ stack: 's1' }]);
    assert.equal(watcher?.options.workflowIdConflictPolicy, 'USE_EXISTING');

    assert.deepEqual((await run(t, temporal, 'health', 'pause')).out, ['schedule vault-health:s1: paused']);
    const again = await run(t, temporal, 'health', 'create', { VAULT_HEALTH_INTERVAL: '2s' });
    assert.equal(again.out[0], 'schedule vault-health:s1: updated (every 2s, jitter 30s)');
    assert.deepEqual(made?.wanted.spec, { intervals: [{ every: '2s' }], jitter: '30s' });
    assert.deepEqual(made?.state, { paused: true, note: 'Vault health of s1' }, 'still paused');
  });

  it('describe, trigger and unpause act on the schedule', async (t) => {
    const temporal = new FakeTemporal();
    await run(t, temporal, 'health', 'create');
    const described = await run(t, temporal, 'health', 'describe');
    assert.equal(described.out[0]?.split('\n')[0], 'schedule vault-health:s1: active (Vault health of s1)');
    assert.deepEqual(await run(t, temporal, 'health', 'trigger'), {
      code: 0,
      out: ['schedule vault-health:s1: triggered one run'],
      err: [],
    });
    assert.deepEqual(temporal.schedules.get('vault-health:s1')?.triggered, ['SKIP']);
    assert.deepEqual((await run(t, temporal, 'health', 'unpause')).out, ['schedule vault-health:s1: active']);
  });

  it('delete removes the schedule and watcher, and those of the ids before the `:` separator', async (t) => {
    const temporal = new FakeTemporal();
    await run(t, temporal, 'health', 'create');
    temporal.put('vault-health-s1', healthSchedule(loadClientConfig({}), 's1'));
    temporal.workflows.set('vault-health-watch-s1', { type: 'WatchVaultTasks', options: {} });
    const line = 'schedule vault-health:s1 and watcher vault-health-watch:s1: deleted';
    assert.deepEqual(await run(t, temporal, 'health', 'delete'), { code: 0, out: [line], err: [] });
    assert.deepEqual([...temporal.schedules.keys(), ...temporal.workflows.keys()], []);
    assert.deepEqual(
      await run(t, temporal, 'health', 'delete'),
      { code: 0, out: [line], err: [] },
      'gone already',
    );
  });

  it('describe, pause, unpause and trigger fail when there is no schedule', async (t) => {
    for (const action of ['describe', 'pause', 'unpause', 'trigger'] as const)
      await assert.rejects(run(t, new FakeTemporal(), 'health', action), ScheduleNotFoundError, action);
  });

  it('create updates a schedule another client made between its update and its create', async (t) => {
    const temporal = new FakeTemporal();
    temporal.racedBy.add('vault-health:s1');
    const raced = await run(t, temporal, 'health', 'create');
    assert.equal(raced.out[0], 'schedule vault-health:s1: updated (every 5m, jitter 30s)');
    assert.deepEqual(
      temporal.schedules.get('vault-health:s1')?.wanted,
      healthSchedule(loadClientConfig({}), 's1'),
    );
  });
});

describe('schedule ACTION -o json', () => {
  it('prints one document: the stack and what the action did to each schedule', async (t) => {
    const temporal = new FakeTemporal();
    const created = await run(t, temporal, 'backup', 'create', {}, 'json');
    assert.equal(created.out.length, 1, 'one document');
    assert.deepEqual(JSON.parse(created.out[0]!), {
      stack: 's1',
      schedules: [
        { id: 'vault-backup:s1', outcome: 'created', about: 'a backup every 1h' },
        { id: 'vault-drill:s1', outcome: 'created', about: 'a restore drill every 24h' },
      ],
    });
    await run(t, temporal, 'backup', 'pause', {}, 'json');
    const described = JSON.parse((await run(t, temporal, 'backup', 'describe', {}, 'json')).out[0]!) as {
      schedules: { id: string; state: string; actionsTaken: number }[];
    };
    assert.deepEqual(
      described.schedules.map((d) => [d.id, d.state, d.actionsTaken]),
      [
        ['vault-backup:s1', 'paused', 0],
        ['vault-drill:s1', 'paused', 0],
      ],
    );
  });
});

describe('backup schedule ACTION (the backup and restore-drill schedules)', () => {
  it('create makes both; with VAULT_DRILL_INTERVAL=off it deletes the drill schedule, or says there is none', async (t) => {
    const temporal = new FakeTemporal();
    assert.deepEqual(await run(t, temporal, 'backup', 'create'), {
      code: 0,
      out: [
        'schedule vault-backup:s1: created (a backup every 1h)',
        'schedule vault-drill:s1: created (a restore drill every 24h)',
      ],
      err: [],
    });
    assert.deepEqual(temporal.schedules.get('vault-drill:s1')?.state, {
      paused: false,
      note: 'Restore drills of s1',
    });
    assert.deepEqual((await run(t, temporal, 'backup', 'create', { VAULT_DRILL_INTERVAL: 'off' })).out, [
      'schedule vault-backup:s1: updated (a backup every 1h)',
      'schedule vault-drill:s1: deleted (VAULT_DRILL_INTERVAL=off)',
    ]);
    assert.deepEqual([...temporal.schedules.keys()], ['vault-backup:s1']);
    const off = await run(t, temporal, 'backup', 'create', { VAULT_DRILL_INTERVAL: 'off' });
    assert.equal(off.out[1], 'schedule vault-drill:s1: none (VAULT_DRILL_INTERVAL=off)');
    assert.equal(temporal.workflows.size, 0, 'no watcher');
  });

  it('describe, pause, unpause and delete skip a schedule that is not created, saying so', async (t) => {
    const temporal = new FakeTemporal();
    await run(t, temporal, 'backup', 'create', { VAULT_DRILL_INTERVAL: 'off' });
    const described = await run(t, temporal, 'backup', 'describe');
    assert.equal(described.code, 0);
    assert.equal(described.out[0]?.split('\n')[0], 'schedule vault-backup:s1: active (Backups of s1)');
    assert.equal(described.out[1], 'schedule vault-drill:s1: not created');
    for (const [action, done] of [
      ['pause', 'paused'],
      ['unpause', 'active'],
      ['delete', 'deleted'],
    ] as const)
      assert.deepEqual(await run(t, temporal, 'backup', action), {
        code: 0,
        out: [`schedule vault-backup:s1: ${done}`, 'schedule vault-drill:s1: not created, skipped'],
        err: [],
      });
    assert.equal(temporal.schedules.size, 0);
  });

  it('trigger runs one backup through the schedule; without it, exits 3 (nothing to act on) and says what to do instead', async (t) => {
    const temporal = new FakeTemporal();
    await run(t, temporal, 'backup', 'create');
    assert.deepEqual(await run(t, temporal, 'backup', 'trigger'), {
      code: 0,
      out: ['schedule vault-backup:s1: triggered one backup'],
      err: [],
    });
    assert.deepEqual(temporal.schedules.get('vault-backup:s1')?.triggered, ['SKIP']);
    assert.deepEqual(temporal.schedules.get('vault-drill:s1')?.triggered, [], 'only the backup');
    assert.deepEqual(await run(t, new FakeTemporal(), 'backup', 'trigger'), {
      code: 3,
      out: [],
      err: [
        'vault-bootstrap: schedule vault-backup:s1 is not created, nothing triggered ' +
          '(backup schedule create makes it; backup now runs one without it)',
      ],
    });
  });
});
