"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.WorkerStackRun = exports.WORKER_IMAGE = void 0;
exports.workerImageOnNodes = workerImageOnNodes;
exports.bootstrapAtStep = bootstrapAtStep;
exports.assertEachStepOnce = assertEachStepOnce;
/**
 * The worker as production runs it, on the three-node bed: the worker image (`testbed.sh worker-image --nodes
 * 3`), `init-infra-prod.sh` run verbatim with only the environment pointing at the bed, and the worker stack's
 * tasks, logs and custody copies.
 *
 * Each run has its own Vault stack, worker stack (`<stack>-w`), task queue, custody volume and custody key
 * secret (`VAULT_BOOTSTRAP_SUFFIX=-<stack>`), and its own custody key, made here and handed to
 * `init-infra-prod.sh` as `VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE`: so the test can decrypt the swarm's copy of the
 * record (to run the seed's `list-peers` with the worker's token), as an operator restoring custody would.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const constants_1 = require("../../src/shared/constants");
const swarm_replicas_1 = require("../../src/custody/swarm-replicas");
const multinode_1 = require("./multinode");
const testbed_1 = require("./testbed");
const history_1 = require("./history");
const wait_1 = require("./wait");
const run = (0, node_util_1.promisify)(node_child_process_1.execFile);
/** The worker image the bed builds from the production Dockerfile. */
exports.WORKER_IMAGE = 'vault-bootstrap-testbed/worker:dev';
/** Builds the worker image on the host and loads it on the three nodes (a no-op when current); says how long. */
async function workerImageOnNodes() {
    const started = Date.now();
    await run('bash', [(0, node_path_1.join)(testbed_1.REPO, 'testbed', 'testbed.sh'), 'worker-image', '--nodes', '3'], {
        timeout: 900_000,
        maxBuffer: 4 << 20,
    });
    console.log(`worker image on the three nodes in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
/** Whether a node's Engine answers (a lost node does not). */
function answers(node) {
    return (0, multinode_1.nodeEngine)(node)
        .ping()
        .then(() => true, () => false);
}
/** The run id of the stack's bootstrap once it is RUNNING and has scheduled `step`. */
function bootstrapAtStep(client, stack, step) {
    const wfId = `vault-bootstrap-${stack}`;
    return (0, wait_1.eventually)(`the bootstrap at ${step}`, 300_000, async () => {
        const desc = await client.workflow
            .getHandle(wfId)
            .describe()
            .catch(() => undefined);
        if (!desc || desc.status.name !== 'RUNNING')
            return undefined;
        const events = await (0, history_1.historyOf)(client, wfId, desc.runId);
        return (0, history_1.activitiesOf)(events).some((a) => a.type === step) ? desc.runId : undefined;
    });
}
/**
 * The history check after a fault mid-bootstrap: every step scheduled once (a step that completed and ran
 * again would be scheduled twice; a retried attempt is the same schedule), each completed, through the last
 * one, and no workflow task failed (a determinism error would). Returns the steps, for their attempts.
 */
async function assertEachStepOnce(client, stack, runId) {
    const events = await (0, history_1.historyOf)(client, `vault-bootstrap-${stack}`, runId);
    const steps = (0, history_1.activitiesOf)(events);
    const seen = new Set();
    for (const s of steps) {
        strict_1.default.ok(!seen.has(s.type), `step ${s.type} was scheduled twice`);
        seen.add(s.type);
        strict_1.default.ok(s.completedAt !== undefined, `step ${s.type} did not complete`);
    }
    strict_1.default.ok(seen.has('revokeRootToken'), [...seen].join(' '));
    const failed = events.filter((e) => String(e.eventType).includes('WORKFLOW_TASK_FAILED'));
    strict_1.default.equal(failed.length, 0, 'no workflow task failed');
    return steps;
}
class WorkerStackRun extends multinode_1.MultiNodeRun {
    workerStack = `${this.stack}-w`;
    suffix = `-${this.stack}`;
    custodyKeySource = (0, node_path_1.join)(this.dir, 'custody-key.b64');
    constructor() {
        super();
        (0, node_fs_1.writeFileSync)(this.custodyKeySource, `${(0, node_crypto_1.randomBytes)(32).toString('base64')}\n`, { mode: 0o600 });
    }
    /** `init-infra-prod.sh`'s environment: the bed's n1 as the manager, Temporal as the nodes reach it. */
    prodEnv(extra = {}) {
        const bed = this.bed.env;
        return {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/root',
            DOCKER_HOST: this.node('n1').dockerHost,
            TEMPORAL_ADDRESS: bed.TEMPORAL_NODE_ADDRESS ?? '',
            TEMPORAL_UI_URL: bed.TEMPORAL_UI_URL ?? '',
            VAULT_BOOTSTRAP_IMAGE: exports.WORKER_IMAGE,
            VAULT_IMAGE: bed.VAULT_IMAGE ?? '',
            VAULT_CERT_DIR: bed.VAULT_CERT_DIR ?? '',
            VAULT_BOOTSTRAP_STACK: this.stack,
            VAULT_BOOTSTRAP_TASK_QUEUE: this.taskQueue,
            VAULT_BOOTSTRAP_WORKER_STACK: this.workerStack,
            VAULT_UNSEAL_SECRET_NAME: this.secretBase,
            VAULT_BOOTSTRAP_SUFFIX: this.suffix,
            VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE: this.custodyKeySource,
            VAULT_HEALTH_INTERVAL: '24h',
            VAULT_HEALTH_JITTER: '1s',
            ...extra,
        };
    }
    /** Runs `init-infra-prod.sh` to its end; resolves with its exit code, output and wall time. */
    initInfraProd(extra = {}) {
        const started = Date.now();
        return new Promise((res) => {
            const child = (0, node_child_process_1.spawn)('bash', [(0, node_path_1.join)(testbed_1.REPO, 'init-infra-prod.sh')], { env: this.prodEnv(extra) });
            let out = '';
            child.stdout.on('data', (d) => (out += d.toString()));
            child.stderr.on('data', (d) => (out += d.toString()));
            child.on('close', (code) => res({ code: code ?? -1, out, ms: Date.now() - started }));
        });
    }
    /** The worker stack's tasks that should be running (desired state `running`). */
    async workerTasks() {
        const out = await (0, multinode_1.nodeDocker)(await this.manager(), [
            'service',
            'ps',
            '--no-trunc',
            '--filter',
            'desired-state=running',
            '--format',
            '{{.ID}} {{.Name}} {{.Node}} {{.CurrentState}}|{{.Image}}',
            `${this.workerStack}_worker`,
            `${this.workerStack}_agent`,
        ]);
        return out
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => {
            const [head, image] = l.split('|');
            const [id, name, node, ...state] = head.split(' ');
            return {
                id: id,
                service: name.startsWith(`${this.workerStack}_worker`) ? 'worker' : 'agent',
                node: node,
                state: state.join(' '),
                image: image.trim(),
            };
        });
    }
    /** `docker service logs --raw` of a worker-stack service, every line (from the nodes that answer). */
    async serviceLogs(service) {
        const out = await (0, multinode_1.nodeDocker)(await this.manager(), [
            'service',
            'logs',
            '--raw',
            `${this.workerStack}_${service}`,
        ]).catch((e) => e.stdout ?? '');
        return out.split('\n').filter((l) => l.trim() !== '');
    }
    /**
     * The newest swarm copy of this stack's custody record, written to a folder of its own with the run's key, as
     * the file custody reads them: `{ dir, keyFile }` for `seedVerification`.
     */
    async custodyFromSwarm() {
        const configs = (await (0, multinode_1.nodeEngine)(await this.manager()).listConfigs({
            filters: { label: [`${constants_1.LABEL_KIND}=${swarm_replicas_1.KIND_CUSTODY_REPLICA}`, `${constants_1.LABEL_STACK}=${this.stack}`] },
        }));
        const newest = configs.sort((a, b) => Number(b.Spec?.Labels?.[constants_1.LABEL_VERSION]) - Number(a.Spec?.Labels?.[constants_1.LABEL_VERSION]))[0];
        if (!newest?.Spec?.Data)
            throw new Error(`no custody copy of ${this.stack} in the swarm`);
        const dir = (0, node_path_1.join)(this.dir, 'custody-from-swarm');
        (0, node_fs_1.mkdirSync)(dir, { recursive: true, mode: 0o700 });
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, `${this.stack}.json`), Buffer.from(newest.Spec.Data, 'base64'), { mode: 0o600 });
        return { dir, keyFile: this.custodyKeySource, copies: configs.length };
    }
    /**
     * Removes the worker stack, its custody volume on every node, the custody key secret and the custody copies,
     * then what `MultiNodeRun.cleanup` removes (the Vault stack, its volumes and secrets, the temp folder).
     */
    async cleanup() {
        await this.client(['schedule', 'delete']).catch(() => undefined);
        const manager = await this.manager().catch(() => undefined);
        if (manager) {
            await (0, multinode_1.nodeDocker)(manager, ['stack', 'rm', this.workerStack]).catch(() => undefined);
            const label = `com.docker.stack.namespace=${this.workerStack}`;
            const deadline = Date.now() + 120_000;
            for (const node of multinode_1.NODE_NAMES) {
                if (!(await answers(node)))
                    continue;
                const engine = (0, multinode_1.nodeEngine)(node);
                while (Date.now() < deadline) {
                    const left = await engine.listContainers({ all: true, filters: { label: [label] } });
                    if (left.length === 0)
                        break;
                    await new Promise((r) => setTimeout(r, 500));
                }
                await engine
                    .getVolume(`vault-bootstrap-custody${this.suffix}`)
                    .remove()
                    .catch(() => undefined);
            }
            const engine = (0, multinode_1.nodeEngine)(manager);
            await engine
                .getSecret(`vault_bootstrap_custody_key${this.suffix}`)
                .remove()
                .catch(() => undefined);
            for (const c of await engine.listConfigs({ filters: { label: [`${constants_1.LABEL_STACK}=${this.stack}`] } }))
                await engine
                    .getConfig(c.ID)
                    .remove()
                    .catch(() => undefined);
        }
        await super.cleanup();
    }
    /** Besides `MultiNodeRun.leftovers`: the worker stack's services, volumes, key secret and custody copies. */
    async leftovers() {
        const out = await super.leftovers();
        const manager = await this.manager().catch(() => undefined);
        if (!manager)
            return out;
        const engine = (0, multinode_1.nodeEngine)(manager);
        for (const s of await engine.listServices({
            filters: { label: [`com.docker.stack.namespace=${this.workerStack}`] },
        }))
            out.push(`service ${s.Spec?.Name}`);
        for (const c of await engine.listConfigs({ filters: { label: [`${constants_1.LABEL_STACK}=${this.stack}`] } }))
            out.push(`config ${c.Spec?.Name}`);
        for (const s of await engine.listSecrets({
            filters: { name: [`vault_bootstrap_custody_key${this.suffix}`] },
        }))
            out.push(`secret ${s.Spec?.Name}`);
        for (const node of multinode_1.NODE_NAMES) {
            if (!(await answers(node)))
                continue;
            const vols = await (0, multinode_1.nodeEngine)(node).listVolumes({
                filters: { name: [`vault-bootstrap-custody${this.suffix}`] },
            });
            for (const v of vols.Volumes ?? [])
                out.push(`${node}: volume ${v.Name}`);
        }
        return out;
    }
    /** The first node whose Engine answers and is a manager with a leader. */
    async manager() {
        for (const node of multinode_1.NODE_NAMES) {
            const ok = await (0, multinode_1.nodeEngine)(node)
                .listNodes()
                .then(() => true, () => false);
            if (ok)
                return node;
        }
        throw new Error('no node of the three-node bed answers as a manager');
    }
}
exports.WorkerStackRun = WorkerStackRun;
//# sourceMappingURL=worker-stack.js.map