/**
 * The command line's grammar and exit codes, without a Temporal server: every command parses to what its
 * file runs, and bad usage is a named UsageError (exit code 2) before any configuration is read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeOf, main } from '../../src/client';
import { parseCommandLine, resolveStack, SCHEDULE_ACTIONS, USAGE, UsageError } from '../../src/client/args';
import type { Invocation } from '../../src/client/args';
import { SCHEDULE_COMMANDS } from '../../src/client/commands/schedule';
import { statusExitCode } from '../../src/client/commands/status';
import { loadClientConfig } from '../../src/config/client';
import { ConfigError } from '../../src/shared/errors';
import { TemporalUnreachableError } from '../../src/temporal';

function command(argv: string[]): Invocation & { kind: 'run' } {
  const parsed = parseCommandLine(argv);
  assert.equal(parsed.kind, 'run', `expected a command from ${argv.join(' ')}`);
  return parsed;
}

function expectUsageError(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
      assert.match(err.message, message);
      assert.equal(exitCodeOf(err), 2);
      return true;
    },
  );
}

describe('client arguments', () => {
  it('parse bootstrap with its flags', () => {
    assert.deepEqual(command(['bootstrap']).command, { name: 'bootstrap', stack: undefined, wait: false });
    assert.deepEqual(command(['bootstrap', '--stack', 'iklimco', '--wait']).command, {
      name: 'bootstrap',
      stack: 'iklimco',
      wait: true,
    });
    assert.deepEqual(command(['--wait', 'bootstrap', '--stack=s1']).command, {
      name: 'bootstrap',
      stack: 's1',
      wait: true,
    });
  });

  it('parse status and verify, ignoring flags that belong to other commands', () => {
    assert.deepEqual(command(['status', '--stack', 'a', '--wait']).command, { name: 'status', stack: 'a' });
    assert.deepEqual(command(['verify']).command, { name: 'verify', stack: undefined, json: false });
    assert.deepEqual(command(['verify', '--json', '--stack', 'b']).command, {
      name: 'verify',
      stack: 'b',
      json: true,
    });
  });

  it('parse every schedule action, and each has its own implementation', () => {
    for (const action of SCHEDULE_ACTIONS) {
      assert.deepEqual(command(['schedule', action, '--stack', 'x']).command, {
        name: 'schedule',
        stack: 'x',
        action,
      });
    }
    assert.deepEqual(Object.keys(SCHEDULE_COMMANDS).sort(), [...SCHEDULE_ACTIONS].sort());
  });

  it('parse hold (a one-line --reason is required) and release, each with an optional --by', () => {
    assert.deepEqual(command(['hold', '--reason', '  disk swap\n on node 2 ', '--by', 'ana']).command, {
      name: 'hold',
      stack: undefined,
      reason: 'disk swap on node 2',
      by: 'ana',
    });
    assert.deepEqual(command(['release', '--stack', 's1']).command, {
      name: 'release',
      stack: 's1',
      by: undefined,
    });
    expectUsageError(
      ['hold'],
      /^hold needs --reason: what the operator is doing, 1 to 200 characters\nusage: /,
    );
    expectUsageError(['hold', '--reason', '   '], /^hold needs --reason/);
    expectUsageError(['hold', '--reason', 'x'.repeat(201)], /^hold needs --reason/);
  });

  it('parse backup now and backup drill, each with --wait', () => {
    assert.deepEqual(command(['backup', 'now', '--stack', 's1', '--wait']).command, {
      name: 'backup',
      stack: 's1',
      action: 'now',
      wait: true,
    });
    assert.deepEqual(command(['backup', 'drill']).command, {
      name: 'backup',
      stack: undefined,
      action: 'drill',
      wait: false,
    });
    assert.deepEqual(command(['backup', 'drill', '--wait', '--stack=s2']).command, {
      name: 'backup',
      stack: 's2',
      action: 'drill',
      wait: true,
    });
  });

  it('parse every backup schedule action, and each has its own implementation', () => {
    for (const action of SCHEDULE_ACTIONS) {
      assert.deepEqual(command(['backup', 'schedule', action, '--stack', 'x']).command, {
        name: 'backup',
        stack: 'x',
        action: 'schedule',
        scheduleAction: action,
      });
    }
    assert.deepEqual(Object.keys(SCHEDULE_COMMANDS).sort(), [...SCHEDULE_ACTIONS].sort());
  });

  it('name a missing or unknown backup action, and a missing or unknown backup schedule action', () => {
    expectUsageError(['backup'], /^backup needs one of now, schedule, drill\nusage: /);
    expectUsageError(['backup', 'later'], /^backup needs one of now, schedule, drill, not "later"\nusage: /);
    expectUsageError(
      ['backup', 'schedule'],
      /^backup schedule needs one of create, describe, pause, unpause, trigger, delete\nusage: /,
    );
    expectUsageError(
      ['backup', 'schedule', 'list', '--stack', 'x'],
      /^backup schedule needs one of create, describe, pause, unpause, trigger, delete, not "list"\nusage: /,
    );
    // The schedule action comes after `schedule`: `backup create` is no shortcut.
    expectUsageError(['backup', 'create'], /^backup needs one of now, schedule, drill, not "create"/);
  });

  it('answer --help with the usage and exit 0, and nothing with the usage and exit 2', () => {
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'usage', exitCode: 0 });
    assert.deepEqual(parseCommandLine(['-h', 'bootstrap']), { kind: 'usage', exitCode: 0 });
    assert.deepEqual(parseCommandLine([]), { kind: 'usage', exitCode: 2 });
    assert.deepEqual(parseCommandLine(['--stack', 'a']), { kind: 'usage', exitCode: 2 });
  });

  it('name what is wrong in bad usage, followed by the usage text', () => {
    expectUsageError(['launch'], /^unknown command "launch"\nusage: vault-bootstrap /);
    expectUsageError(['bootstrap', '--bogus'], /Unknown option '--bogus'/);
    expectUsageError(['bootstrap', '--stack'], /Option '--stack <value>' argument missing/);
    expectUsageError(['bootstrap', '--wait=yes'], /Option '--wait' does not take an argument/);
    expectUsageError(
      ['schedule'],
      /^schedule needs one of create, describe, pause, unpause, trigger, delete\nusage: /,
    );
    expectUsageError(
      ['schedule', 'list'],
      /^schedule needs one of create, describe, pause, .*, not "list"\n/,
    );
    // Resuming is a plain re-run (every step observes first); there is no option to skip steps.
    expectUsageError(['bootstrap', '--from-step', 'joinPeers'], /Unknown option '--from-step'/);
  });

  it('take the stack from --stack, else VAULT_BOOTSTRAP_STACK, and name --stack when it is bad', () => {
    const config = loadClientConfig({ VAULT_BOOTSTRAP_STACK: 'fromenv' });
    assert.equal(resolveStack(command(['status']).command, config), 'fromenv');
    assert.equal(resolveStack(command(['status', '--stack', 'flag']).command, config), 'flag');
    assert.throws(
      () => resolveStack(command(['bootstrap', '--stack', 'no spaces']).command, config),
      (err: unknown) =>
        err instanceof ConfigError && err.setting === '--stack' && /expected a name/.test(err.message),
    );
  });
});

describe('client exit codes', () => {
  it('are 2 for usage, configuration and an unreachable server, 1 for anything else', () => {
    assert.equal(exitCodeOf(new UsageError('x')), 2);
    assert.equal(exitCodeOf(new ConfigError('TEMPORAL_ADDRESS', 'host:port', 'x')), 2);
    const config = loadClientConfig({});
    assert.equal(exitCodeOf(new TemporalUnreachableError(config.temporal, new Error('refused'))), 2);
    assert.equal(exitCodeOf(new Error('workflow not found')), 1);
    assert.equal(exitCodeOf('a string'), 1);
  });

  it('of status are 1 only for a run that ended badly', () => {
    for (const s of ['FAILED', 'TERMINATED', 'TIMED_OUT'] as const) assert.equal(statusExitCode(s), 1, s);
    for (const s of ['RUNNING', 'COMPLETED', 'CANCELLED', 'CONTINUED_AS_NEW'] as const) {
      assert.equal(statusExitCode(s), 0, s);
    }
  });

  it('main prints the usage without reading configuration or connecting', async (t) => {
    const printed: string[] = [];
    t.mock.method(console, 'log', (line: string) => printed.push(line));
    // A configuration that would fail to load proves main returns before reading it.
    const bad = { VAULT_HEALTH_INTERVAL: 'often' };
    assert.equal(await main(['--help'], bad), 0);
    assert.equal(await main([], bad), 2);
    assert.deepEqual(printed, [USAGE, USAGE]);
  });

  it('main rejects bad usage before configuration, and bad configuration before connecting', async () => {
    await assert.rejects(main(['launch'], { VAULT_HEALTH_INTERVAL: 'often' }), UsageError);
    await assert.rejects(main(['schedule'], { VAULT_HEALTH_INTERVAL: 'often' }), UsageError);
    await assert.rejects(main(['backup', 'schedule'], { VAULT_BACKUP_INTERVAL: 'often' }), UsageError);
    await assert.rejects(
      main(['status'], { VAULT_HEALTH_INTERVAL: 'often' }),
      (err: unknown) => err instanceof ConfigError && err.setting === 'VAULT_HEALTH_INTERVAL',
    );
    await assert.rejects(
      main(['backup', 'schedule', 'create'], { VAULT_DRILL_INTERVAL: 'daily' }),
      (err: unknown) => err instanceof ConfigError && err.setting === 'VAULT_DRILL_INTERVAL',
    );
    // An unreachable address would take the connect timeout: a bad --stack must fail first.
    await assert.rejects(
      main(['status', '--stack', 'no spaces'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }),
      (err: unknown) => err instanceof ConfigError && err.setting === '--stack',
    );
  });
});
