/**
 * The command line's grammar, help and exit codes, without a Temporal server: every command parses to what its
 * runner takes, every flag or word a command does not take is refused by name (exit code 2) before any
 * configuration is read, and the help and the README's tables are derived from the one table of commands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { errorText, exitCodeOf, main, RUNS } from '../../src/client';
import { parseCommandLine, resolveStack, UsageError, withGlobalFlags } from '../../src/client/args';
import type { Invocation } from '../../src/client/args';
import { SCHEDULE_COMMANDS } from '../../src/client/commands/schedule';
import { statusExitCode } from '../../src/client/commands/status';
import { confirmed } from '../../src/client/confirm';
import { commandName, COMMANDS, EXIT, FLAGS, SCHEDULE_ACTIONS } from '../../src/client/grammar';
import { commandHelp, commandsMarkdown, exitCodesMarkdown, toolHelp } from '../../src/client/help';
import { RunWatch, WaitTimedOutError } from '../../src/client/wait';
import { loadClientConfig } from '../../src/config/client';
import { ConfigError } from '../../src/shared/errors';
import { TemporalUnreachableError } from '../../src/temporal';
import { REPO } from '../support/testbed';

type Run = Invocation & { kind: 'run' };

function command(argv: string[]): Run {
  const parsed = parseCommandLine(argv);
  assert.equal(parsed.kind, 'run', `expected a command from ${argv.join(' ')}`);
  return parsed;
}

function expectUsageError(argv: string[], message: RegExp, helpOf?: string): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected UsageError from ${argv.join(' ')}, got ${String(err)}`);
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/, 'one line');
      assert.equal(exitCodeOf(err), EXIT.usage);
      if (helpOf !== undefined) assert.equal(err.hint, `see 'vault-bootstrap ${helpOf} --help'`);
      return true;
    },
  );
}

const runnable = COMMANDS.filter((c) => !c.group);

describe('client grammar: what each command takes', () => {
  it('parses bootstrap with its flags, in any order, global flags before or after', () => {
    const c = command(['-o', 'json', 'bootstrap', '--stack', 'iklimco', '--wait', '--timeout', '1h30m']);
    assert.equal(c.command, 'bootstrap');
    assert.deepEqual(c.values, {
      wait: true,
      yes: false,
      rollback: false,
      ttlSeconds: 900,
      stack: 'iklimco',
      timeoutMs: 5_400_000,
    });
    assert.deepEqual(c.globals, { output: 'json' });
    const d = command(['bootstrap', '--stack=iklimco', '--address', 'temporal:7233', '--output=text']);
    assert.deepEqual(d.globals, { output: 'text', address: 'temporal:7233' });
  });

  it('knows every command, and every runnable one has a runner (and nothing else does)', () => {
    const names = runnable.map(commandName);
    assert.deepEqual(Object.keys(RUNS).sort(), names.filter((n) => n !== 'doctor').sort());
    for (const name of names) {
      const spec = runnable.find((c) => commandName(c) === name)!;
      const argv = [...spec.words];
      if (spec.required?.includes('reason')) argv.push('--reason', 'disk swap');
      if (spec.required?.includes('snapshot')) argv.push('--snapshot', 's-20261130T120000Z.snap');
      if (spec.rest) argv.push('--', 'vault', 'status');
      assert.equal(command(argv).command, name, name);
    }
    assert.deepEqual(Object.keys(SCHEDULE_COMMANDS).sort(), [...SCHEDULE_ACTIONS].sort());
  });

  it('refuses words a command does not take: `bootstrap status` starts nothing', () => {
    expectUsageError(['bootstrap', 'status'], /^bootstrap takes no word "status"$/, 'bootstrap');
    expectUsageError(['status', 'now'], /^status takes no word "now"$/, 'status');
    expectUsageError(['backup', 'now', 'please'], /^backup now takes no word "please"$/, 'backup now');
    expectUsageError(
      ['root-token', 'rotate'],
      /^unknown root-token command "rotate": one of revoke$/,
      'root-token',
    );
  });

  it('refuses flags a command does not take, named', () => {
    expectUsageError(['release', '--reason', 'x'], /^release does not take --reason$/, 'release');
    expectUsageError(['status', '--ttl', '5m', '--json'], /^status does not take --ttl$/, 'status');
    expectUsageError(['status', '--wait'], /^status does not take --wait$/, 'status');
    expectUsageError(['verify', '--yes'], /^verify does not take --yes$/, 'verify');
    expectUsageError(['schedule', 'create', '--yes'], /^schedule create does not take --yes$/);
    expectUsageError(['backup', 'list', '--wait'], /^backup list does not take --wait$/);
    expectUsageError(['root-token', 'revoke', '--ttl', '1m'], /^root-token revoke does not take --ttl$/);
    expectUsageError(['exec', '--wait', '--', 'ls'], /^exec does not take --wait$/);
    // Resuming is a plain re-run (every step observes first); there is no option to skip steps.
    expectUsageError(['bootstrap', '--from-step', 'joinPeers'], /^unknown flag --from-step$/, 'bootstrap');
    expectUsageError(['bootstrap', '-x'], /^unknown flag -x$/);
    expectUsageError(['bootstrap', '--wait=yes'], /^unknown flag --wait=yes$/);
  });

  it('refuses a flag given twice, a value missing or empty', () => {
    expectUsageError(['status', '--stack', 'a', '--stack', 'b'], /^--stack given twice$/, 'status');
    expectUsageError(['status', '-o', 'json', '--output', 'text'], /^--output given twice$/);
    expectUsageError(['bootstrap', '--wait', '--wait'], /^--wait given twice$/);
    expectUsageError(['bootstrap', '--stack'], /^--stack needs a value$/);
    expectUsageError(['bootstrap', '--stack', '--wait'], /^--stack needs a value$/);
    expectUsageError(['bootstrap', '--stack='], /^--stack needs a value, not an empty one$/);
    expectUsageError(['status', '--address', ''], /^--address needs a value, not an empty one$/);
    expectUsageError(['status', '--namespace='], /^--namespace needs a value, not an empty one$/);
    expectUsageError(['status', '--ui-url', ' '], /^--ui-url needs a value, not an empty one$/);
    expectUsageError(['status', '--profile='], /^--profile needs a value, not an empty one$/);
  });

  it('checks values: output, durations, ttl, reason, snapshot, accessor', () => {
    expectUsageError(['status', '-o', 'yaml'], /^--output "yaml": expected text or json$/);
    expectUsageError(
      ['bootstrap', '--wait', '--timeout', '10'],
      /^--timeout "10": expected a duration like 90s/,
    );
    expectUsageError(['bootstrap', '--wait', '--timeout', '0s'], /not 0$/);
    expectUsageError(['bootstrap', '--timeout', '5m'], /^--timeout needs --wait/);
    assert.equal(command(['root-token', '--ttl', '1.5h']).values.ttlSeconds, 5400);
    assert.equal(command(['root-token', '--ttl', '1h30m']).values.ttlSeconds, 5400);
    assert.equal(command(['root-token', '--ttl', '90s']).values.ttlSeconds, 90);
    assert.equal(command(['root-token']).values.ttlSeconds, 900);
    for (const bad of ['5s', '25h', '90', '1.5s', 'soon'])
      expectUsageError(['root-token', '--ttl', bad], /^--ttl ".*": expected whole seconds from 10s to 24h/);
    assert.equal(
      command(['hold', '--reason', '  disk swap\n on node 2 ']).values.reason,
      'disk swap on node 2',
    );
    expectUsageError(['hold'], /^hold needs --reason TEXT$/, 'hold');
    expectUsageError(['hold', '--reason', '   '], /^--reason needs a value, not an empty one$/);
    expectUsageError(
      ['hold', '--reason', 'x'.repeat(201)],
      /^--reason: what the operator is doing, 1 to 200/,
    );
    expectUsageError(['restore'], /^restore needs --snapshot FILE$/, 'restore');
    for (const path of [
      '/mnt/x/s-20261130T120000Z.snap',
      '../s-20261130T120000Z.snap',
      'a/s-20261130T120000Z.snap',
      '.s-20261130T120000Z.snap',
      's.snap',
      '..',
    ])
      expectUsageError(
        ['restore', '--snapshot', path],
        /^--snapshot ".*": expected a snapshot's file name .* no path/,
      );
    assert.equal(
      command(['restore', '--snapshot', 'iklimco-20261130T120000Z.snap']).values.snapshot,
      'iklimco-20261130T120000Z.snap',
    );
    expectUsageError(
      ['root-token', 'revoke', '--accessor', 'a b'],
      /^--accessor "a b": expected a token accessor$/,
    );
    assert.equal(
      command(['root-token', 'revoke', '--accessor', 'Xy3k.Q0_L-d']).values.accessor,
      'Xy3k.Q0_L-d',
    );
  });

  it('keeps --json of verify as a deprecated -o json, and refuses both at once', () => {
    assert.deepEqual(command(['verify', '--json']).globals, { output: 'json' });
    expectUsageError(['verify', '--json', '-o', 'json'], /^--json is -o json: give one of them$/);
  });

  it('names a group without its command, and an unknown one', () => {
    expectUsageError(['launch'], /^unknown command "launch"$/);
    expectUsageError(
      ['schedule'],
      /^schedule needs one of create, describe, pause, unpause, trigger, delete$/,
      'schedule',
    );
    expectUsageError(
      ['schedule', 'list'],
      /^unknown schedule command "list": one of create, describe, pause/,
    );
    expectUsageError(['backup'], /^backup needs one of now, list, drill, schedule$/, 'backup');
    expectUsageError(
      ['backup', 'schedule'],
      /^backup schedule needs one of create, describe, pause/,
      'backup schedule',
    );
    // The schedule action comes after `schedule`: `backup create` is no shortcut.
    expectUsageError(
      ['backup', 'create'],
      /^unknown backup command "create": one of now, list, drill, schedule$/,
    );
    expectUsageError(['credentials'], /^credentials needs one of repair$/);
    expectUsageError(['--bogus'], /^unknown flag --bogus$/);
  });

  it('upgrade takes --image or --rollback', () => {
    assert.equal(command(['upgrade', '--image', 'openbao:2.7.2']).values.image, 'openbao:2.7.2');
    assert.equal(command(['upgrade', '--rollback']).values.rollback, true);
    expectUsageError(['rekey', '--image', 'x'], /^rekey takes no flag --image$|unknown flag|does not take/);
  });

  it('upgrade --node-timeout: whole seconds from 30s to 1h', () => {
    assert.equal(command(['upgrade', '--rollback', '--node-timeout', '90s']).values.nodeTimeoutMs, 90_000);
    assert.equal(command(['upgrade', '--image', 'openbao:2.7.2']).values.nodeTimeoutMs, undefined);
    for (const bad of ['10s', '2h', '1.5s', 'soon'])
      expectUsageError(
        ['upgrade', '--rollback', '--node-timeout', bad],
        /^--node-timeout .*: expected whole seconds from 30s to 1h/,
      );
  });

  it('exec takes the command after --, required and not empty; nobody else takes --', () => {
    assert.deepEqual(
      command(['exec', '--stack', 's', '--', 'vault', 'operator', 'raft', 'list-peers', '--stack', 'x']).rest,
      ['vault', 'operator', 'raft', 'list-peers', '--stack', 'x'],
    );
    expectUsageError(['exec'], /^exec needs the command to run after --/, 'exec');
    expectUsageError(['exec', '--'], /^exec needs the command to run after --/);
    expectUsageError(['exec', 'vault', 'status'], /^exec takes no word "vault"$/);
    expectUsageError(['status', '--', 'x'], /^status takes nothing after --, got "x"$/);
  });

  it('answers --help, -h and help COMMAND with that command, --version, and nothing with the usage', () => {
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help', words: [] });
    assert.deepEqual(parseCommandLine(['bootstrap', '-h']), { kind: 'help', words: ['bootstrap'] });
    assert.deepEqual(parseCommandLine(['-h', 'backup', 'schedule']), {
      kind: 'help',
      words: ['backup', 'schedule'],
    });
    assert.deepEqual(parseCommandLine(['help', 'root-token', 'revoke']), {
      kind: 'help',
      words: ['root-token', 'revoke'],
    });
    assert.deepEqual(parseCommandLine(['status', '--stack', 'a', '--help']), {
      kind: 'help',
      words: ['status'],
    });
    expectUsageError(['help', 'launch'], /^help: unknown command "launch"$/);
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine([]), { kind: 'usage' });
    assert.deepEqual(parseCommandLine(['--stack', 'a']), { kind: 'usage' });
  });

  it("each command's help is its own: usage, its flags only, examples, the exit codes", () => {
    for (const spec of runnable) {
      const text = commandHelp(spec.words, '1.2.3');
      const name = commandName(spec);
      assert.match(text, new RegExp(`^vault-bootstrap ${name}: `), name);
      assert.match(text, new RegExp(`Usage: vault-bootstrap ${name} `), name);
      for (const f of spec.flags) assert.ok(text.includes(`--${f}`), `${name} --help names --${f}`);
      const own = text.slice(0, text.indexOf('Global flags:'));
      for (const f of Object.keys(FLAGS).filter((f) => !spec.flags.includes(f as never)))
        if (!['output', 'address', 'namespace', 'ui-url', 'profile', 'help', 'version'].includes(f))
          assert.ok(
            !own.includes(`--${f} `) && !own.includes(`--${f}]`),
            `${name} --help does not name --${f}`,
          );
      assert.ok(spec.examples.length > 0, `${name} has an example`);
      for (const e of spec.examples) assert.ok(text.includes(e), `${name}: ${e}`);
      assert.match(text, /Exit codes:\n {2}0 {2}done/);
      if (spec.confirm) assert.ok(spec.flags.includes('yes'), `${name} asks, so it takes --yes`);
    }
    assert.notEqual(commandHelp(['bootstrap'], 'v'), commandHelp(['status'], 'v'));
    assert.match(commandHelp(['backup'], 'v'), /backup list +the stack's snapshots/);
    assert.match(toolHelp('9.9.9'), /^vault-bootstrap 9\.9\.9: /);
  });

  it('the README shows the commands and exit codes as the grammar says', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes(commandsMarkdown()), `README lacks the commands table:\n${commandsMarkdown()}`);
    assert.ok(
      readme.includes(exitCodesMarkdown()),
      `README lacks the exit codes table:\n${exitCodesMarkdown()}`,
    );
  });

  it('takes the stack from --stack, else VAULT_BOOTSTRAP_STACK, and names --stack when it is bad', () => {
    const config = loadClientConfig({ VAULT_BOOTSTRAP_STACK: 'fromenv' });
    assert.equal(resolveStack(command(['status']).values.stack, config), 'fromenv');
    assert.equal(resolveStack(command(['status', '--stack', 'flag']).values.stack, config), 'flag');
    assert.throws(
      () => resolveStack('no spaces', config),
      (err: unknown) =>
        err instanceof ConfigError && err.setting === '--stack' && /expected a name/.test(err.message),
    );
  });
});

describe('client global flags and the environment', () => {
  it('the global flags override the environment, and only what they name', () => {
    const env = { TEMPORAL_ADDRESS: 'a:1', TEMPORAL_NAMESPACE: 'n1', OTHER: 'x' };
    assert.deepEqual(withGlobalFlags(env, {}), env);
    assert.deepEqual(
      withGlobalFlags(env, { address: 'b:2', namespace: 'n2', uiUrl: 'http://ui', profile: 'prod' }),
      {
        TEMPORAL_ADDRESS: 'b:2',
        TEMPORAL_NAMESPACE: 'n2',
        TEMPORAL_UI_URL: 'http://ui',
        TEMPORAL_PROFILE: 'prod',
        OTHER: 'x',
      },
    );
    const config = loadClientConfig(
      withGlobalFlags({ TEMPORAL_ADDRESS: 'a:1' }, { address: 'temporal.example:7233' }),
    );
    assert.equal(config.temporal.address, 'temporal.example:7233');
  });

  it('an empty TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_UI_URL or TEMPORAL_PROFILE is refused by name', () => {
    for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_UI_URL', 'TEMPORAL_PROFILE'])
      assert.throws(
        () => loadClientConfig({ [key]: '' }),
        (err: unknown) =>
          err instanceof ConfigError && err.setting === key && /unset it for the default/.test(err.message),
        key,
      );
  });
});

describe('client exit codes', () => {
  it('map errors: 2 usage and configuration, 5 Temporal unreachable, 4 timed out, 1 anything else', () => {
    const config = loadClientConfig({});
    assert.equal(exitCodeOf(new UsageError('x')), 2);
    assert.equal(exitCodeOf(new ConfigError('TEMPORAL_ADDRESS', 'host:port', 'x')), 2);
    const unreachable = new TemporalUnreachableError(config.temporal, new Error('refused'));
    assert.equal(exitCodeOf(unreachable), 5);
    assert.doesNotMatch(
      unreachable.message,
      /npm run testbed -- up/,
      'no test-bed command for a production operator',
    );
    assert.match(unreachable.message, /Check the address .*TLS/);
    assert.equal(exitCodeOf(new WaitTimedOutError(config, 'wf', 60_000)), 4);
    assert.match(
      new WaitTimedOutError(config, 'wf', 90_000).message,
      /^timed out after 90s waiting for wf; it goes on/,
    );
    assert.equal(exitCodeOf(new Error('workflow not found')), 1);
    assert.equal(exitCodeOf('a string'), 1);
  });

  it('print a usage error as one line and where to read more', () => {
    assert.equal(
      errorText(new UsageError('status does not take --ttl', 'status')),
      "vault-bootstrap: status does not take --ttl\nsee 'vault-bootstrap status --help'",
    );
    assert.equal(
      errorText(new UsageError('unknown command "x"')),
      'vault-bootstrap: unknown command "x"\nsee \'vault-bootstrap --help\'',
    );
  });

  it('of status are 1 only for a run that ended badly', () => {
    for (const s of ['FAILED', 'TERMINATED', 'TIMED_OUT'] as const) assert.equal(statusExitCode(s), 1, s);
    for (const s of ['RUNNING', 'COMPLETED', 'CANCELLED', 'CONTINUED_AS_NEW'] as const)
      assert.equal(statusExitCode(s), 0, s);
  });

  it('main prints help on stdout (0), the usage on stderr for nothing (2), the version, without configuration', async (t) => {
    const out: string[] = [];
    const err: string[] = [];
    t.mock.method(console, 'log', (line: string) => out.push(line));
    t.mock.method(console, 'error', (line: string) => err.push(line));
    // A configuration that would fail to load proves main returns before reading it.
    const bad = { VAULT_HEALTH_INTERVAL: 'often' };
    assert.equal(await main(['--help'], bad), 0);
    assert.equal(await main(['verify', '--help'], bad), 0);
    assert.equal(await main([], bad), 2);
    assert.equal(await main(['--version'], bad), 0);
    const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.deepEqual(out, [
      toolHelp(version),
      commandHelp(['verify'], version),
      `vault-bootstrap ${version}`,
    ]);
    assert.deepEqual(err, [toolHelp(version)]);
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
      main(['status', '--address', 'nowhere'], {}),
      (err: unknown) => err instanceof ConfigError && err.setting === 'TEMPORAL_ADDRESS',
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

  it('a confirmation is refused without a terminal and without --yes, before connecting', async () => {
    // 127.0.0.1:1 would take the connect timeout: the refusal comes first.
    for (const argv of [
      ['restore', '--snapshot', 's-20261130T120000Z.snap'],
      ['schedule', 'delete'],
      ['backup', 'schedule', 'delete'],
    ])
      await assert.rejects(
        main(argv, { TEMPORAL_ADDRESS: '127.0.0.1:1' }),
        (err: unknown) =>
          err instanceof UsageError && /stdin is not a terminal: pass --yes/.test(err.message),
        argv.join(' '),
      );
    const terminal = (answer: string) => {
      const input = Object.assign(new PassThrough(), { isTTY: true });
      setImmediate(() => input.end(`${answer}\n`));
      return { input, output: new PassThrough() };
    };
    assert.equal(await confirmed('restore', 'restore s', false, terminal('y')), true);
    assert.equal(await confirmed('restore', 'restore s', false, terminal('no')), false);
    assert.equal(await confirmed('restore', 'restore s', false, terminal('')), false);
    assert.equal(await confirmed('restore', 'restore s', true, terminal('')), true);
  });
});

describe('client --wait: what the watch of a run says', () => {
  it('says once when no worker polls the queue, and when one does again; each retry attempt once, with its last error', () => {
    const watch = new RunWatch('tq-prod');
    const failing = (attempt: number) => ({
      activityType: { name: 'joinPeers' },
      attempt,
      lastFailure: { message: 'vault-2 did not answer', applicationFailureInfo: { type: null } },
    });
    const lines = [
      watch.lines(0, []),
      watch.lines(0, []),
      watch.lines(undefined, []), // the server did not say (a role without DescribeTaskQueue): nothing
      watch.lines(1, [{ activityType: { name: 'preflight' }, attempt: 1 }]),
      watch.lines(1, [failing(2)]),
      watch.lines(1, [failing(2)]),
      watch.lines(1, [
        {
          activityType: { name: 'joinPeers' },
          attempt: 3,
          lastFailure: { message: 'no key', applicationFailureInfo: { type: 'UnsealKeyUnavailable' } },
        },
      ]),
    ];
    assert.deepEqual(lines, [
      [
        'no worker polls task queue tq-prod: the run waits until one does. Start the worker (the worker stack, ' +
          'init-infra-prod.sh; or npm start) with VAULT_BOOTSTRAP_TASK_QUEUE=tq-prod',
      ],
      [],
      [],
      ['a worker polls task queue tq-prod now'],
      ['joinPeers: attempt 2, last error: vault-2 did not answer'],
      [],
      ['joinPeers: attempt 3, last error: UnsealKeyUnavailable: no key'],
    ]);
  });
});

describe('client Temporal profile', () => {
  it('--profile picks a profile of TEMPORAL_CONFIG_FILE, whose address and namespace the environment overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-profile-'));
    try {
      const file = join(dir, 'temporal.toml');
      writeFileSync(
        file,
        '[profile.default]\naddress = "127.0.0.1:7233"\n\n[profile.prod]\naddress = "temporal.prod:7233"\nnamespace = "ops"\n',
      );
      const env = { TEMPORAL_CONFIG_FILE: file };
      const prod = loadClientConfig(withGlobalFlags(env, { profile: 'prod' })).temporal;
      assert.deepEqual([prod.address, prod.namespace], ['temporal.prod:7233', 'ops']);
      const overridden = loadClientConfig(
        withGlobalFlags({ ...env, TEMPORAL_ADDRESS: 'other:7233' }, { profile: 'prod', namespace: 'n2' }),
      ).temporal;
      assert.deepEqual([overridden.address, overridden.namespace], ['other:7233', 'n2']);
      assert.equal(loadClientConfig(env).temporal.address, '127.0.0.1:7233', 'the default profile');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
