"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NO_METRICS = void 0;
/** Metrics that go nowhere: the unit tests' and a worker with `VAULT_BOOTSTRAP_METRICS_ADDRESS` empty. */
exports.NO_METRICS = {
    recordHealth: () => undefined,
    countAction: () => undefined,
};
//# sourceMappingURL=observe.js.map