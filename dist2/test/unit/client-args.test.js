"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The command line's grammar and exit codes, without a Temporal server: every command parses to what its
 * file runs, and bad usage is a named UsageError (exit code 2) before any configuration is read.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const client_1 = require("../../src/client");
const args_1 = require("../../src/client/args");
const backup_1 = require("../../src/client/commands/backup");
const schedule_1 = require("../../src/client/commands/schedule");
const status_1 = require("../../src/client/commands/status");
const config_1 = require("../../src/config");
const temporal_1 = require("../../src/temporal");
function command(argv) {
    const parsed = (0, args_1.parseCommandLine)(argv);
    strict_1.default.equal(parsed.kind, 'run', `expected a command from ${argv.join(' ')}`);
    return parsed;
}
function expectUsageError(argv, message) {
    strict_1.default.throws(() => (0, args_1.parseCommandLine)(argv), (err) => {
        strict_1.default.ok(err instanceof args_1.UsageError, `expected UsageError, got ${String(err)}`);
        strict_1.default.match(err.message, message);
        strict_1.default.equal((0, client_1.exitCodeOf)(err), 2);
        return true;
    });
}
(0, node_test_1.describe)('client arguments', () => {
    (0, node_test_1.it)('parse bootstrap with its flags', () => {
        strict_1.default.deepEqual(command(['bootstrap']).command, { name: 'bootstrap', stack: undefined, wait: false });
        strict_1.default.deepEqual(command(['bootstrap', '--stack', 'iklimco', '--wait']).command, {
            name: 'bootstrap',
            stack: 'iklimco',
            wait: true,
        });
        strict_1.default.deepEqual(command(['--wait', 'bootstrap', '--stack=s1']).command, {
            name: 'bootstrap',
            stack: 's1',
            wait: true,
        });
    });
    (0, node_test_1.it)('parse status and verify, ignoring flags that belong to other commands', () => {
        strict_1.default.deepEqual(command(['status', '--stack', 'a', '--wait']).command, { name: 'status', stack: 'a' });
        strict_1.default.deepEqual(command(['verify']).command, { name: 'verify', stack: undefined, json: false });
        strict_1.default.deepEqual(command(['verify', '--json', '--stack', 'b']).command, {
            name: 'verify',
            stack: 'b',
            json: true,
        });
    });
    (0, node_test_1.it)('parse every schedule action, and each has its own implementation', () => {
        for (const action of args_1.SCHEDULE_ACTIONS) {
            strict_1.default.deepEqual(command(['schedule', action, '--stack', 'x']).command, {
                name: 'schedule',
                stack: 'x',
                action,
            });
        }
        strict_1.default.deepEqual(Object.keys(schedule_1.SCHEDULE_COMMANDS).sort(), [...args_1.SCHEDULE_ACTIONS].sort());
    });
    (0, node_test_1.it)('parse hold (a one-line --reason is required) and release, each with an optional --by', () => {
        strict_1.default.deepEqual(command(['hold', '--reason', '  disk swap\n on node 2 ', '--by', 'ana']).command, {
            name: 'hold',
            stack: undefined,
            reason: 'disk swap on node 2',
            by: 'ana',
        });
        strict_1.default.deepEqual(command(['release', '--stack', 's1']).command, {
            name: 'release',
            stack: 's1',
            by: undefined,
        });
        expectUsageError(['hold'], /^hold needs --reason: what the operator is doing, 1 to 200 characters\nusage: /);
        expectUsageError(['hold', '--reason', '   '], /^hold needs --reason/);
        expectUsageError(['hold', '--reason', 'x'.repeat(201)], /^hold needs --reason/);
    });
    (0, node_test_1.it)('parse backup now and backup drill, each with --wait', () => {
        strict_1.default.deepEqual(command(['backup', 'now', '--stack', 's1', '--wait']).command, {
            name: 'backup',
            stack: 's1',
            action: 'now',
            wait: true,
        });
        strict_1.default.deepEqual(command(['backup', 'drill']).command, {
            name: 'backup',
            stack: undefined,
            action: 'drill',
            wait: false,
        });
        strict_1.default.deepEqual(command(['backup', 'drill', '--wait', '--stack=s2']).command, {
            name: 'backup',
            stack: 's2',
            action: 'drill',
            wait: true,
        });
    });
    (0, node_test_1.it)('parse every backup schedule action, and each has its own implementation', () => {
        for (const action of args_1.SCHEDULE_ACTIONS) {
            strict_1.default.deepEqual(command(['backup', 'schedule', action, '--stack', 'x']).command, {
                name: 'backup',
                stack: 'x',
                action: 'schedule',
                scheduleAction: action,
            });
        }
        strict_1.default.deepEqual(Object.keys(backup_1.BACKUP_SCHEDULE_COMMANDS).sort(), [...args_1.SCHEDULE_ACTIONS].sort());
    });
    (0, node_test_1.it)('name a missing or unknown backup action, and a missing or unknown backup schedule action', () => {
        expectUsageError(['backup'], /^backup needs one of now, schedule, drill\nusage: /);
        expectUsageError(['backup', 'later'], /^backup needs one of now, schedule, drill, not "later"\nusage: /);
        expectUsageError(['backup', 'schedule'], /^backup schedule needs one of create, describe, pause, unpause, trigger, delete\nusage: /);
        expectUsageError(['backup', 'schedule', 'list', '--stack', 'x'], /^backup schedule needs one of create, describe, pause, unpause, trigger, delete, not "list"\nusage: /);
        // The schedule action comes after `schedule`: `backup create` is no shortcut.
        expectUsageError(['backup', 'create'], /^backup needs one of now, schedule, drill, not "create"/);
    });
    (0, node_test_1.it)('answer --help with the usage and exit 0, and nothing with the usage and exit 2', () => {
        strict_1.default.deepEqual((0, args_1.parseCommandLine)(['--help']), { kind: 'usage', exitCode: 0 });
        strict_1.default.deepEqual((0, args_1.parseCommandLine)(['-h', 'bootstrap']), { kind: 'usage', exitCode: 0 });
        strict_1.default.deepEqual((0, args_1.parseCommandLine)([]), { kind: 'usage', exitCode: 2 });
        strict_1.default.deepEqual((0, args_1.parseCommandLine)(['--stack', 'a']), { kind: 'usage', exitCode: 2 });
    });
    (0, node_test_1.it)('name what is wrong in bad usage, followed by the usage text', () => {
        expectUsageError(['launch'], /^unknown command "launch"\nusage: vault-bootstrap /);
        expectUsageError(['bootstrap', '--bogus'], /Unknown option '--bogus'/);
        expectUsageError(['bootstrap', '--stack'], /Option '--stack <value>' argument missing/);
        expectUsageError(['bootstrap', '--wait=yes'], /Option '--wait' does not take an argument/);
        expectUsageError(['schedule'], /^schedule needs one of create, describe, pause, unpause, trigger, delete\nusage: /);
        expectUsageError(['schedule', 'list'], /^schedule needs one of create, describe, pause, .*, not "list"\n/);
        // Resuming is a plain re-run (every step observes first); there is no option to skip steps.
        expectUsageError(['bootstrap', '--from-step', 'joinPeers'], /Unknown option '--from-step'/);
    });
    (0, node_test_1.it)('take the stack from --stack, else VAULT_BOOTSTRAP_STACK, and name --stack when it is bad', () => {
        const config = (0, config_1.loadClientConfig)({ VAULT_BOOTSTRAP_STACK: 'fromenv' });
        strict_1.default.equal((0, args_1.resolveStack)(command(['status']).command, config), 'fromenv');
        strict_1.default.equal((0, args_1.resolveStack)(command(['status', '--stack', 'flag']).command, config), 'flag');
        strict_1.default.throws(() => (0, args_1.resolveStack)(command(['bootstrap', '--stack', 'no spaces']).command, config), (err) => err instanceof config_1.ConfigError && err.setting === '--stack' && /expected a name/.test(err.message));
    });
});
(0, node_test_1.describe)('client exit codes', () => {
    (0, node_test_1.it)('are 2 for usage, configuration and an unreachable server, 1 for anything else', () => {
        strict_1.default.equal((0, client_1.exitCodeOf)(new args_1.UsageError('x')), 2);
        strict_1.default.equal((0, client_1.exitCodeOf)(new config_1.ConfigError('TEMPORAL_ADDRESS', 'host:port', 'x')), 2);
        const config = (0, config_1.loadClientConfig)({});
        strict_1.default.equal((0, client_1.exitCodeOf)(new temporal_1.TemporalUnreachableError(config.temporal, new Error('refused'))), 2);
        strict_1.default.equal((0, client_1.exitCodeOf)(new Error('workflow not found')), 1);
        strict_1.default.equal((0, client_1.exitCodeOf)('a string'), 1);
    });
    (0, node_test_1.it)('of status are 1 only for a run that ended badly', () => {
        for (const s of ['FAILED', 'TERMINATED', 'TIMED_OUT'])
            strict_1.default.equal((0, status_1.statusExitCode)(s), 1, s);
        for (const s of ['RUNNING', 'COMPLETED', 'CANCELLED', 'CONTINUED_AS_NEW']) {
            strict_1.default.equal((0, status_1.statusExitCode)(s), 0, s);
        }
    });
    (0, node_test_1.it)('main prints the usage without reading configuration or connecting', async (t) => {
        const printed = [];
        t.mock.method(console, 'log', (line) => printed.push(line));
        // A configuration that would fail to load proves main returns before reading it.
        const bad = { VAULT_HEALTH_INTERVAL: 'often' };
        strict_1.default.equal(await (0, client_1.main)(['--help'], bad), 0);
        strict_1.default.equal(await (0, client_1.main)([], bad), 2);
        strict_1.default.deepEqual(printed, [args_1.USAGE, args_1.USAGE]);
    });
    (0, node_test_1.it)('main rejects bad usage before configuration, and bad configuration before connecting', async () => {
        await strict_1.default.rejects((0, client_1.main)(['launch'], { VAULT_HEALTH_INTERVAL: 'often' }), args_1.UsageError);
        await strict_1.default.rejects((0, client_1.main)(['schedule'], { VAULT_HEALTH_INTERVAL: 'often' }), args_1.UsageError);
        await strict_1.default.rejects((0, client_1.main)(['backup', 'schedule'], { VAULT_BACKUP_INTERVAL: 'often' }), args_1.UsageError);
        await strict_1.default.rejects((0, client_1.main)(['status'], { VAULT_HEALTH_INTERVAL: 'often' }), (err) => err instanceof config_1.ConfigError && err.setting === 'VAULT_HEALTH_INTERVAL');
        await strict_1.default.rejects((0, client_1.main)(['backup', 'schedule', 'create'], { VAULT_DRILL_INTERVAL: 'daily' }), (err) => err instanceof config_1.ConfigError && err.setting === 'VAULT_DRILL_INTERVAL');
        // An unreachable address would take the connect timeout: a bad --stack must fail first.
        await strict_1.default.rejects((0, client_1.main)(['status', '--stack', 'no spaces'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }), (err) => err instanceof config_1.ConfigError && err.setting === '--stack');
    });
});
//# sourceMappingURL=client-args.test.js.map