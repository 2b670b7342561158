"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RecordingMetrics = exports.RecordingFailpoints = exports.FakeVaultCluster = exports.FakeSwarm = exports.FakeHolds = exports.FakeCustody = exports.FakeClock = void 0;
exports.activityEnv = activityEnv;
exports.fakeWorld = fakeWorld;
exports.worldAfter = worldAfter;
/**
 * A whole world in memory for the activities: a swarm, the Vault cluster on its tasks, custody, fault
 * points and a clock, wired into `ActivityDeps` exactly where src/wiring.ts puts the real ones. Activities
 * run through `@temporalio/testing`'s MockActivityEnvironment (heartbeats, cancellation).
 */
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const testing_1 = require("@temporalio/testing");
const worker_1 = require("@temporalio/worker");
const activities_1 = require("../../../src/activities");
const steps_1 = require("../../../src/shared/steps");
const testbed_1 = require("../testbed");
const clock_1 = require("./clock");
Object.defineProperty(exports, "FakeClock", { enumerable: true, get: function () { return clock_1.FakeClock; } });
const custody_1 = require("./custody");
Object.defineProperty(exports, "FakeCustody", { enumerable: true, get: function () { return custody_1.FakeCustody; } });
const jobs_1 = require("./jobs");
const failpoints_1 = require("./failpoints");
Object.defineProperty(exports, "RecordingFailpoints", { enumerable: true, get: function () { return failpoints_1.RecordingFailpoints; } });
const observe_1 = require("./observe");
Object.defineProperty(exports, "FakeHolds", { enumerable: true, get: function () { return observe_1.FakeHolds; } });
Object.defineProperty(exports, "RecordingMetrics", { enumerable: true, get: function () { return observe_1.RecordingMetrics; } });
const swarm_1 = require("./swarm");
Object.defineProperty(exports, "FakeSwarm", { enumerable: true, get: function () { return swarm_1.FakeSwarm; } });
const vault_1 = require("./vault");
Object.defineProperty(exports, "FakeVaultCluster", { enumerable: true, get: function () { return vault_1.FakeVaultCluster; } });
/** A folder with the three TLS file names (contents unread unless a test puts real ones there). */
function placeholderCertDir() {
    const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-fake-certs-'));
    for (const f of ['ca.pem', 'fullchain.pem', 'privkey.pem'])
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, f), '');
    return dir;
}
/** A backup root with the stack's folder in it, as a mounted storage box would have. */
function backupDir(stack) {
    const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'vbt-fake-backups-'));
    (0, node_fs_1.mkdirSync)((0, node_path_1.join)(dir, stack));
    return dir;
}
/** A MockActivityEnvironment that logs only errors (failed activities are expected in these tests). */
function activityEnv() {
    return new testing_1.MockActivityEnvironment(undefined, { logger: new worker_1.DefaultLogger('ERROR') });
}
function fakeWorld(options = {}) {
    const stack = options.stack ?? 's1';
    const service = `${stack}_vault`;
    const clock = options.clock ?? new clock_1.FakeClock();
    const swarm = options.swarm ?? new swarm_1.FakeSwarm();
    const unsealSecretTemplate = options.unsealSecretTemplate ?? '{stack}_vault_unseal_key';
    const vault = new vault_1.FakeVaultCluster(swarm, service);
    swarm.jobRunners.set(service, (0, jobs_1.fakeJobRunner)(vault));
    const custody = new custody_1.FakeCustody();
    const failpoints = new failpoints_1.RecordingFailpoints();
    const metrics = new observe_1.RecordingMetrics();
    const holds = new observe_1.FakeHolds();
    const deps = {
        swarm,
        custody,
        vaultNode: options.vaultNode ?? vault.factory,
        config: {
            stack: {
                files: options.stackFiles ?? [(0, node_path_1.join)(testbed_1.REPO, 'docker-stack-vault.yml')],
                unsealSecretTemplate,
                stackDirRoot: undefined,
                deployEnv: {},
            },
            vault: { certDir: options.certDir ?? placeholderCertDir(), serverNameTemplate: 'vault-{slot}' },
            // A folder of its own per world, with the stack's folder in it (the storage "mounted").
            backup: { dir: backupDir(stack), keep: { hourly: 24, daily: 7, weekly: 4 } },
        },
        failpoints,
        clock,
        metrics,
        holds,
    };
    const acts = (0, activities_1.createActivities)(deps);
    const input = { stack };
    const steps = {
        preflight: acts.preflight,
        ensurePlaceholderSecret: acts.ensurePlaceholderSecret,
        deployStack: acts.deployStack,
        initLeader: acts.initLeader,
        rotateUnsealKeySecret: acts.rotateUnsealKeySecret,
        unsealLeader: acts.unsealLeader,
        joinPeers: acts.joinPeers,
        unsealPeers: acts.unsealPeers,
        verifyCluster: acts.verifyCluster,
        revokeRootToken: acts.revokeRootToken,
    };
    return {
        stack,
        service,
        secretBase: unsealSecretTemplate.replaceAll('{stack}', stack),
        input,
        clock,
        swarm,
        vault,
        custody,
        failpoints,
        metrics,
        holds,
        deps,
        acts,
        /** Runs an activity in a fresh MockActivityEnvironment. */
        run(fn, ...args) {
            return activityEnv().run(fn, ...args);
        },
        /** Runs an activity in `env` (one from `activityEnv()`, to watch its heartbeats or cancel it). */
        runIn(env, fn, ...args) {
            return env.run(fn, ...args);
        },
        /** Runs the bootstrap steps in order, through `last` (as a complete earlier run left the world). */
        async bootstrapThrough(last) {
            for (const step of steps_1.BOOTSTRAP_STEPS) {
                await activityEnv().run(steps[step], input);
                if (step === last)
                    return;
            }
        },
    };
}
/** A world as a complete run through `last` left it, with the fault-point hits of that run cleared. */
async function worldAfter(last, options = {}) {
    const w = fakeWorld(options);
    await w.bootstrapThrough(last);
    w.failpoints.clear();
    return w;
}
//# sourceMappingURL=index.js.map