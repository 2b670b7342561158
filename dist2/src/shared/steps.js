"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BOOTSTRAP_STEPS = void 0;
/**
 * The bootstrap steps, in order: the preflight that validates input before anything changes, the eight steps
 * of the seed, and `revokeRootToken`, which leaves the worker its own token and no standing root token.
 * Imported by workflows (to order and report them) and by activities (to name their errors).
 */
exports.BOOTSTRAP_STEPS = [
    'preflight',
    'ensurePlaceholderSecret',
    'deployStack',
    'initLeader',
    'rotateUnsealKeySecret',
    'unsealLeader',
    'joinPeers',
    'unsealPeers',
    'verifyCluster',
    'revokeRootToken',
];
//# sourceMappingURL=steps.js.map