/**
 * What every activity is given (the one seam tests swap), and the small helpers they share:
 * locating the Vault nodes of a stack, waiting for a state with a deadline, named failures.
 */
import { readFile } from 'node:fs/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WorkerConfig } from '../config';
import { unsealSecretBase } from '../config';
import type { CustodyRecordInfo, CustodySecrets, KeyCustody } from '../custody/file-custody';
import { CustodyError } from '../custody/file-custody';
import type { DockerGateway, TaskInfo } from '../docker/gateway';
import { nodeName, serviceName, VAULT_API_PORT } from '../shared/constants';
import type { ErrorTypeName } from '../shared/errors';
import { ErrorType } from '../shared/errors';
import type { VaultNodeClient } from '../vault/gateway';
import { VaultProtocolError } from '../vault/gateway';
import type { NodeTarget } from '../vault/transport';
import type { Failpoints } from './failpoints';

export interface ActivityDeps {
  docker: DockerGateway;
  custody: KeyCustody;
  /** Builds a client for one node; tests may hand out clients of their own. */
  vaultClient: (name: string, target: NodeTarget) => VaultNodeClient;
  config: Pick<WorkerConfig, 'stack' | 'vault'>;
  failpoints: Failpoints;
}

/** One Vault node of the stack, as currently scheduled by Swarm. */
export interface VaultNode {
  slot: number;
  name: string;
  task: TaskInfo;
  client: VaultNodeClient;
}

export function nonRetryable(type: ErrorTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true });
}

/** Custody errors are operator problems: turn them into named, non-retryable failures. */
export function custodyFailure(err: unknown): unknown {
  if (err instanceof CustodyError) return nonRetryable(err.kind, err.message);
  return err;
}

/** A decrypted custody record: the key and token with their record id. */
export type HeldKeys = CustodySecrets & CustodyRecordInfo;

/**
 * The stack's custody record, for a step that cannot go on without it. No record is `UnsealKeyUnavailable`
 * (`without` says what cannot be done); a record that cannot be read keeps its custody error type
 * (`CustodyCorrupt`, `CustodyPermissionsTooOpen`). Both are non-retryable: a retry reads the same disk.
 */
export async function readCustody(
  deps: Pick<ActivityDeps, 'custody'>,
  stack: string,
  without: string,
): Promise<HeldKeys> {
  try {
    return await deps.custody.read(stack);
  } catch (err) {
    if (err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable') {
      throw nonRetryable(
        ErrorType.UnsealKeyUnavailable,
        `custody holds no unseal key for stack ${stack}, so ${without}. Nothing was changed. ` +
          `Restore the custody record and its key file from backup, then run again.`,
      );
    }
    throw custodyFailure(err);
  }
}

/** Unexpected Vault payloads (other product, other seal type) will not change on retry. */
export function vaultFailure(err: unknown): unknown {
  if (err instanceof VaultProtocolError) return nonRetryable(ErrorType.UnexpectedVaultResponse, err.message);
  return err;
}

export function serverName(deps: ActivityDeps, slot: number): string {
  return deps.config.vault.serverNameTemplate.replaceAll('{slot}', String(slot));
}

export function secretBase(deps: ActivityDeps, stack: string): string {
  return unsealSecretBase(deps.config.stack, stack);
}

export async function caPem(deps: ActivityDeps): Promise<string> {
  return readFile(deps.config.vault.caFile, 'utf8');
}

/**
 * Polls `check` until it returns a value, up to `deadlineMs`. Each poll re-reads real state; the pause
 * between polls is cancellation-aware and the activity keeps heartbeating (see `withHeartbeat`).
 */
export async function waitFor<T>(
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 1000,
): Promise<T> {
  const ctx = Context.current();
  const until = Date.now() + deadlineMs;
  let last: string;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
      last = 'condition not met';
    } catch (err) {
      // Named failures and answers this tool does not understand will not change by waiting.
      if (err instanceof ApplicationFailure || err instanceof VaultProtocolError) throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= until) {
      throw new Error(
        `timed out after ${Math.round(deadlineMs / 1000)}s waiting for ${what} (last: ${last})`,
      );
    }
    await ctx.sleep(intervalMs);
  }
}

/** The current running task of each requested slot, each with an overlay address and a Vault client. */
export async function locateNodes(
  deps: ActivityDeps,
  stack: string,
  slots: number[],
): Promise<Map<number, VaultNode>> {
  const tasks = await deps.docker.currentTasks(serviceName(stack));
  const nodes = new Map<number, VaultNode>();
  for (const slot of slots) {
    const task = tasks.get(slot);
    if (!task || task.state !== 'running' || !task.address) continue;
    const name = nodeName(slot);
    const client = deps.vaultClient(name, {
      host: task.address,
      port: VAULT_API_PORT,
      serverName: serverName(deps, slot),
    });
    nodes.set(slot, { slot, name, task, client });
  }
  return nodes;
}

/** Waits until every requested slot has a running task whose API answers seal-status. */
export async function waitForNodes(
  deps: ActivityDeps,
  stack: string,
  slots: number[],
  deadlineMs = 180_000,
): Promise<Map<number, VaultNode>> {
  return waitFor(
    `Vault API of ${slots.map(nodeName).join(', ')} in ${serviceName(stack)}`,
    deadlineMs,
    async () => {
      const nodes = await locateNodes(deps, stack, slots);
      if (nodes.size !== slots.length) {
        const missing = slots.filter((s) => !nodes.has(s)).map(nodeName);
        throw new Error(`no running task yet for ${missing.join(', ')}`);
      }
      for (const n of nodes.values()) await n.client.sealStatus();
      return nodes;
    },
  );
}

export function get<K, V>(map: Map<K, V>, key: K): V {
  const v = map.get(key);
  if (v === undefined) throw new Error(`internal: missing ${String(key)}`);
  return v;
}
