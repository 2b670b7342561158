/**
 * The random-crash soak's view of a test bed: one stack with its workers, the faults the soak injects into
 * it, the end-state checks after a run, and its clean-up. `OneNodeSoakBed` wraps a `TestRun` (the one-node
 * bed, every Vault task on the host's Engine) and reuses the crash matrix's end-state checks;
 * `ThreeNodeSoakBed` wraps a `MultiNodeRun` (a full worker on n1, node agents on n2 and n3) with the same
 * checks read through the nodes' Engines.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { initJobName } from '../../src/activities/cluster/init-job';
import { FileKeyCustody } from '../../src/custody/file-custody';
import { DockerGateway } from '../../src/docker/gateway';
import type { BootstrapResult } from '../../src/shared/types';
import { VaultNodeClient } from '../../src/vault/gateway';
import type { NodeName } from '../support/multinode';
import {
  bedNode,
  MultiNodeRun,
  nodeDocker,
  nodeFaults,
  NODE_NAMES,
  slotNodes,
  vaultOnNode,
} from '../support/multinode';
import { seedVerification } from '../support/seed-verify';
import { dockerCli, killProcess, TestRun } from '../support/testbed';
import { eventually } from '../support/wait';
import { assertBootstrapped, cleanupWithoutLeaks } from './end-state';
import { containersBySlot, listDir, vaultStatusBySlot } from './stack-state';
import { count } from './summary';

export interface SoakBed {
  readonly stack: string;
  /** The workers a bootstrap needs (one full worker; on three nodes, node agents too). */
  startWorkers(): void;
  /** Runs the `vault-bootstrap` client for this stack. */
  client(args: string[]): Promise<{ code: number; out: string }>;
  /** SIGKILL of the full worker; resolves once it is gone. */
  killWorker(): Promise<void>;
  /** A new full worker process with the same configuration. */
  restartWorker(): void;
  /** `docker kill` of the current task of `slot`; false when that slot has no running container. */
  killVaultTask(slot: number): Promise<boolean>;
  /** Whether the stack's init job has a running container (on vault-1's node). */
  initJobRunning(): Promise<boolean>;
  /**
   * `docker rm -f` of the stack's init job container, on vault-1's node, whatever its state; false when there
   * is none (no job yet, or already removed).
   */
  removeInitJob(): Promise<boolean>;
  /** The node's Engine stopped and started again (three nodes only). */
  nodeOutage(node: NodeName): Promise<void>;
  /**
   * After a completed run: one custody record and no `.conflict-` file, exactly one unseal-key secret, three
   * tasks initialized and unsealed, exactly one active, the seed's verification. Counts what it finds.
   */
  assertEndState(client: Client, result: BootstrapResult): Promise<void>;
  /** vault-1 is initialized and custody holds no key for the stack: the key is lost. */
  keyLost(): Promise<boolean>;
  /**
   * With the workers stopped (nothing else unseals), kills the task of `slot`, waits for Swarm's new task,
   * unseals it over the HTTP API with the key from custody and checks `sealed: false`.
   */
  probeRestartedTask(slot: number): Promise<void>;
  /** Stops every worker it started, removes the stack and everything of it; counts and asserts leftovers. */
  cleanup(): Promise<void>;
}

/** `docker rm -f` of each container listed (one id per line); whether one was there. */
async function removeContainers(ids: string, docker: (args: string[]) => Promise<unknown>): Promise<boolean> {
  const list = ids
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (list.length === 0) return false;
  await docker(['rm', '-f', ...list]).catch(() => undefined); // gone between the listing and the removal
  return true;
}

/** How many `vault status` outputs say `HA Mode active`. */
function activeNodes(statusTexts: string[]): number {
  return statusTexts.filter((t) => /^HA Mode\s+active$/m.test(t)).length;
}

/** The service's `docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}'`. */
const SECRETS_FORMAT = '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}';

/** Exactly one secret is mounted at target `vault_unseal_key`, and it is `<base>_v1`. */
function assertOneKeyMounted(secretsJson: string, secretBase: string): void {
  const mounts =
    (JSON.parse(secretsJson) as { SecretName?: string; File?: { Name?: string } }[] | null) ?? [];
  const atTarget = mounts.filter((m) => m.File?.Name === 'vault_unseal_key').map((m) => m.SecretName);
  assert.deepEqual(atTarget, [`${secretBase}_v1`], 'exactly one unseal-key secret mounted, the real key');
}

export function caOf(certDir: string | undefined): Buffer {
  return readFileSync(join(certDir ?? '', 'ca.pem'));
}

/** Seal status of a new task until it answers (a fresh container needs a few seconds to listen). */
export async function answeringSealed(vault: VaultNodeClient, what: string): Promise<void> {
  const s = await eventually(`${what} to answer seal-status`, 90_000, () => vault.sealStatus());
  assert.ok(s.initialized, `${what} is initialized (its Raft data survived the kill)`);
  assert.ok(s.sealed, `${what} came back sealed (no worker runs: nothing else unseals it)`);
}

