/**
 * Named fault points for the crash and fault-injection tests (docs/faults.md).
 *
 * Inert unless the worker is started with `VAULT_BOOTSTRAP_FAILPOINTS=name[=action],...`: in production
 * the map of enabled points is empty and `hit` is one Map lookup. Every name must be one of `FAILPOINTS`
 * (checked when the worker starts), so a typo in a test fails loudly instead of testing nothing.
 *
 * Actions:
 * - `crash` (default): SIGKILL of the worker's own process, the way a power cut or an OOM kill ends it.
 * - `error`: throws a retryable error (the activity is retried by Temporal).
 * - `pause:<absolute file>`: writes `<file>.reached`, then blocks the activity (it keeps heartbeating)
 *   until `<file>` exists, so a test can act at that exact instant (kill a task, restart a server).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** The peers a bootstrap joins and unseals; node-specific points carry their name. */
const PEERS = ['vault-2', 'vault-3'] as const;

const perPeer = (activity: string, what: string[]): string[] =>
  PEERS.flatMap((peer) => what.map((w) => `${activity}:${w}:${peer}`));

/**
 * Every fault point in the activities, in bootstrap order: before and after each external call that
 * changes state. Names are `<activity>:<before|after>-<what>[:<node>]`.
 */
export const FAILPOINTS: readonly string[] = Object.freeze([
  // Step 1: the placeholder secret (Docker secret create).
  'ensurePlaceholderSecret:before-create',
  'ensurePlaceholderSecret:after-create',
  // Step 2: `docker stack deploy`.
  'deployStack:before-deploy',
  'deployStack:after-deploy',
  // Step 3: `sys/init`, then the key persisted to custody (the unclosable window lies between the two).
  'initLeader:before-init',
  'initLeader:after-init-before-persist',
  'initLeader:after-persist',
  // Step 4: prove the key on the sealed leader (`sys/unseal`), create `_vN`, swap it in, remove old members.
  'rotateUnsealKeySecret:before-prove-unseal',
  'rotateUnsealKeySecret:after-prove-unseal',
  'rotateUnsealKeySecret:before-create',
  'rotateUnsealKeySecret:after-create',
  'rotateUnsealKeySecret:before-service-update',
  'rotateUnsealKeySecret:after-service-update',
  'rotateUnsealKeySecret:before-remove-old',
  'rotateUnsealKeySecret:after-remove-old',
  // Step 5: `sys/unseal` on the leader; on a formed cluster that restarted, also on the member peers (quorum).
  'unsealLeader:before-unseal',
  'unsealLeader:after-unseal',
  ...perPeer('unsealLeader', ['before-unseal', 'after-unseal']),
  // Step 6: `sys/storage/raft/join` on each peer.
  ...perPeer('joinPeers', ['before-join', 'after-join']),
  // Step 7: a peer whose task was replaced since its join is joined again, then each peer is unsealed.
  ...perPeer('unsealPeers', ['before-join', 'after-join']),
  ...perPeer('unsealPeers', ['before-unseal', 'after-unseal']),
]);

const KNOWN = new Set(FAILPOINTS);

export type FailpointAction = { kind: 'crash' } | { kind: 'error' } | { kind: 'pause'; file: string };

/** `VAULT_BOOTSTRAP_FAILPOINTS` is malformed or names a fault point that does not exist. */
export class FailpointSpecError extends Error {
  constructor(spec: string, reason?: string) {
    super(
      reason === undefined
        ? `VAULT_BOOTSTRAP_FAILPOINTS: expected name[=crash|error] or name=pause:/absolute/file, got ${JSON.stringify(spec)}`
        : `VAULT_BOOTSTRAP_FAILPOINTS: ${reason}, got ${JSON.stringify(spec)}`,
    );
    this.name = 'FailpointSpecError';
  }
}

function parseAction(spec: string, raw: string): FailpointAction {
  if (raw === 'crash' || raw === 'error') return { kind: raw };
  if (raw.startsWith('pause:')) {
    const file = raw.slice('pause:'.length);
    if (!isAbsolute(file)) throw new FailpointSpecError(spec, 'a pause needs an absolute file path');
    return { kind: 'pause', file };
  }
  throw new FailpointSpecError(spec);
}

const PAUSE_POLL_MS = 200;
/** A paused activity gives up after this long, so a test that forgot to release it cannot hang forever. */
const PAUSE_LIMIT_MS = 15 * 60_000;

export class Failpoints {
  private readonly enabled = new Map<string, FailpointAction>();

  constructor(specs: string[]) {
    for (const spec of specs) {
      const eq = spec.indexOf('=');
      const name = eq < 0 ? spec : spec.slice(0, eq);
      const action = parseAction(spec, eq < 0 ? 'crash' : spec.slice(eq + 1));
      if (!name) throw new FailpointSpecError(spec);
      if (!KNOWN.has(name)) {
        throw new FailpointSpecError(
          spec,
          `unknown fault point ${JSON.stringify(name)} (the list is FAILPOINTS in src/activities/failpoints.ts and docs/faults.md)`,
        );
      }
      this.enabled.set(name, action);
    }
  }

  /** Runs the action of `name` when it is enabled; otherwise does nothing. */
  async hit(name: string): Promise<void> {
    const action = this.enabled.get(name);
    if (action === undefined) return;
    switch (action.kind) {
      case 'error':
        throw new Error(`failpoint ${name} injected an error`);
      case 'crash':
        process.stderr.write(`failpoint ${name}: SIGKILL\n`);
        process.kill(process.pid, 'SIGKILL');
        return;
      case 'pause':
        return pause(name, action.file);
    }
  }
}

async function pause(name: string, file: string): Promise<void> {
  process.stderr.write(`failpoint ${name}: paused until ${file} exists\n`);
  writeFileSync(`${file}.reached`, `${name}\n`);
  const until = Date.now() + PAUSE_LIMIT_MS;
  while (!existsSync(file)) {
    if (Date.now() >= until) throw new Error(`failpoint ${name}: ${file} did not appear; giving up`);
    await new Promise((r) => setTimeout(r, PAUSE_POLL_MS));
  }
  process.stderr.write(`failpoint ${name}: resumed\n`);
}
