"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TestRun = exports.REPO = void 0;
exports.readBedEnv = readBedEnv;
exports.testbedEnv = testbedEnv;
exports.executable = executable;
exports.processEnv = processEnv;
exports.spawnWorker = spawnWorker;
exports.stopProcess = stopProcess;
exports.runClient = runClient;
exports.uniqueName = uniqueName;
exports.dockerCli = dockerCli;
/**
 * Test-side view of the test bed (`npm run testbed -- up`): its settings, unique names per test, a worker
 * process to start and kill, and the clean-up that leaves the swarm as it was found.
 */
const node_child_process_1 = require("node:child_process");
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const dockerode_1 = __importDefault(require("dockerode"));
const file_custody_1 = require("../../src/custody/file-custody");
const constants_1 = require("../../src/shared/constants");
const backup_1 = require("../../src/shared/backup");
const gateway_1 = require("../../src/vault/gateway");
const run = (0, node_util_1.promisify)(node_child_process_1.execFile);
exports.REPO = (0, node_path_1.resolve)(__dirname, '..', '..', '..');
/** A `KEY=value` file the test bed wrote in its cache (`testbed.env`, `testbed-3.env`); `up` names the command that writes it. */
function readBedEnv(name, up) {
    const cache = process.env.VAULT_BOOTSTRAP_CACHE ?? (0, node_path_1.join)(exports.REPO, '.cache');
    const file = (0, node_path_1.join)(cache, name);
    if (!(0, node_fs_1.existsSync)(file))
        throw new Error(`${file} is missing: run \`${up}\` first`);
    const env = {};
    for (const line of (0, node_fs_1.readFileSync)(file, 'utf8').split('\n')) {
        const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (m)
            env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
    }
    return env;
}
function testbedEnv() {
    return readBedEnv('testbed.env', 'npm run testbed -- up');
}
/** Whether `path` is a file this process may execute (a tool a test needs: promtool, go). */
function executable(path) {
    try {
        (0, node_fs_1.accessSync)(path, node_fs_1.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
/** This process's environment, without the unset entries. */
function processEnv() {
    const base = {};
    for (const [k, v] of Object.entries(process.env))
        if (v !== undefined)
            base[k] = v;
    return base;
}
/**
 * Starts the worker as production does, through scripts/worker.sh (`node dist/src/worker.js` with its memory
 * settings; the script execs, so the child's pid is the worker's), with exactly `env`; its output is appended
 * to `log`.
 */
function spawnWorker(env, log) {
    const fd = (0, node_fs_1.openSync)(log, 'a');
    try {
        return (0, node_child_process_1.spawn)((0, node_path_1.join)(exports.REPO, 'scripts', 'worker.sh'), [], {
            env,
            stdio: ['ignore', fd, fd],
        });
    }
    finally {
        (0, node_fs_1.closeSync)(fd); // the child holds its own copy
    }
}
/** SIGTERM (the worker finishes its activities in flight), then SIGKILL after `graceMs`; resolves once it exited. */
async function stopProcess(child, graceMs = 15_000) {
    if (child.exitCode !== null || child.signalCode !== null)
        return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, graceMs))]);
    if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await done;
    }
}
/** Runs the `vault-bootstrap` client with exactly `env`; resolves with its exit code and output. */
function runClient(env, args) {
    return new Promise((res) => {
        const child = (0, node_child_process_1.spawn)(process.execPath, [(0, node_path_1.join)(exports.REPO, 'dist', 'src', 'client.js'), ...args], { env });
        let out = '';
        let stdout = '';
        child.stdout.on('data', (d) => {
            out += d.toString();
            stdout += d.toString();
        });
        child.stderr.on('data', (d) => (out += d.toString()));
        child.on('close', (code) => res({ code: code ?? -1, out, stdout }));
    });
}
function uniqueName(prefix = 'vbt') {
    return `${prefix}${(0, node_crypto_1.randomBytes)(4).toString('hex')}`;
}
/** Everything one test run needs: its own stack, task queue, custody folder and worker environment. */
class TestRun {
    stack = uniqueName();
    taskQueue = `tq-${this.stack}`;
    dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), `${this.stack}-`));
    bed = testbedEnv();
    docker = new dockerode_1.default({ socketPath: '/var/run/docker.sock' });
    workers = [];
    /** The run's custody folder and key file, as its worker is configured with them (`env`). */
    get custodyDir() {
        return (0, node_path_1.join)(this.dir, 'custody');
    }
    get custodyKeyFile() {
        return (0, node_path_1.join)(this.dir, 'custody.key');
    }
    /** The run's key custody, read from the test's side. */
    custody() {
        return new file_custody_1.FileKeyCustody({ dir: this.custodyDir, keyFile: this.custodyKeyFile });
    }
    /**
     * A client for the Vault task at `address` on `iklimco-net`, through the bed's tunnel, verified against the
     * bed's CA as `serverName` (the bed's certificate carries vault-1..3).
     */
    vaultClient(name, address, serverName = name) {
        const [host, port] = (this.bed.VAULT_TUNNEL_ADDRESS ?? '127.0.0.1:18200').split(':');
        return new gateway_1.VaultNodeClient(name, { host: address, port: 8200, serverName }, { mode: 'tunnel', host: host, port: Number(port) }, (0, node_fs_1.readFileSync)((0, node_path_1.join)(this.bed.VAULT_CERT_DIR ?? '', 'ca.pem')), { requestMs: 3000, initMs: 3000 });
    }
    /** Where the bed's stacks keep their Vault data folders (`VAULT_STACK_DIR_ROOT`). */
    get stackDirRoot() {
        return this.bed.TESTBED_STACK_ROOT ?? (0, node_path_1.join)(exports.REPO, '.cache', 'stacks');
    }
    /** This run's stack folder: `vault-<slot>/{data,logs}` for each task. */
    get stackDir() {
        return (0, node_path_1.join)(this.stackDirRoot, this.stack);
    }
    /** The id of the running container of `slot`'s task (empty when there is none). */
    async slotContainer(slot) {
        return (await dockerCli(['ps', '-q', '-f', `name=${this.stack}_vault.${slot}.`])).trim();
    }
    get secretBase() {
        return `${this.stack}_vault_unseal_key`;
    }
    env(extra = {}) {
        return {
            ...processEnv(),
            TEMPORAL_ADDRESS: this.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
            TEMPORAL_UI_URL: this.bed.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
            VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
            VAULT_BOOTSTRAP_STACK: this.stack,
            VAULT_STACK_FILES: `${(0, node_path_1.join)(exports.REPO, 'docker-stack-vault.yml')},${(0, node_path_1.join)(exports.REPO, 'testbed', 'docker-stack-vault.testbed.yml')}`,
            VAULT_STACK_DIR_ROOT: this.stackDirRoot,
            VAULT_IMAGE: this.bed.VAULT_IMAGE ?? '',
            VAULT_CERT_DIR: this.bed.VAULT_CERT_DIR ?? '',
            VAULT_TUNNEL_ADDRESS: this.bed.VAULT_TUNNEL_ADDRESS ?? '127.0.0.1:18200',
            VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
            VAULT_BOOTSTRAP_CUSTODY_DIR: this.custodyDir,
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: this.custodyKeyFile,
            // No metrics server: tests run several workers at once, which would all want 127.0.0.1:9464.
            VAULT_BOOTSTRAP_METRICS_ADDRESS: '',
            ...extra,
        };
    }
    get workerLog() {
        return (0, node_path_1.join)(this.dir, 'worker.log');
    }
    /** Starts `node dist/src/worker.js`; its output is appended to `workerLog`. */
    startWorker(extra = {}) {
        const child = spawnWorker(this.env(extra), this.workerLog);
        this.workers.push(child);
        return child;
    }
    /** Runs the `vault-bootstrap` client; resolves with its exit code, its output and its stdout alone. */
    async client(args, extra = {}) {
        return runClient(this.env(extra), args);
    }
    async stopWorkers() {
        for (const w of this.workers)
            await stopProcess(w);
        this.workers = [];
    }
    /** Removes the stack, its secrets, its data folders and the run's temp folder. Safe to call twice. */
    async cleanup() {
        await this.stopWorkers();
        // The init and wipe jobs (no stack namespace: `docker stack rm` leaves an unread init answer alone).
        for (const j of await this.ownJobs())
            await this.docker
                .getService(j.ID)
                .remove()
                .catch(() => undefined);
        // The stack, and the throwaway stack of a restore drill a failed test may have left.
        for (const stack of [this.stack, (0, backup_1.drillStackName)(this.stack)]) {
            await run('docker', ['stack', 'rm', stack]).catch(() => undefined);
            const deadline = Date.now() + 120_000;
            while (Date.now() < deadline) {
                const left = await this.docker.listContainers({
                    all: true,
                    filters: { label: [`com.docker.stack.namespace=${stack}`] },
                });
                const tasks = await this.docker
                    .listTasks({ filters: { label: [`com.docker.stack.namespace=${stack}`] } })
                    .catch(() => []);
                if (left.length === 0 && tasks.length === 0)
                    break;
                await new Promise((r) => setTimeout(r, 500));
            }
            (0, node_fs_1.rmSync)((0, node_path_1.join)(this.stackDirRoot, stack), { recursive: true, force: true });
        }
        for (const s of await this.ownSecrets()) {
            await this.docker
                .getSecret(s.ID)
                .remove()
                .catch(() => undefined);
        }
        (0, node_fs_1.rmSync)(this.stackDir, {
            recursive: true,
            force: true,
        });
        (0, node_fs_1.rmSync)(this.dir, { recursive: true, force: true });
    }
    /** What the stack left behind: services, containers, secrets (for leak assertions). */
    async leftovers() {
        const out = [];
        for (const stack of [this.stack, (0, backup_1.drillStackName)(this.stack)]) {
            for (const s of await this.docker.listServices({
                filters: { label: [`com.docker.stack.namespace=${stack}`] },
            }))
                out.push(`service ${s.Spec?.Name}`);
            for (const c of await this.docker.listContainers({
                all: true,
                filters: { label: [`com.docker.stack.namespace=${stack}`] },
            }))
                out.push(`container ${c.Id}`);
        }
        for (const s of await this.ownSecrets())
            out.push(`secret ${s.Spec?.Name}`);
        for (const j of await this.ownJobs())
            out.push(`job ${j.Spec?.Name}`);
        return out;
    }
    /** The bootstrap's jobs for this run's stacks (the init and wipe jobs, labelled with the stack). */
    async ownJobs() {
        const jobs = [];
        for (const stack of [this.stack, (0, backup_1.drillStackName)(this.stack)])
            jobs.push(...(await this.docker.listServices({ filters: { label: [`${constants_1.LABEL_STACK}=${stack}`] } })));
        return jobs;
    }
    /**
     * This run's secrets: named after its stack, or labelled with it (with the default secret name, which does
     * not carry the stack, several stacks share one family of names and only the label tells them apart).
     */
    async ownSecrets() {
        const byName = await this.docker.listSecrets({ filters: { name: [this.secretBase] } });
        const byLabel = await this.docker.listSecrets({ filters: { label: [`${constants_1.LABEL_STACK}=${this.stack}`] } });
        const all = new Map([...byName, ...byLabel].map((s) => [s.ID, s]));
        return [...all.values()];
    }
}
exports.TestRun = TestRun;
async function dockerCli(args) {
    const { stdout } = await run('docker', args, { maxBuffer: 4 << 20 });
    return stdout;
}
//# sourceMappingURL=testbed.js.map