async function unsealWithCustodyKey(vault: VaultNodeClient, custody: FileKeyCustody, stack: string) {
  const { unsealKey } = await custody.read(stack);
  const after = await vault.unseal(unsealKey);
  assert.equal(after.sealed, false, `${vault.name}: the custody key unseals the restarted task`);
  const again = await vault.sealStatus();
  assert.equal(again.sealed, false, `${vault.name} stays unsealed`);
}

export class OneNodeSoakBed implements SoakBed {
  readonly run = new TestRun();
  private worker: ChildProcess | undefined;

  get stack(): string {
    return this.run.stack;
  }

  startWorkers(): void {
    this.worker = this.run.startWorker();
  }

  client(args: string[]): Promise<{ code: number; out: string }> {
    return this.run.client(args);
  }

  async killWorker(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await killProcess(w);
  }

  restartWorker(): void {
    this.worker = this.run.startWorker();
  }

  async killVaultTask(slot: number): Promise<boolean> {
    const ctr = (await containersBySlot(this.stack)).get(slot);
    if (!ctr) return false;
    return dockerCli(['kill', ctr]).then(
      () => true,
      () => false, // it exited between the listing and the kill
    );
  }

  async initJobRunning(): Promise<boolean> {
    return (await dockerCli(['ps', '-q', '-f', `name=${initJobName(this.stack)}.`])).trim() !== '';
  }

  async removeInitJob(): Promise<boolean> {
    const ids = await dockerCli(['ps', '-a', '-q', '-f', `name=${initJobName(this.stack)}.`]);
    return removeContainers(ids, (args) => dockerCli(args));
  }

  nodeOutage(): Promise<void> {
    return Promise.reject(new Error('node faults need the three-node bed (SOAK_NODES=3)'));
  }

  async assertEndState(client: Client, result: BootstrapResult): Promise<void> {
    await assertBootstrapped(this.run, client, result);
    assertOneKeyMounted(
      await dockerCli(['service', 'inspect', '--format', SECRETS_FORMAT, `${this.stack}_vault`]),
      this.run.secretBase,
    );
    const status = await vaultStatusBySlot(this.stack);
    const texts = [...status.values()].map((s) => s.text);
    assert.equal(activeNodes(texts), 1, `exactly one active node:\n${texts.join('\n')}`);
  }

  async keyLost(): Promise<boolean> {
    const leader = (await vaultStatusBySlot(this.stack)).get(1);
    const held = await this.run
      .custody()
      .read(this.stack)
      .catch(() => undefined);
    return leader?.initialized === true && held === undefined;
  }

  async probeRestartedTask(slot: number): Promise<void> {
    await this.run.stopWorkers();
    const before = (await containersBySlot(this.stack)).get(slot);
    assert.ok(before, `vault-${slot} runs`);
    await dockerCli(['kill', before]);
    const gateway = new DockerGateway('/var/run/docker.sock');
    const task = await eventually(`Swarm's new task for vault-${slot}`, 180_000, async () => {
      const ctr = (await containersBySlot(this.stack)).get(slot);
      const t = (await gateway.currentTasks(`${this.stack}_vault`)).get(slot);
      if (!ctr || ctr === before || !t?.address || !t.containerId?.startsWith(ctr)) return undefined;
      return t;
    });
    const vault = this.run.vaultClient(`vault-${slot}`, task.address!);
    await answeringSealed(vault, `the new vault-${slot} task`);
    await unsealWithCustodyKey(vault, this.run.custody(), this.stack);
  }

  cleanup(): Promise<void> {
    return cleanupWithoutLeaks(this.run);
  }
}

export class ThreeNodeSoakBed implements SoakBed {
  readonly run = new MultiNodeRun();

  get stack(): string {
    return this.run.stack;
  }

  private get custody(): FileKeyCustody {
    return new FileKeyCustody({ dir: this.run.custodyDir, keyFile: this.run.custodyKeyFile });
  }

  startWorkers(): void {
    this.run.startWorker('n1', 'full');
    this.run.startWorker('n2', 'node-agent');
    this.run.startWorker('n3', 'node-agent');
  }

  client(args: string[]): Promise<{ code: number; out: string }> {
    return this.run.client(args);
  }

  killWorker(): Promise<void> {
    return this.run.killWorker('n1');
  }

  restartWorker(): void {
    this.run.startWorker('n1', 'full');
  }

  async killVaultTask(slot: number): Promise<boolean> {
    try {
      const node = (await slotNodes(this.stack)).get(slot);
      const v = node && (await vaultOnNode(this.stack, node));
      if (!node || !v) return false;
      await nodeDocker(node, ['kill', v.container]);
      return true;
    } catch {
      return false; // no task yet, or it exited between the listing and the kill
    }
  }

  async initJobRunning(): Promise<boolean> {
    try {
      const node = (await slotNodes(this.stack)).get(1);
      if (!node) return false;
      return (await nodeDocker(node, ['ps', '-q', '-f', `name=${initJobName(this.stack)}.`])).trim() !== '';
    } catch {
      return false;
    }
  }

