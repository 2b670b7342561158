"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.namedFailure = namedFailure;
exports.retryableError = retryableError;
exports.tick = tick;
/** Assertions on what an activity run through MockActivityEnvironment rejects with. */
const strict_1 = __importDefault(require("node:assert/strict"));
const common_1 = require("@temporalio/common");
/** For `assert.rejects`: a non-retryable ApplicationFailure of `type` (and a message matching `message`). */
function namedFailure(type, message) {
    return (err) => {
        strict_1.default.ok(err instanceof common_1.ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
        strict_1.default.equal(err.type, type, err.message);
        strict_1.default.equal(err.nonRetryable, true);
        if (message)
            strict_1.default.match(err.message, message);
        return true;
    };
}
/** For `assert.rejects`: an error a retry may fix (not a named failure), with a message matching `message`. */
function retryableError(message) {
    return (err) => {
        strict_1.default.ok(err instanceof Error, String(err));
        strict_1.default.ok(!(err instanceof common_1.ApplicationFailure && err.nonRetryable), `unexpected named failure: ${err.message}`);
        strict_1.default.match(err.message, message);
        return true;
    };
}
/** Resolves on the next turn of the event loop (lets in-flight activity code run). */
function tick() {
    return new Promise((r) => setImmediate(r));
}
//# sourceMappingURL=failures.js.map