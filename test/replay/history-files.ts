/**
 * The committed workflow histories of `test/replay/histories/`: where they live, how they are named and
 * read, which workflow types must have one (every one `src/workflows` exports), and the check that they
 * hold names and ids only, no key material. Shared by the replay test and the recorder
 * (`record-histories.ts`), which refuses to write a history that fails the check.
 *
 * A file is a history in Temporal's JSON form (`{ "events": [...] }`, as `historyToJSON` and
 * `temporal workflow show --output json` write it), named `<workflow-type>.<label>.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type * as workflows from '../../src/workflows';

/** `test/replay/histories/` of the repository (this file runs from `dist/test/replay/`). */
export const HISTORIES_DIR = resolve(__dirname, '..', '..', '..', 'test', 'replay', 'histories');

/**
 * A workflow type the worker registers: the name of a function `src/workflows/index.ts` exports (the worker
 * registers each exported function under its export name). The queries and signals exported beside them
 * are objects, not workflows.
 */
export type WorkflowType = {
  [K in keyof typeof workflows]: (typeof workflows)[K] extends (...args: never[]) => unknown ? K : never;
}[keyof typeof workflows];

/**
 * The workflow types of a workflows module (`src/workflows`, imported): its exported functions' names,
 * sorted. Every one of them can have runs in flight when a new worker takes over, so every one needs
 * recorded histories.
 */
export function workflowTypesOf(module: typeof workflows): WorkflowType[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name as WorkflowType)
    .sort();
}

/** The types among `types` that no history in `files` is of, in the order given: empty when each has one. */
export function typesLackingHistories<T extends string>(
  types: readonly T[],
  files: readonly Pick<HistoryFile, 'workflowType'>[],
): T[] {
  const recorded = new Set(files.map((f) => f.workflowType));
  return types.filter((type) => !recorded.has(type));
}

export type History = temporal.api.history.v1.IHistory;

export interface HistoryFile {
  /** File name, e.g. `bootstrap-vault.completed.json`. */
  file: string;
  /** File name without `.json`. */
  name: string;
  /**
   * The workflow id the run had (its first event names it), which the replay gives the workflow: code that
   * reads its own id (`RestoreDrill`: the stack's drill id or another) takes the branch the run took. A
   * history without it (none here) is replayed under `name`.
   */
  workflowId: string;
  /** Workflow type, from the history's first event. */
  workflowType: string;
  history: History;
  /** The file's text, as committed. */
  text: string;
}

/** `BootstrapVault` -> `bootstrap-vault`. */
export function kebab(workflowType: string): string {
  return workflowType.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function workflowTypeOf(history: History): string {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
}

/** Every `*.json` history of the folder, sorted by file name. */
export function readHistoryFiles(dir = HISTORIES_DIR): HistoryFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const history = historyFromJSON(JSON.parse(text));
      const name = basename(file, '.json');
      const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || name;
      return { file, name, workflowId, workflowType: workflowTypeOf(history), history, text };
    });
}

function parsedIfJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The history JSON with every payload's `data` (and metadata) decoded from base64, and JSON payloads parsed,
 * so that what the workflow saw as input, result or failure detail is searched as the values it held.
 */
function decodedText(historyJson: string): string {
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  return JSON.stringify(JSON.parse(historyJson), (_key, value: unknown) => {
    if (value && typeof value === 'object' && 'data' in value && 'metadata' in value) {
      const p = value as { data?: unknown; metadata?: unknown };
      const metadata =
        p.metadata && typeof p.metadata === 'object'
          ? Object.fromEntries(
              Object.entries(p.metadata).map(([k, v]) => [k, typeof v === 'string' ? b64(v) : v]),
            )
          : p.metadata;
      return { metadata, data: typeof p.data === 'string' ? parsedIfJson(b64(p.data)) : p.data };
    }
    return value;
  });
}

/** Shapes of key material, searched in the decoded history. */
const KEY_MATERIAL: { what: string; pattern: RegExp }[] = [
  {
    // Not when the field holds an object: a backup manifest's `unsealKey` is a reference to the key
    // (`{ custodyKeyId, secretName, secretVersion }`), never the key. Whatever such an object holds is still
    // searched by the value shapes below.
    what: 'a field of a Vault init or unseal answer',
    pattern:
      /"(root_?token|keys(_base64)?|unseal_?keys?(_b64|_hex)?|recovery_keys\w*|unsealKey|rootToken)"\s*:(?!\s*\{)/i,
  },
  { what: 'a Vault / OpenBao token', pattern: /(?<![\w.])(hv[sbr]|[sbr])\.[A-Za-z0-9]{24,}/ },
  // A 32-byte key in base64 (what `sys/init` returns as keys_base64).
  { what: 'a 32-byte value in base64', pattern: /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/ },
  // A 32-byte key in hex (`keys`); the worker's build id `@temporalio/worker@x.y.z+<sha256>`, a digest
  // `sha256:<hex>`, and a snapshot's digest and its manifest's MAC (`"sha256": "<hex>"`, `"mac": "<hex>"`, also
  // quoted once more inside a child workflow's result, as `RekeyVault` carries `BackupVault`'s) are not one.
  {
    what: 'a 32-byte value in hex',
    pattern: /(?<![+:0-9a-fA-F])(?<!\\?"(sha256|mac)\\?"\s*:\s*\\?")[0-9a-fA-F]{64}(?![0-9a-fA-F])/,
  },
];

/** What in this history (JSON text) looks like key material: empty when it holds names and ids only. */
export function keyMaterialFindings(historyJson: string): string[] {
  const text = decodedText(historyJson);
  return KEY_MATERIAL.flatMap(({ what, pattern }) => {
    const m = pattern.exec(text);
    return m ? [`${what} (${m[0].length} characters at offset ${m.index} of the decoded history)`] : [];
  });
}