  async removeInitJob(): Promise<boolean> {
    try {
      const node = (await slotNodes(this.stack)).get(1);
      if (!node) return false;
      const ids = await nodeDocker(node, ['ps', '-a', '-q', '-f', `name=${initJobName(this.stack)}.`]);
      return await removeContainers(ids, (args) => nodeDocker(node, args));
    } catch {
      return false; // vault-1's node not answering (an Engine fault of the same run)
    }
  }

  async nodeOutage(node: NodeName): Promise<void> {
    try {
      await nodeFaults.stop(node);
    } finally {
      await nodeFaults.start(node);
    }
  }

  async assertEndState(_client: Client, result: BootstrapResult): Promise<void> {
    const { stack, custodyDir, custodyKeyFile, secretBase } = this.run;
    const files = listDir(custodyDir);
    const records = files.filter((f) => f.startsWith(`${stack}.json`));
    const conflicts = files.filter((f) => f.includes('.conflict-'));
    const held = await this.custody.read(stack).catch(() => undefined);
    count(
      'doubleInits',
      records.length !== 1 ||
        conflicts.length > 0 ||
        (held !== undefined && held.keyId !== result.summary.keyId)
        ? 1
        : 0,
      `${stack}: custody ${files.join(' ')}`,
    );
    count('keysLost', held ? 0 : 1, `${stack}: the custody record cannot be read`);
    const secrets = (
      await nodeDocker('n1', ['secret', 'ls', '--format', '{{.Name}}', '-f', `name=${secretBase}`])
    )
      .split('\n')
      .filter((l) => l !== '');
    count('leaksFound', secrets.length === 1 ? 0 : 1, `${stack}: secrets ${secrets.join(' ')}`);

    assert.deepEqual(records, [`${stack}.json`], `one custody record (custody folder: ${files.join(' ')})`);
    assert.deepEqual(conflicts, [], 'no .conflict- record: sys/init answered once');
    assert.ok(held, 'the custody record decrypts');
    assert.equal(result.summary.keyId, held.keyId, 'the final result names the custody record');
    assert.deepEqual(secrets, [`${secretBase}_v1`], 'exactly one unseal-key secret');
    assertOneKeyMounted(
      await nodeDocker('n1', ['service', 'inspect', '--format', SECRETS_FORMAT, `${stack}_vault`]),
      secretBase,
    );
    const texts: string[] = [];
    for (const node of NODE_NAMES) {
      const v = await vaultOnNode(stack, node);
      assert.ok(v, `${node} runs a Vault task`);
      assert.ok(
        v.initialized && !v.sealed,
        `vault-${v.slot} on ${node} is initialized and unsealed:\n${v.text}`,
      );
      texts.push(v.text);
    }
    assert.equal(activeNodes(texts), 1, `exactly one active node:\n${texts.join('\n')}`);
    const v = await seedVerification(stack, custodyDir, custodyKeyFile, this.run.node('n2').dockerHost);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.equal(v.leaders, 1, v.listPeers);
    assert.equal(v.followers, 2, v.listPeers);
  }

  async keyLost(): Promise<boolean> {
    const node = (await slotNodes(this.stack).catch(() => new Map<number, NodeName>())).get(1);
    const leader = node && (await vaultOnNode(this.stack, node).catch(() => undefined));
    const held = await this.custody.read(this.stack).catch(() => undefined);
    return leader?.initialized === true && held === undefined;
  }

  async probeRestartedTask(slot: number): Promise<void> {
    await this.run.stopWorkers();
    const node = (await slotNodes(this.stack)).get(slot);
    assert.ok(node, `vault-${slot} runs on a node`);
    const before = await vaultOnNode(this.stack, node);
    assert.ok(before, `vault-${slot} runs on ${node}`);
    await nodeDocker(node, ['kill', before.container]);
    const gateway = new DockerGateway(bedNode('n1', this.run.bed).socket);
    const task = await eventually(`Swarm's new task for vault-${slot}`, 180_000, async () => {
      const t = (await gateway.currentTasks(`${this.stack}_vault`)).get(slot);
      if (!t?.address || t.state !== 'running' || t.containerId?.startsWith(before.container))
        return undefined;
      return t;
    });
    const on = (await slotNodes(this.stack)).get(slot) ?? node;
    const [host, port] = this.run.node(on).tunnel.split(':');
    const vault = new VaultNodeClient(
      `vault-${slot}`,
      { host: task.address!, port: 8200, serverName: `vault-${slot}` },
      { mode: 'tunnel', host: host!, port: Number(port) },
      caOf(this.run.bed.env.VAULT_CERT_DIR),
      { requestMs: 3000, initMs: 3000 },
    );
    await answeringSealed(vault, `the new vault-${slot} task on ${on}`);
    await unsealWithCustodyKey(vault, this.custody, this.stack);
  }

  async cleanup(): Promise<void> {
    // A node left down by a failed outage would keep its leftovers: every node comes back first.
    for (const node of NODE_NAMES) await nodeFaults.start(node).catch(() => undefined);
    await this.run.cleanup();
    const left = await this.run.leftovers();
    count('leaksFound', left.length, `${this.stack}: left after clean-up: ${left.join(', ')}`);
    assert.deepEqual(left, [], 'the stack leaves nothing behind');
  }
}
