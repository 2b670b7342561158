"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.validateStackName = exports.ConfigError = void 0;
exports.loadClientConfig = loadClientConfig;
exports.loadWorkerConfig = loadWorkerConfig;
exports.loadWorkerRole = loadWorkerRole;
exports.loadLogFormat = loadLogFormat;
exports.loadNodeAgentConfig = loadNodeAgentConfig;
exports.loadMetricsAddress = loadMetricsAddress;
exports.loadHealthFile = loadHealthFile;
exports.stackNamesFit = stackNamesFit;
exports.unsealSecretBase = unsealSecretBase;
/**
 * The one validated configuration, read once at process start by the worker and the client.
 * Nothing else in the code reads `process.env`; everything receives the typed object below.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const envconfig_1 = require("@temporalio/envconfig");
const constants_1 = require("./shared/constants");
const errors_1 = require("./shared/errors");
const health_1 = require("./shared/health");
const names_1 = require("./shared/names");
var errors_2 = require("./shared/errors");
Object.defineProperty(exports, "ConfigError", { enumerable: true, get: function () { return errors_2.ConfigError; } });
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
function str(env, key, fallback) {
    const v = env[key];
    return v === undefined || v === '' ? fallback : v;
}
function positiveInt(env, key, fallback) {
    const raw = env[key];
    if (raw === undefined || raw === '')
        return fallback;
    if (!/^[0-9]+$/.test(raw) || Number(raw) <= 0)
        throw new errors_1.ConfigError(key, 'a positive integer', raw);
    return Number(raw);
}
/** A whole number of 0 or more (retention counts: 0 turns one kind off). */
function count(env, key, fallback) {
    const raw = env[key];
    if (raw === undefined || raw === '')
        return fallback;
    if (!/^[0-9]+$/.test(raw))
        throw new errors_1.ConfigError(key, 'a whole number of 0 or more', raw);
    return Number(raw);
}
function loadBackupConfig(env, cwd) {
    return {
        dir: (0, node_path_1.resolve)(cwd, str(env, 'VAULT_BACKUP_DIR', '/mnt/storagebox/vault-snapshots')),
        keep: {
            hourly: count(env, 'VAULT_BACKUP_KEEP_HOURLY', 24),
            daily: count(env, 'VAULT_BACKUP_KEEP_DAILY', 7),
            weekly: count(env, 'VAULT_BACKUP_KEEP_WEEKLY', 4),
        },
    };
}
function hostPort(key, raw, expected = 'host:port') {
    const m = /^(\[[^\]]+\]|[^:\s]+):([0-9]{1,5})$/.exec(raw);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535)
        throw new errors_1.ConfigError(key, expected, raw);
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
/** A Docker-compatible name: the stack name is used in service, secret and workflow ids (src/shared/names.ts). */
var names_2 = require("./shared/names");
Object.defineProperty(exports, "validateStackName", { enumerable: true, get: function () { return names_2.validateStackName; } });
function loadTemporalConfig(env) {
    const address = str(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
    hostPort('TEMPORAL_ADDRESS', address);
    const namespace = str(env, 'TEMPORAL_NAMESPACE', 'default');
    if (!NAME_RE.test(namespace))
        throw new errors_1.ConfigError('TEMPORAL_NAMESPACE', 'a namespace name', namespace);
    const taskQueue = str(env, 'VAULT_BOOTSTRAP_TASK_QUEUE', constants_1.DEFAULT_TASK_QUEUE);
    if (!NAME_RE.test(taskQueue))
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_TASK_QUEUE', 'a task queue name', taskQueue);
    const uiUrl = str(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233');
    if (!/^https?:\/\/\S+$/.test(uiUrl))
        throw new errors_1.ConfigError('TEMPORAL_UI_URL', 'an http(s) URL', uiUrl);
    // TLS / API key / profile in the SDK's own env conventions; the config file is off unless a profile is named.
    const overrideEnvVars = {};
    for (const [k, v] of Object.entries(env))
        if (k.startsWith('TEMPORAL_') && v !== undefined)
            overrideEnvVars[k] = v;
    overrideEnvVars.TEMPORAL_ADDRESS = address;
    overrideEnvVars.TEMPORAL_NAMESPACE = namespace;
    let connection;
    try {
        const profile = (0, envconfig_1.loadClientConfigProfile)({
            disableFile: env.TEMPORAL_CONFIG_FILE === undefined && env.TEMPORAL_PROFILE === undefined,
            overrideEnvVars,
        });
        connection = (0, envconfig_1.toClientOptions)(profile).connectionOptions;
    }
    catch (err) {
        throw new errors_1.ConfigError('TEMPORAL_* connection settings', 'a valid Temporal client profile', String(err));
    }
    return { address, namespace, taskQueue, connection, uiUrl };
}
function loadStackConfig(env, cwd) {
    const defaultName = (0, names_1.validateStackName)(str(env, 'VAULT_BOOTSTRAP_STACK', 'iklimco'), 'VAULT_BOOTSTRAP_STACK');
    const files = str(env, 'VAULT_STACK_FILES', 'docker-stack-vault.yml')
        .split(',')
        .map((f) => f.trim())
        .filter((f) => f !== '')
        .map((f) => ((0, node_path_1.isAbsolute)(f) ? f : (0, node_path_1.resolve)(cwd, f)));
    if (files.length === 0)
        throw new errors_1.ConfigError('VAULT_STACK_FILES', 'at least one compose file');
    const unsealSecretTemplate = str(env, 'VAULT_UNSEAL_SECRET_NAME', 'vault_unseal_key');
    if (!/^[a-zA-Z0-9_.{}-]+$/.test(unsealSecretTemplate)) {
        throw new errors_1.ConfigError('VAULT_UNSEAL_SECRET_NAME', 'a secret name, optionally with {stack}', unsealSecretTemplate);
    }
    stackNamesFit({ unsealSecretTemplate }, defaultName, 'VAULT_BOOTSTRAP_STACK');
    const stackDirRoot = env.VAULT_STACK_DIR_ROOT ? (0, node_path_1.resolve)(cwd, env.VAULT_STACK_DIR_ROOT) : undefined;
    const deployEnv = {};
    for (const name of stackFileVariables(files)) {
        const v = env[name];
        if (v !== undefined && !/^(TEMPORAL|DOCKER)_/.test(name))
            deployEnv[name] = v;
    }
    const cliBaseEnv = {};
    for (const name of ['PATH', 'HOME']) {
        const v = env[name];
        if (v !== undefined && v !== '')
            cliBaseEnv[name] = v;
    }
    return {
        defaultName,
        files,
        unsealSecretTemplate,
        dockerCli: str(env, 'DOCKER_CLI', 'docker'),
        stackDirRoot,
        deployEnv,
        cliBaseEnv,
    };
}
/** The variable names the stack files reference (`${NAME...}` or `$NAME`); unreadable files are preflight's to report. */
function stackFileVariables(files) {
    const names = new Set();
    for (const f of files) {
        let text;
        try {
            text = (0, node_fs_1.readFileSync)(f, 'utf8');
        }
        catch {
            continue;
        }
        for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g))
            if (m[1])
                names.add(m[1]);
    }
    return names;
}
function loadVaultConfig(env, cwd) {
    const certDir = (0, node_path_1.resolve)(cwd, str(env, 'VAULT_CERT_DIR', '/opt/iklimco/ssl'));
    if (!(0, node_fs_1.existsSync)(certDir) || !(0, node_fs_1.statSync)(certDir).isDirectory()) {
        throw new errors_1.ConfigError('VAULT_CERT_DIR', 'an existing folder with the Vault TLS files (ca.pem, fullchain.pem)', certDir);
    }
    const caFile = (0, node_path_1.resolve)(cwd, str(env, 'VAULT_CA_FILE', `${certDir}/${constants_1.TLS_FILES.ca}`));
    if (!(0, node_fs_1.existsSync)(caFile))
        throw new errors_1.ConfigError('VAULT_CA_FILE', 'a PEM CA bundle file', caFile);
    const caPem = (0, node_fs_1.readFileSync)(caFile, 'utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new errors_1.ConfigError('VAULT_CA_FILE', 'a PEM file with at least one CERTIFICATE block', caFile);
    }
    const serverNameTemplate = str(env, 'VAULT_TLS_SERVER_NAME', 'vault-{slot}');
    const mode = str(env, 'VAULT_ADDRESSING', 'tunnel');
    let addressing;
    if (mode === 'direct')
        addressing = { mode: 'direct' };
    else if (mode === 'tunnel') {
        const tunnel = str(env, 'VAULT_TUNNEL_ADDRESS', '127.0.0.1:18200');
        addressing = { mode: 'tunnel', ...hostPort('VAULT_TUNNEL_ADDRESS', tunnel) };
    }
    else
        throw new errors_1.ConfigError('VAULT_ADDRESSING', '"tunnel" or "direct"', mode);
    return {
        certDir,
        caFile,
        caPem,
        serverNameTemplate,
        addressing,
        requestTimeoutMs: positiveInt(env, 'VAULT_REQUEST_TIMEOUT_MS', 10_000),
        initTimeoutMs: initTimeout(env),
    };
}
/** Must end before the init step's start-to-close timeout (5 minutes), or a retry could overlap the call. */
const MAX_INIT_TIMEOUT_MS = 280_000;
function initTimeout(env) {
    const v = positiveInt(env, 'VAULT_INIT_TIMEOUT_MS', 240_000);
    if (v > MAX_INIT_TIMEOUT_MS) {
        throw new errors_1.ConfigError('VAULT_INIT_TIMEOUT_MS', `milliseconds, at most ${MAX_INIT_TIMEOUT_MS} (below the init step's 5-minute start-to-close timeout)`, String(v));
    }
    return v;
}
function duration(env, key, fallback, expected = 'a duration like 30s, 5m or 1h') {
    const v = str(env, key, fallback);
    if (!/^[0-9]+(ms|s|m|h|d)$/.test(v))
        throw new errors_1.ConfigError(key, expected, v);
    return v;
}
/** A duration as `duration` checks it, but not zero: how often something repeats (a zero interval never ends). */
function interval(env, key, fallback, expected = 'a duration like 30m, 1h or 24h, not 0') {
    const v = duration(env, key, fallback, expected);
    if (/^0+[a-z]+$/.test(v))
        throw new errors_1.ConfigError(key, expected, v);
    return v;
}
/** An interval, or `off` (then `undefined`): for what an operator may turn off. */
function intervalOrOff(env, key, fallback) {
    if (str(env, key, fallback) === 'off')
        return undefined;
    return interval(env, key, fallback, 'a duration like 30m, 24h or 7d (not 0), or off');
}
function loadHealthConfig(env) {
    const remediate = str(env, 'VAULT_HEALTH_REMEDIATE', 'true');
    if (remediate !== 'true' && remediate !== 'false') {
        throw new errors_1.ConfigError('VAULT_HEALTH_REMEDIATE', '"true" or "false"', remediate);
    }
    return {
        interval: duration(env, 'VAULT_HEALTH_INTERVAL', '5m'),
        jitter: duration(env, 'VAULT_HEALTH_JITTER', '30s'),
        remediate: remediate === 'true',
        certExpiryWarnDays: positiveInt(env, 'VAULT_HEALTH_CERT_WARN_DAYS', health_1.HEALTH_DEFAULTS.certExpiryWarnDays),
    };
}
function loadBackupScheduleConfig(env) {
    return {
        interval: interval(env, 'VAULT_BACKUP_INTERVAL', '1h'),
        drillInterval: intervalOrOff(env, 'VAULT_DRILL_INTERVAL', '24h'),
    };
}
function loadClientConfig(env, cwd = process.cwd()) {
    return {
        temporal: loadTemporalConfig(env),
        stack: loadStackConfig(env, cwd),
        health: loadHealthConfig(env),
        backup: loadBackupScheduleConfig(env),
    };
}
function loadCustodyReplica(env) {
    const replica = str(env, 'VAULT_BOOTSTRAP_CUSTODY_REPLICA', 'none');
    if (replica !== 'none' && replica !== 'swarm')
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_CUSTODY_REPLICA', '`none` or `swarm`', replica);
    if (replica === 'swarm' && !env.VAULT_BOOTSTRAP_CUSTODY_KEY_FILE)
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_CUSTODY_KEY_FILE', 'the custody key shared by every worker (e.g. a Docker secret) when VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm');
    return replica;
}
function loadWorkerConfig(env, cwd = process.cwd()) {
    const custodyDir = (0, node_path_1.resolve)(cwd, str(env, 'VAULT_BOOTSTRAP_CUSTODY_DIR', '/var/lib/vault-bootstrap/custody'));
    const failpoints = str(env, 'VAULT_BOOTSTRAP_FAILPOINTS', '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    return {
        temporal: loadTemporalConfig(env),
        stack: loadStackConfig(env, cwd),
        vault: loadVaultConfig(env, cwd),
        custody: {
            dir: custodyDir,
            keyFile: (0, node_path_1.resolve)(cwd, str(env, 'VAULT_BOOTSTRAP_CUSTODY_KEY_FILE', (0, node_path_1.resolve)(custodyDir, '..', 'custody.key'))),
            replica: loadCustodyReplica(env),
        },
        dockerSocket: str(env, 'DOCKER_SOCKET', '/var/run/docker.sock'),
        failpoints,
        backup: loadBackupConfig(env, cwd),
        healthFile: loadHealthFile(env),
    };
}
function loadWorkerRole(env) {
    const role = str(env, 'VAULT_BOOTSTRAP_WORKER_ROLE', 'full');
    if (role !== 'full' && role !== 'node-agent')
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_WORKER_ROLE', '`full` or `node-agent`', role);
    return role;
}
function loadLogFormat(env) {
    const format = str(env, 'VAULT_BOOTSTRAP_LOG_FORMAT', 'text');
    if (format !== 'text' && format !== 'json')
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_LOG_FORMAT', '`text` or `json`', format);
    return format;
}
function loadNodeAgentConfig(env) {
    return {
        temporal: loadTemporalConfig(env),
        dockerSocket: str(env, 'DOCKER_SOCKET', '/var/run/docker.sock'),
        healthFile: loadHealthFile(env),
    };
}
/**
 * Where the worker serves its Prometheus metrics (docs/metrics.md), in both roles. Env
 * `VAULT_BOOTSTRAP_METRICS_ADDRESS`, `host:port` (an IPv6 host in brackets); default `127.0.0.1:9464` (this
 * host only; 9464 is the usual port of OpenTelemetry's Prometheus exporter). Empty: no metrics are served and
 * the worker runs exactly as without them. Read apart from the rest, like the role: both roles read it.
 */
