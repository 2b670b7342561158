"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TemporalUnreachableError = void 0;
exports.connectWorker = connectWorker;
exports.connectClient = connectClient;
/**
 * Connecting to Temporal with errors an operator can act on, for the worker and the client alike.
 */
const client_1 = require("@temporalio/client");
const worker_1 = require("@temporalio/worker");
const errors_1 = require("./shared/errors");
var errors_2 = require("./shared/errors");
Object.defineProperty(exports, "TemporalUnreachableError", { enumerable: true, get: function () { return errors_2.TemporalUnreachableError; } });
const CONNECT_TIMEOUT_MS = 10_000;
async function connectWorker(config) {
    try {
        const connection = await worker_1.NativeConnection.connect({ ...config.connection, address: config.address });
        await connection.workflowService.getSystemInfo({});
        return connection;
    }
    catch (err) {
        throw new errors_1.TemporalUnreachableError(config, err);
    }
}
async function connectClient(config) {
    try {
        const { address, tls, apiKey, metadata } = config.connection;
        const connection = await client_1.Connection.connect({
            address: config.address ?? address,
            tls,
            apiKey,
            metadata,
            connectTimeout: CONNECT_TIMEOUT_MS,
        });
        return connection;
    }
    catch (err) {
        throw new errors_1.TemporalUnreachableError(config, err);
    }
}
//# sourceMappingURL=temporal.js.map