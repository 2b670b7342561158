"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.nodeFaults = exports.MultiNodeRun = exports.NODE_NAMES = void 0;
exports.multinodeBed = multinodeBed;
exports.bedNode = bedNode;
exports.nodeDocker = nodeDocker;
exports.nodeEngine = nodeEngine;
exports.slotNodes = slotNodes;
exports.vaultOnNode = vaultOnNode;
exports.waitUnsealedOnNode = waitUnsealedOnNode;
exports.median = median;
exports.threeNodeBedUp = threeNodeBedUp;
/**
 * Test-side view of the three-node bed (`npm run testbed -- up --nodes 3`): its nodes as testbed-3.env
 * names them, `docker` against one node, a worker process per node in a given role, and the node faults
 * of `testbed.sh node ...` (stop, kill, start, isolate, heal, restart-all).
 *
 *   const run = new MultiNodeRun();
 *   run.startWorker('n1');                        // the full worker (custody, every activity, n1's queue)
 *   run.startWorker('n2'); run.startWorker('n3'); // node agents (only their node's queue)
 *   await run.client(['bootstrap', '--wait']);
 *   await nodeFaults.kill('n2');  ...  await nodeFaults.start('n2');
 *   await run.cleanup();
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const dockerode_1 = __importDefault(require("dockerode"));
const testbed_1 = require("./testbed");
const wait_1 = require("./wait");
const run = (0, node_util_1.promisify)(node_child_process_1.execFile);
exports.NODE_NAMES = ['n1', 'n2', 'n3'];
function list(env, key) {
    const values = (env[key] ?? '').split(',').filter((v) => v !== '');
    if (values.length !== exports.NODE_NAMES.length) {
        throw new Error(`testbed-3.env: ${key} should name ${exports.NODE_NAMES.length} nodes, has "${env[key] ?? ''}"`);
    }
    return values;
}
/** Reads testbed-3.env; throws when the three-node bed was never brought up. */
function multinodeBed() {
    const env = (0, testbed_1.readBedEnv)('testbed-3.env', 'npm run testbed -- up --nodes 3');
    const [hosts, names, addresses, tunnels] = [
        list(env, 'TESTBED_NODE_HOSTS'),
        list(env, 'TESTBED_NODE_NAMES'),
        list(env, 'TESTBED_NODE_ADDRESSES'),
        list(env, 'TESTBED_NODE_TUNNELS'),
    ];
    const nodes = exports.NODE_NAMES.map((name, i) => ({
        name,
        hostName: names[i],
        dockerHost: hosts[i],
        socket: hosts[i].replace(/^unix:\/\//, ''),
        address: addresses[i],
        tunnel: tunnels[i],
    }));
    return { env, nodes };
}
/** The node named `name` of the bed. */
function bedNode(name, bed = multinodeBed()) {
    const node = bed.nodes.find((n) => n.name === name);
    if (!node)
        throw new Error(`no node ${name} on the three-node bed`);
    return node;
}
/** Runs `docker -H <node> ARGS…`; resolves with its stdout, rejects with its stderr. */
async function nodeDocker(node, args) {
    const { dockerHost } = typeof node === 'string' ? bedNode(node) : node;
    const { stdout } = await run('docker', ['-H', dockerHost, ...args], { maxBuffer: 4 << 20 });
    return stdout;
}
/** A dockerode client of one node's Engine. */
function nodeEngine(node) {
    return new dockerode_1.default({ socketPath: (typeof node === 'string' ? bedNode(node) : node).socket });
}
/**
 * One test's three-node run: its own stack, task queue and custody folder, and at most one worker process
 * per node. Stacks deploy from the production stack file alone, one task per node.
 */
class MultiNodeRun {
    stack = (0, testbed_1.uniqueName)();
    taskQueue = `tq-${this.stack}`;
    dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), `${this.stack}-`));
    custodyDir = (0, node_path_1.join)(this.dir, 'custody');
    custodyKeyFile = (0, node_path_1.join)(this.dir, 'custody.key');
    bed = multinodeBed();
    workers = new Map();
    get secretBase() {
        return `${this.stack}_vault_unseal_key`;
    }
    node(name) {
        return bedNode(name, this.bed);
    }
    /** What the client needs, and what a full worker needs besides its node: Temporal, the stack, custody, TLS files. */
    env(extra = {}) {
        const env = {
            ...(0, testbed_1.processEnv)(),
            TEMPORAL_ADDRESS: this.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
            TEMPORAL_UI_URL: this.bed.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
            VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
            VAULT_BOOTSTRAP_STACK: this.stack,
            VAULT_STACK_FILES: (0, node_path_1.join)(testbed_1.REPO, 'docker-stack-vault.yml'),
            VAULT_IMAGE: this.bed.env.VAULT_IMAGE ?? '',
            VAULT_CERT_DIR: this.bed.env.VAULT_CERT_DIR ?? '',
            VAULT_UNSEAL_SECRET_NAME: '{stack}_vault_unseal_key',
            VAULT_BOOTSTRAP_CUSTODY_DIR: this.custodyDir,
            VAULT_BOOTSTRAP_CUSTODY_KEY_FILE: this.custodyKeyFile,
            ...extra,
        };
        delete env.VAULT_STACK_DIR_ROOT; // one task per node: no per-slot bind mounts
        return env;
    }
    /**
     * The environment of the worker for `node` in `role`. Every worker talks to its node's Engine (DOCKER_SOCKET;
     * DOCKER_HOST too, though the worker pins `stack deploy`'s docker CLI to DOCKER_SOCKET itself) and reaches
     * Vault through its node's tunnel.
     * A node agent gets nothing else (no custody, no TLS files, not this process's environment): a worker that
     * ignored the role would then fail to start instead of quietly polling the main queue.
     */
    workerEnv(node, role, extra = {}) {
        const { socket, dockerHost, tunnel } = this.node(node);
        const own = {
            TEMPORAL_ADDRESS: this.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
            VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
            VAULT_BOOTSTRAP_WORKER_ROLE: role,
            DOCKER_SOCKET: socket,
            DOCKER_HOST: dockerHost,
            VAULT_TUNNEL_ADDRESS: tunnel,
            // Three workers on one host: none serves metrics (port 9464 is one), unless a test says so in `extra`.
            VAULT_BOOTSTRAP_METRICS_ADDRESS: '',
        };
        if (role === 'full')
            return this.env({ ...own, ...extra });
        return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...own, ...extra };
    }
    /** The worker log of `node` for this run (appended to across restarts). */
    workerLog(node) {
        return (0, node_path_1.join)(this.dir, `worker-${node}.log`);
    }
    /** Starts the worker for `node`: by default the full worker on n1 and node agents on n2 and n3. */
    startWorker(node, role, extra = {}) {
        const running = this.workers.get(node);
        if (running && running.exitCode === null && running.signalCode === null) {
            throw new Error(`the worker for ${node} runs already (pid ${running.pid})`);
        }
        const child = (0, testbed_1.spawnWorker)(this.workerEnv(node, role ?? (node === 'n1' ? 'full' : 'node-agent'), extra), this.workerLog(node));
        this.workers.set(node, child);
        return child;
    }
    /** The worker process for `node`, if one was started. */
    worker(node) {
        return this.workers.get(node);
    }
    /** SIGTERM (in-flight activities finish), SIGKILL after `graceMs`. */
    async stopWorker(node, graceMs) {
        const child = this.workers.get(node);
        if (child)
            await (0, testbed_1.stopProcess)(child, graceMs);
        this.workers.delete(node);
    }
    /** SIGKILL: the worker dies without finishing anything, as in a crash. */
    async killWorker(node) {
        const child = this.workers.get(node);
        if (child && child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGKILL');
            await exited;
        }
        this.workers.delete(node);
    }
    async stopWorkers() {
        for (const node of [...this.workers.keys()])
            await this.stopWorker(node);
    }
    /** Runs the `vault-bootstrap` client for this run's stack and queue. */
    client(args, extra = {}) {
        return (0, testbed_1.runClient)(this.env(extra), args);
    }
    /**
     * Stops the workers and removes the stack (through the first node that answers), then on every node
     * that answers its containers, secrets and named volumes, and the run's temp folder. Safe to call twice.
     * A node that is down keeps its leftovers: start it (nodeFaults.start) before cleaning up.
     */
    async cleanup() {
        await this.stopWorkers();
        const label = `com.docker.stack.namespace=${this.stack}`;
        const up = await this.answeringNodes();
        const manager = up[0];
        if (manager)
            await nodeDocker(manager, ['stack', 'rm', this.stack]).catch(() => undefined);
        const deadline = Date.now() + 120_000;
        for (const node of up) {
            const engine = nodeEngine(node);
            while (Date.now() < deadline) {
                const left = await engine.listContainers({ all: true, filters: { label: [label] } });
                if (left.length === 0)
                    break;
                await (0, wait_1.sleep)(500);
            }
            for (const v of (await engine.listVolumes({ filters: { label: [label] } })).Volumes ?? []) {
                await engine
                    .getVolume(v.Name)
                    .remove()
                    .catch(() => undefined);
            }
        }
        if (manager) {
            const engine = nodeEngine(manager);
            for (const s of await engine.listSecrets({ filters: { name: [this.secretBase] } })) {
                await engine
                    .getSecret(s.ID)
                    .remove()
                    .catch(() => undefined);
            }
        }
        (0, node_fs_1.rmSync)(this.dir, { recursive: true, force: true });
    }
    /** What the stack left behind on the nodes that answer: services, containers, volumes, secrets. */
    async leftovers() {
        const label = `com.docker.stack.namespace=${this.stack}`;
        const out = [];
        const up = await this.answeringNodes();
        for (const node of up) {
            const engine = nodeEngine(node);
            for (const c of await engine.listContainers({ all: true, filters: { label: [label] } }))
                out.push(`${node.name}: container ${c.Id}`);
            for (const v of (await engine.listVolumes({ filters: { label: [label] } })).Volumes ?? [])
                out.push(`${node.name}: volume ${v.Name}`);
        }
        const manager = up[0];
        if (manager) {
            const engine = nodeEngine(manager);
            for (const s of await engine.listServices({ filters: { label: [label] } }))
                out.push(`service ${s.Spec?.Name}`);
            for (const s of await engine.listSecrets({ filters: { name: [this.secretBase] } }))
                out.push(`secret ${s.Spec?.Name}`);
        }
        return out;
    }
    async answeringNodes() {
        const up = [];
        for (const node of this.bed.nodes) {
            if (await nodeEngine(node)
                .ping()
                .then(() => true)
                .catch(() => false))
                up.push(node);
        }
        return up;
    }
}
exports.MultiNodeRun = MultiNodeRun;
/** Which node runs each slot's current task of `<stack>_vault` (asked of `via`, a manager with a leader). */
async function slotNodes(stack, via = 'n1') {
    const engine = nodeEngine(via);
    const hostNames = new Map();
    const nodes = (await engine.listNodes());
    for (const n of nodes)
        hostNames.set(n.ID ?? '', n.Description?.Hostname ?? '');
    const bed = multinodeBed();
    const tasks = (await engine.listTasks({
        filters: { service: [`${stack}_vault`], 'desired-state': ['running'] },
    }));
    const slots = new Map();
    for (const t of tasks) {
        const node = bed.nodes.find((n) => n.hostName === hostNames.get(t.NodeID ?? ''));
        if (t.Slot !== undefined && node)
            slots.set(t.Slot, node.name);
    }
    return slots;
}
/** `bash testbed/testbed.sh node ARGS…`; rejects with its output when it fails. */
async function testbedNode(args) {
    const started = Date.now();
    try {
        const { stdout, stderr } = await run('bash', [(0, node_path_1.join)(testbed_1.REPO, 'testbed', 'testbed.sh'), 'node', ...args], {
            timeout: 300_000,
            maxBuffer: 1 << 20,
        });
        return { out: stdout + stderr, ms: Date.now() - started };
    }
    catch (err) {
        const e = err;
        throw new Error(`testbed.sh node ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, {
            cause: err,
        });
    }
}
/**
 * The three-node bed's node faults (README, "Node faults on the three-node bed"); each needs root, as the
 * bed does. `start` returns once the Engine answers and its swarm is active (or, for a lone manager of
 * three, reports it pending); `heal` once the swarm has three managers again.
 */
exports.nodeFaults = {
    /** dockerd stops cleanly, its containers first: a host shut down. */
    stop: (node) => testbedNode(['stop', node]),
    /** SIGKILL to dockerd, containerd, the shims and the containers: power loss. */
    kill: (node) => testbedNode(['kill', node]),
    /** The same Engine and state again. */
    start: (node) => testbedNode(['start', node]),
    /** Cut off from the other nodes (the host still reaches its socket). */
    isolate: (node) => testbedNode(['isolate', node]),
    heal: (node) => testbedNode(['heal', node]),
    /** All three Engines killed at once, then started: the whole cluster loses power. */
    restartAll: () => testbedNode(['restart-all']),
};
/** The stack's running Vault container on `node` and its `vault status`, or undefined when it has none. */
async function vaultOnNode(stack, node) {
    const lines = await nodeDocker(node, [
        'ps',
        '--format',
        '{{.ID}} {{.Names}}',
        '-f',
        `name=${stack}_vault.`,
    ]);
    const m = /^(\S+) \S+_vault\.(\d+)\./m.exec(lines);
    if (!m)
        return undefined;
    const text = await nodeDocker(node, ['exec', m[1], 'vault', 'status']).catch((e) => e.stdout ?? '');
    return {
        container: m[1],
        slot: Number(m[2]),
        initialized: /^Initialized\s+true$/m.test(text),
        sealed: !/^Sealed\s+false$/m.test(text),
        text,
    };
}
/** Polls until `node` runs a Vault container of the stack, other than `not`, that reports `Sealed false`. */
async function waitUnsealedOnNode(stack, node, timeoutMs, not) {
    const until = Date.now() + timeoutMs;
    let last = 'no container yet';
    for (;;) {
        const v = await vaultOnNode(stack, node).catch((e) => {
            last = e.message;
            return undefined;
        });
        if (v && v.container !== not) {
            if (!v.sealed)
                return v;
            last = `container ${v.container} is sealed`;
        }
        if (Date.now() > until)
            throw new Error(`timed out waiting for ${stack}'s Vault on ${node} to be unsealed (${last})`);
        await (0, wait_1.sleep)(250);
    }
}
function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}
/** Brings the three-node bed up (idempotent: about a second when it is up) and says how long it took. */
async function threeNodeBedUp() {
    const started = Date.now();
    await run('bash', [(0, node_path_1.join)(testbed_1.REPO, 'testbed', 'testbed.sh'), 'up', '--nodes', '3'], {
        timeout: 600_000,
        maxBuffer: 4 << 20,
    });
    console.log(`three-node bed up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
//# sourceMappingURL=multinode.js.map