function loadMetricsAddress(env) {
    const raw = env.VAULT_BOOTSTRAP_METRICS_ADDRESS ?? '127.0.0.1:9464';
    if (raw === '')
        return undefined;
    return hostPort('VAULT_BOOTSTRAP_METRICS_ADDRESS', raw, 'host:port (e.g. 0.0.0.0:9464), or empty for none');
}
/**
 * The worker's health file (`VAULT_BOOTSTRAP_HEALTH_FILE`), read by the worker and by the HEALTHCHECK that
 * checks it: an absolute path whose folder exists, or `undefined` when unset.
 */
function loadHealthFile(env) {
    const raw = env.VAULT_BOOTSTRAP_HEALTH_FILE;
    if (raw === undefined || raw === '')
        return undefined;
    if (!(0, node_path_1.isAbsolute)(raw) || raw.endsWith('/')) {
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'an absolute file path', raw);
    }
    const dir = (0, node_path_1.dirname)(raw);
    if (!(0, node_fs_1.existsSync)(dir) || !(0, node_fs_1.statSync)(dir).isDirectory()) {
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'a file in an existing folder', raw);
    }
    return raw;
}
/**
 * Checks that every name built from `stackName` fits Docker's limits (the unseal-key secrets, `<base>_vN`);
 * a name that does not is a `ConfigError` for `setting`, before anything is created.
 */
function stackNamesFit(stack, stackName, setting = 'stack') {
    try {
        (0, names_1.assertSecretNameFits)(unsealSecretBase(stack, stackName), stackName);
    }
    catch (err) {
        throw new errors_1.ConfigError(setting, err instanceof Error ? err.message : String(err));
    }
    return stackName;
}
/** The unseal-key secret base name for a stack (`vault_unseal_key` in production). */
function unsealSecretBase(stack, stackName) {
    return stack.unsealSecretTemplate.replaceAll('{stack}', stackName);
}
//# sourceMappingURL=config.js.map