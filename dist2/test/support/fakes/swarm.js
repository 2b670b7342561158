"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FakeSwarm = void 0;
/**
 * Docker Swarm in memory, enough for the steps: secrets with labels (immutable, 409 on a taken name, in use
 * cannot be removed), the Vault service deployed from a secret name, one task per slot with an overlay
 * address, a swap of the unseal secret that restarts every task, signals, and container `start` events.
 * Task (re)starts are announced to listeners: the fake Vault cluster seals the restarted node.
 * Three nodes `node-1..3`; the task of slot N runs on `node-N`. Signals are node-local as in Docker: this
 * Engine is `localNode`, and a container on another node is a 404.
 */
const gateway_1 = require("../../../src/docker/gateway");
const constants_1 = require("../../../src/shared/constants");
function dockerError(statusCode, message) {
    return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode });
}
class FakeSwarm {
    active = true;
    /** `docker swarm update --autolock` was run (the test bed's swarm is not autolocked). */
    autolocked = false;
    networks = new Set([constants_1.VAULT_NETWORK]);
    /** Replicas a deploy creates: the stack file's 3, unless a test wants another shape. */
    deployReplicas = 3;
    /** New tasks report `starting` for this many `currentTasks` reads before `running`. */
    startingReads = 0;
    deploys = [];
    signals = [];
    removed = [];
    /** The node this Engine is. */
    localNode = 'node-1';
    /** Every task on `node-1` (a one-node swarm, as the test bed), instead of slot N on `node-N`. */
    oneNode = false;
    nodes = [1, 2, 3].map((n) => ({
        id: `node-${n}`,
        hostname: `host-${n}`,
        state: 'ready',
    }));
    secrets = new Map();
    services = new Map();
    tasks = new Map();
    startListeners = [];
    signalListeners = [];
    eventQueues = new Map();
    seq = 0;
    /** Services whose rolling update Swarm paused (see `pauseNextRollout`). */
    pausedUpdates = new Set();
    pauseRolloutAfter;
    /** How many times `resumePausedUpdate` resumed one. */
    resumes = 0;
    /** Each secret swap's rollout: the service and the parallelism it ran with (0: every task at once). */
    rollouts = [];
    /**
     * What a job's container does when it runs (e.g. the detached `sys/init` against the fake Vault cluster);
     * without one, jobs stay `pending` (their node never runs them).
     */
    jobRunner;
    /** Per Vault service (`JobSpec.likeService`): two worlds sharing one swarm each run their own jobs. */
    jobRunners = new Map();
    jobs = new Map();
    /** Every job created, in order (removed ones too). */
    jobsCreated = [];
    /** Every `forceRestart`, by service. */
    forcedRestarts = [];
    // ---- the port
    swarmActive() {
        return Promise.resolve(this.active);
    }
    swarmAutolocked() {
        return Promise.resolve(this.autolocked);
    }
    networkExists(name = constants_1.VAULT_NETWORK) {
        return Promise.resolve(this.networks.has(name));
    }
    listSecretFamily(base) {
        const family = [...this.secrets.values()]
            .map((s) => (0, gateway_1.toSecretInfo)(base, s))
            .filter((s) => s !== undefined)
            .sort((a, b) => a.version - b.version);
        return Promise.resolve(family);
    }
    createSecret(name, data, labels) {
        if (this.secretNamed(name))
            return Promise.reject(dockerError(409, `secret ${name} already exists`));
        const id = `secret${++this.seq}`;
        this.secrets.set(id, { id, name, labels: { ...labels }, data: Buffer.from(data) });
        return Promise.resolve(id);
    }
    async removeSecret(id) {
        const s = this.secrets.get(id);
        if (!s)
            throw dockerError(404, `secret ${id} not found`);
        if ((await this.secretsInUse()).has(id))
            throw dockerError(400, `secret ${s.name} is in use by a service`);
        this.secrets.delete(id);
        this.removed.push(s.name);
    }
    secretsInUse() {
        const used = new Set();
        for (const svc of this.services.values())
            if (svc.unsealSecret)
                used.add(svc.unsealSecret.id);
        return Promise.resolve(used);
    }
    inspectService(name) {
        const svc = this.services.get(name);
        return Promise.resolve(svc && {
            id: svc.id,
            name: svc.name,
            replicas: svc.replicas,
            unsealSecret: svc.unsealSecret && { ...svc.unsealSecret },
        });
    }
    swapUnsealSecret(service, secret, options = {}) {
        const svc = this.services.get(service);
        if (!svc)
            return Promise.reject(new Error(`service ${service} not found`));
        svc.unsealSecret = { ...secret };
        if (options.allAtOnce) {
            svc.keptParallelism ??= svc.parallelism;
            svc.parallelism = 0;
        }
        else {
            this.restore(svc);
        }
        this.rollouts.push({ service, parallelism: svc.parallelism });
        if (this.pauseRolloutAfter !== undefined) {
            // Swarm paused the update after these slots: the others keep their tasks (and the old secret).
            for (let slot = 1; slot <= this.pauseRolloutAfter; slot++)
                this.startTask(svc, slot);
            this.pauseRolloutAfter = undefined;
            this.pausedUpdates.add(service);
        }
        else {
            this.rollOut(svc);
        }
        return Promise.resolve();
    }
    restoreUpdateParallelism(service) {
        const svc = this.services.get(service);
        if (!svc)
            return Promise.reject(new Error(`service ${service} not found`));
        return Promise.resolve(this.restore(svc));
    }
    restore(svc) {
        if (svc.keptParallelism === undefined)
            return false;
        svc.parallelism = svc.keptParallelism;
        svc.keptParallelism = undefined;
        return true;
    }
    resumePausedUpdate(service) {
        const svc = this.services.get(service);
        if (!svc || !this.pausedUpdates.delete(service))
            return Promise.resolve(false);
        this.resumes++;
        for (const [slot, t] of this.tasks.get(service) ?? [])
            if (svc.unsealSecret && !t.secretIds.includes(svc.unsealSecret.id))
                this.startTask(svc, slot);
        return Promise.resolve(true);
    }
    currentTasks(service) {
        const out = new Map();
        for (const [slot, t] of this.tasks.get(service) ?? []) {
            if (t.state === 'starting' && t.readsLeft-- <= 0)
                t.state = 'running';
            out.set(slot, {
                id: t.id,
                slot: t.slot,
                state: t.state,
                containerId: t.containerId,
                address: t.address,
                error: t.error,
                secretIds: [...t.secretIds],
                nodeId: t.nodeId,
            });
        }
        return Promise.resolve(out);
    }
    localNodeId() {
        return Promise.resolve(this.localNode);
    }
    listNodes() {
        return Promise.resolve(this.nodes.map((n) => ({ ...n })));
    }
    signalContainer(containerId, signal) {
        for (const [service, bySlot] of this.tasks)
            for (const [slot, task] of bySlot)
                // Docker takes a unique prefix of the id, as `docker kill <short id>` does.
                if (containerId.length >= 12 && task.containerId?.startsWith(containerId)) {
                    if (task.nodeId !== this.localNode)
                        return Promise.reject(dockerError(404, `No such container: ${containerId}`));
                    this.signals.push({ containerId, signal });
                    for (const l of this.signalListeners)
                        l({ service, slot, task }, signal);
                    return Promise.resolve();
                }
        return Promise.reject(dockerError(404, `No such container: ${containerId}`));
    }
    containerStarts(service) {
        const queued = [];
        let waiting;
        const listener = (e) => {
            if (waiting) {
                waiting(e);
                waiting = undefined;
            }
            else
                queued.push(e);
        };
        const listeners = this.eventQueues.get(service) ?? new Set();
        this.eventQueues.set(service, listeners.add(listener));
        return Promise.resolve({
            next: () => {
                const e = queued.shift();
                return e ? Promise.resolve(e) : new Promise((r) => (waiting = r));
            },
            close: () => listeners.delete(listener),
        });
    }
    createJob(spec) {
        if (this.jobs.has(spec.name) || this.services.has(spec.name))
            return Promise.reject(dockerError(409, `service ${spec.name} already exists`));
        if (!this.services.has(spec.likeService))
            return Promise.reject(new Error(`service ${spec.likeService} not found: no job ${spec.name}`));
        const job = {
            spec: structuredClone(spec),
            status: { state: 'pending', done: false, labels: { ...spec.labels } },
            stdout: '',
            stderr: '',
        };
        this.jobs.set(spec.name, job);
        this.jobsCreated.push(job.spec);
        const run = this.jobRunners.get(spec.likeService) ?? this.jobRunner;
        if (run) {
            job.status.state = 'running';
            void run(job.spec).then((r) => {
                Object.assign(job, { stdout: r.stdout, stderr: r.stderr ?? '' });
                job.status = {
                    ...job.status,
                    state: r.exitCode === 0 ? 'complete' : 'failed',
                    done: true,
                    exitCode: r.exitCode,
                };
            }, (err) => {
                job.stderr = String(err);
                job.status = { ...job.status, state: 'failed', done: true, exitCode: 1 };
            });
        }
        return Promise.resolve();
    }
    inspectJob(name) {
        const job = this.jobs.get(name);
        return Promise.resolve(job && { ...job.status, labels: { ...job.status.labels } });
    }
    jobOutput(name) {
        const job = this.jobs.get(name);
        if (!job)
            return Promise.reject(dockerError(404, `service ${name} not found`));
        return Promise.resolve({ stdout: job.stdout, stderr: job.stderr });
    }
    removeJob(name) {
        this.jobs.delete(name);
        return Promise.resolve();
    }
    forceRestart(service) {
        const svc = this.services.get(service);
        if (!svc)
            return Promise.reject(new Error(`service ${service} not found`));
        this.forcedRestarts.push(service);
        this.rollOut(svc);
        return Promise.resolve();
    }
    /** The names of the jobs that exist now. */
    jobNames() {
        return [...this.jobs.keys()].sort();
    }
    /** Makes a job end as a container would (a test that runs jobs by hand instead of `jobRunner`). */
    endJob(name, exitCode, stdout, stderr = '') {
        const job = this.jobs.get(name);
        if (!job)
            throw new Error(`no job ${name}`);
        Object.assign(job, { stdout, stderr });
        job.status = { ...job.status, state: exitCode === 0 ? 'complete' : 'failed', done: true, exitCode };
    }
    removeStack(stack) {
        return Promise.resolve(this.services.delete(`${stack}_vault`));
    }
    stackTasks(stack) {
        return Promise.resolve(this.services.has(`${stack}_vault`) ? this.deployReplicas : 0);
    }
    deployStack(stack, files, env) {
        this.deploys.push({ stack, files, env: { ...env } });
        const secretName = env.VAULT_UNSEAL_KEY_SECRET ?? 'vault_unseal_key';
        const secret = this.secretNamed(secretName);
        if (!secret)
            return Promise.reject(new Error(`docker stack deploy ${stack} failed: secret not found: ${secretName}`));
        const name = `${stack}_vault`;
        const svc = this.services.get(name) ?? {
            id: `service${++this.seq}`,
            name,
            replicas: this.deployReplicas,
            parallelism: 1,
        };
        svc.unsealSecret = { id: secret.id, name: secret.name };
        // A deploy posts the stack file's spec: its update_config, and its labels only.
        svc.parallelism = 1;
        svc.keptParallelism = undefined;
        this.services.set(name, svc);
        this.rollOut(svc);
        return Promise.resolve();
    }
    // ---- for tests
    /** The service's `update_config.parallelism`, and the stack's value kept while it is 0. */
    updateParallelism(service) {
        const svc = this.services.get(service);
        return svc && { parallelism: svc.parallelism, kept: svc.keptParallelism };
    }
    /** Called whenever a task (re)starts; its Vault process starts from its data, sealed. */
    onTaskStart(listener) {
        this.startListeners.push(listener);
    }
    /** Called for every signal delivered to a task's container. */
    onSignal(listener) {
        this.signalListeners.push(listener);
    }
    /** The value of a secret (Docker could not show it; the fake can, so tests check what went in). */
    secretValue(name) {
        return this.secretNamed(name)?.data.toString('utf8');
    }
    /** The labels of a secret, as the bootstrap put them. */
    secretLabels(name) {
        return this.secretNamed(name)?.labels;
    }
    secretNames() {
        return [...this.secrets.values()].map((s) => s.name).sort();
    }
    /** Puts a service in place as if deployed earlier with `secretName` at the unseal target. */
    async givenService(stack, secretName, replicas = 3) {
        const before = this.deployReplicas;
        this.deployReplicas = replicas;
        await this.deployStack(stack, [], { VAULT_UNSEAL_KEY_SECRET: secretName });
        this.deployReplicas = before;
        this.deploys.pop();
    }
    /** Swarm replaces the task of `slot` (its container was killed): a new container, a new address. */
    replaceTask(service, slot) {
        const svc = this.services.get(service);
        if (!svc)
            throw new Error(`no service ${service}`);
        return this.startTask(svc, slot);
    }
    /** Changes the observed state of a task (e.g. `failed` with an error), as Swarm reports it. */
    setTaskState(service, slot, state, error) {
        const t = this.tasks.get(service)?.get(slot);
        if (!t)
            throw new Error(`no task for slot ${slot}`);
        Object.assign(t, { state, error, readsLeft: 0 });
    }
    /** The task of `slot` reports `starting` for the next `reads` reads of `currentTasks`, then `running`. */
    delayTask(service, slot, reads) {
        const t = this.tasks.get(service)?.get(slot);
        if (!t)
            throw new Error(`no task for slot ${slot}`);
        Object.assign(t, { state: 'starting', readsLeft: reads });
    }
    /**
     * The task of `slot` runs and its Vault listens, but Swarm still reports it `starting`: its first
     * healthcheck has not passed (the production file checks every 15 s).
     */
    awaitHealthcheck(service, slot) {
        const t = this.tasks.get(service)?.get(slot);
        if (!t)
            throw new Error(`no task for slot ${slot}`);
        Object.assign(t, { state: 'starting', readsLeft: Number.MAX_SAFE_INTEGER, listening: true });
    }
    /** The address and state of a slot's task, without the side effects of a read. */
    taskSnapshot(service, slot) {
        const t = this.tasks.get(service)?.get(slot);
        return t && { address: t.address, state: t.state, listening: t.listening };
    }
    /** The next secret swap's rollout updates only slots 1..`slots`, then Swarm pauses it (a task failed). */
    pauseNextRollout(slots) {
        this.pauseRolloutAfter = slots;
    }
    /** Removes the task of a slot (the node is down and nothing replaced it yet). */
    dropTask(service, slot) {
        this.tasks.get(service)?.delete(slot);
    }
    rollOut(svc) {
        for (let slot = 1; slot <= svc.replicas; slot++)
            this.startTask(svc, slot);
    }
    startTask(svc, slot) {
        const n = ++this.seq;
        const task = {
            id: `task${n}`,
            slot,
            state: this.startingReads > 0 ? 'starting' : 'running',
            containerId: `c0ffee${String(n).padStart(6, '0')}${'0'.repeat(52)}`, // unique in its first 12 digits, as Docker's are
            address: `10.0.${n % 250}.${slot + 1}`,
            secretIds: svc.unsealSecret ? [svc.unsealSecret.id] : [],
            readsLeft: this.startingReads,
            nodeId: this.oneNode ? 'node-1' : `node-${slot}`,
        };
        const bySlot = this.tasks.get(svc.name) ?? new Map();
        this.tasks.set(svc.name, bySlot.set(slot, task));
        for (const l of this.startListeners)
            l({ service: svc.name, slot, task });
        for (const l of this.eventQueues.get(svc.name) ?? [])
            l({ containerId: task.containerId });
        return task;
    }
    secretNamed(name) {
        return [...this.secrets.values()].find((s) => s.name === name);
    }
}
exports.FakeSwarm = FakeSwarm;
//# sourceMappingURL=swarm.js.map