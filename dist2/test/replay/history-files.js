"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.REPLAYED_WORKFLOW_TYPES = exports.HISTORIES_DIR = void 0;
exports.kebab = kebab;
exports.workflowTypeOf = workflowTypeOf;
exports.readHistoryFiles = readHistoryFiles;
exports.keyMaterialFindings = keyMaterialFindings;
/**
 * The committed workflow histories of `test/replay/histories/`: where they live, how they are named and
 * read, and the check that they hold names and ids only, no key material. Shared by the replay test and
 * the recorder (`record-histories.ts`), which refuses to write a history that fails the check.
 *
 * A file is a history in Temporal's JSON form (`{ "events": [...] }`, as `historyToJSON` and
 * `temporal workflow show --output json` write it), named `<workflow-type>.<label>.json`.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const proto_utils_1 = require("@temporalio/common/lib/proto-utils");
/** `test/replay/histories/` of the repository (this file runs from `dist/test/replay/`). */
exports.HISTORIES_DIR = (0, node_path_1.resolve)(__dirname, '..', '..', '..', 'test', 'replay', 'histories');
/** The workflows whose in-flight histories a code change must keep replaying. */
exports.REPLAYED_WORKFLOW_TYPES = [
    'BootstrapVault',
    'VerifyVaultHealth',
    'WatchVaultTasks',
    'BreakGlassRootToken',
];
/** `BootstrapVault` -> `bootstrap-vault`. */
function kebab(workflowType) {
    return workflowType.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
function workflowTypeOf(history) {
    return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
}
/** Every `*.json` history of the folder, sorted by file name. */
function readHistoryFiles(dir = exports.HISTORIES_DIR) {
    return (0, node_fs_1.readdirSync)(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => {
        const text = (0, node_fs_1.readFileSync)((0, node_path_1.join)(dir, file), 'utf8');
        const history = (0, proto_utils_1.historyFromJSON)(JSON.parse(text));
        return { file, name: (0, node_path_1.basename)(file, '.json'), workflowType: workflowTypeOf(history), history, text };
    });
}
function parsedIfJson(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
/**
 * The history JSON with every payload's `data` (and metadata) decoded from base64, and JSON payloads parsed,
 * so that what the workflow saw as input, result or failure detail is searched as the values it held.
 */
function decodedText(historyJson) {
    const b64 = (s) => Buffer.from(s, 'base64').toString('utf8');
    return JSON.stringify(JSON.parse(historyJson), (_key, value) => {
        if (value && typeof value === 'object' && 'data' in value && 'metadata' in value) {
            const p = value;
            const metadata = p.metadata && typeof p.metadata === 'object'
                ? Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, typeof v === 'string' ? b64(v) : v]))
                : p.metadata;
            return { metadata, data: typeof p.data === 'string' ? parsedIfJson(b64(p.data)) : p.data };
        }
        return value;
    });
}
/** Shapes of key material, searched in the decoded history. */
const KEY_MATERIAL = [
    {
        what: 'a field of a Vault init or unseal answer',
        pattern: /"(root_?token|keys(_base64)?|unseal_?keys?(_b64|_hex)?|recovery_keys\w*|unsealKey|rootToken)"\s*:/i,
    },
    { what: 'a Vault / OpenBao token', pattern: /(?<![\w.])(hv[sbr]|[sbr])\.[A-Za-z0-9]{24,}/ },
    // A 32-byte key in base64 (what `sys/init` returns as keys_base64).
    { what: 'a 32-byte value in base64', pattern: /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/ },
    // A 32-byte key in hex (`keys`); the worker's build id `@temporalio/worker@x.y.z+<sha256>` and a digest
    // `sha256:<hex>` are not one.
    { what: 'a 32-byte value in hex', pattern: /(?<![+:0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])/ },
];
/** What in this history (JSON text) looks like key material: empty when it holds names and ids only. */
function keyMaterialFindings(historyJson) {
    const text = decodedText(historyJson);
    return KEY_MATERIAL.flatMap(({ what, pattern }) => {
        const m = pattern.exec(text);
        return m ? [`${what} (${m[0].length} characters at offset ${m.index} of the decoded history)`] : [];
    });
}
//# sourceMappingURL=history-files.js.map