"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ID_SEPARATOR = exports.SECRET_VERSION_SUFFIX_MAX = exports.SECRET_NAME_MAX = exports.STACK_NAME_MAX = exports.STACK_NAME_RE = void 0;
exports.validateStackName = validateStackName;
exports.assertSecretNameFits = assertSecretNameFits;
/**
 * The rules for the names the stack name flows into (service, Docker secrets, custody file, workflow ids),
 * checked once at every entry: configuration, the client's `--stack`, and every activity's input.
 * Sandbox-safe (workflows import `health.ts`, which builds ids from these rules): no Node builtins.
 */
const errors_1 = require("./errors");
/** Letters, digits, `_`, `-`, `.`, starting with a letter or digit: no `/`, no `:`, no `..` path. */
exports.STACK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** The longest stack name accepted (`<stack>_vault` stays well inside Swarm's 63-character service names). */
exports.STACK_NAME_MAX = 48;
/** Swarm's limit on secret (and config) names: 64 characters (swarmkit `validateConfigOrSecretAnnotations`). */
exports.SECRET_NAME_MAX = 64;
/** The longest version suffix the bootstrap reserves room for up front: `_v9999`. */
exports.SECRET_VERSION_SUFFIX_MAX = '_v9999'.length;
/**
 * The separator between an id's kind and the stack in the health ids (`vault-health:<stack>`): a stack name
 * cannot contain it (`STACK_NAME_RE`), so an id names exactly one kind and one stack.
 */
exports.ID_SEPARATOR = ':';
/** A stack name the stack, secret, custody and workflow-id names can be built from; else `ConfigError` for `setting`. */
function validateStackName(name, setting = 'stack') {
    if (typeof name !== 'string' || !exports.STACK_NAME_RE.test(name) || name.length > exports.STACK_NAME_MAX) {
        throw new errors_1.ConfigError(setting, `a name of letters, digits, "_", "-", "." starting with a letter or digit (max ${exports.STACK_NAME_MAX})`, String(name));
    }
    return name;
}
/**
 * Refuses, before anything is created, an unseal-key secret base whose versions (`<base>_v9999`) would exceed
 * Swarm's 64-character limit: Docker would refuse the create with HTTP 400, which no retry changes.
 * Non-retryable `NameTooLong`.
 */
function assertSecretNameFits(base, stack) {
    const longest = base.length + exports.SECRET_VERSION_SUFFIX_MAX;
    if (longest > exports.SECRET_NAME_MAX) {
        throw new errors_1.NonRetryableError(errors_1.ErrorType.NameTooLong, `the unseal-key secret names of stack ${stack} (${base}_vN, up to ${longest} characters) exceed Swarm's ` +
            `${exports.SECRET_NAME_MAX}-character limit; use a shorter stack name or VAULT_UNSEAL_SECRET_NAME. Nothing was changed.`);
    }
}
//# sourceMappingURL=names.js.map