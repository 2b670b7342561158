"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.bootstrapWithOwnCa = bootstrapWithOwnCa;
/** The e2e arrange step shared by the tests that need a bootstrapped cluster of their own. */
const strict_1 = __importDefault(require("node:assert/strict"));
const history_1 = require("./history");
/**
 * A cluster with its own CA: the CA and `vault-1`'s certificate made in the run's folder, the run's worker
 * started with `extra`, the bootstrap run to its end; resolves with a Temporal client of the bed's server.
 */
async function bootstrapWithOwnCa(run, certs, extra) {
    await certs.createCa();
    await certs.issueServer(1);
    const temporal = await (0, history_1.temporalClient)(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
    run.startWorker(extra);
    const boot = await run.client(['bootstrap', '--wait'], extra);
    strict_1.default.equal(boot.code, 0, boot.out);
    return temporal;
}
//# sourceMappingURL=bootstrapped.js.map