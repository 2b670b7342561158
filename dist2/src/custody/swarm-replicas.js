"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SwarmCustodyReplicas = exports.KIND_CUSTODY_REPLICA = void 0;
/**
 * `CustodyReplicaStore` on Docker configs: each copy of an encrypted custody record is one config, in the
 * swarm's Raft store on every manager (it survives the loss of any one of three). Configs are immutable, so a
 * new revision is a new config (`vbc-<record id>-<seq>-<random>`, labelled with the stack, record id and
 * revision) and older ones are removed. Configs can be read back through the API (secrets cannot), which is
 * why the copy is the encrypted record and never a key in clear.
 */
const node_crypto_1 = require("node:crypto");
const dockerode_1 = __importDefault(require("dockerode"));
const constants_1 = require("../shared/constants");
/** `LABEL_KIND` of a custody copy. */
exports.KIND_CUSTODY_REPLICA = 'custody-replica';
class SwarmCustodyReplicas {
    docker;
    constructor(socketPath) {
        this.docker = new dockerode_1.default({ socketPath });
    }
    async list(stack) {
        const raw = (await this.docker.listConfigs({
            filters: { label: [`${constants_1.LABEL_KIND}=${exports.KIND_CUSTODY_REPLICA}`, `${constants_1.LABEL_STACK}=${stack}`] },
        }));
        const out = [];
        for (const c of raw) {
            const labels = c.Spec?.Labels ?? {};
            const seq = Number(labels[constants_1.LABEL_VERSION]);
            const keyId = labels[constants_1.LABEL_KEY_ID];
            if (!c.ID || !keyId || !Number.isInteger(seq) || c.Spec?.Data === undefined)
                continue;
            out.push({ id: c.ID, keyId, seq, text: Buffer.from(c.Spec.Data, 'base64').toString('utf8') });
        }
        return out;
    }
    async put(stack, keyId, seq, text) {
        await this.docker.createConfig({
            Name: `vbc-${keyId}-${seq}-${(0, node_crypto_1.randomBytes)(3).toString('hex')}`,
            Labels: {
                [constants_1.LABEL_KIND]: exports.KIND_CUSTODY_REPLICA,
                [constants_1.LABEL_STACK]: stack,
                [constants_1.LABEL_KEY_ID]: keyId,
                [constants_1.LABEL_VERSION]: String(seq),
            },
            Data: Buffer.from(text, 'utf8').toString('base64'),
        });
    }
    async remove(id) {
        try {
            await this.docker.getConfig(id).remove();
        }
        catch (err) {
            if (err.statusCode !== 404)
                throw err; // removed by another worker meanwhile
        }
    }
}
exports.SwarmCustodyReplicas = SwarmCustodyReplicas;
//# sourceMappingURL=swarm-replicas.js.map