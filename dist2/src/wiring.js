"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.buildActivityDeps = buildActivityDeps;
const failpoints_1 = require("./activities/failpoints");
const wait_1 = require("./activities/wait");
const ports_1 = require("./ports");
const temporal_holds_1 = require("./holds/temporal-holds");
const file_custody_1 = require("./custody/file-custody");
const replicated_custody_1 = require("./custody/replicated-custody");
const swarm_replicas_1 = require("./custody/swarm-replicas");
const gateway_1 = require("./docker/gateway");
const gateway_2 = require("./vault/gateway");
/** The file custody, with a copy of each record in the swarm when `VAULT_BOOTSTRAP_CUSTODY_REPLICA=swarm`. */
function buildCustody(config) {
    const local = new file_custody_1.FileKeyCustody(config.custody);
    return config.custody.replica === 'swarm'
        ? new replicated_custody_1.ReplicatedKeyCustody(local, new swarm_replicas_1.SwarmCustodyReplicas(config.dockerSocket))
        : local;
}
function buildActivityDeps(config, swarm = new gateway_1.DockerGateway(config.dockerSocket, config.stack.dockerCli, config.stack.cliBaseEnv), metrics = ports_1.NO_METRICS) {
    const ca = Buffer.from(config.vault.caPem);
    return {
        swarm,
        custody: buildCustody(config),
        vaultNode: (name, target) => new gateway_2.VaultNodeClient(name, target, config.vault.addressing, ca, {
            requestMs: config.vault.requestTimeoutMs,
            initMs: config.vault.initTimeoutMs,
        }),
        config,
        failpoints: new failpoints_1.Failpoints(config.failpoints),
        clock: wait_1.systemClock,
        metrics,
        // Asked through the client of the Worker that runs the activity.
        holds: new temporal_holds_1.TemporalStackHolds(),
    };
}
//# sourceMappingURL=wiring.js.map