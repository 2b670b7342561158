/**
 * A whole world in memory for the activities: a swarm, the Vault cluster on its tasks (and the restore
 * drill's throwaway one, on tmpfs, when its stack is deployed), custody, fault points and a clock, wired into `ActivityDeps` exactly where src/wiring.ts puts the real ones. Activities
 * run through `@temporalio/testing`'s MockActivityEnvironment (heartbeats, cancellation).
 */
import type { BreakGlassRecipients } from '../../../src/config/break-glass';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import { FileSnapshotStores } from '../../../src/backup/snapshot-store';
import { localFiles } from '../../../src/fs/local-files';
import type { ActivityDeps } from '../../../src/activities';
import { drillStackName } from '../../../src/shared/backup';
import { BOOTSTRAP_STEPS } from '../../../src/shared/steps';
import type { SnapshotManifest, SnapshotStores, VaultNodeFactory } from '../../../src/ports';
import type { BootstrapStep } from '../../../src/shared/steps';
import type { BootstrapInput } from '../../../src/shared/types';
import { REPO } from '../testbed';
import { FakeClock } from './clock';
import { FakeCustody } from './custody';
import { InitKeys } from '../../../src/custody/init-key';
import { CustodyManifestSeal } from '../../../src/custody/manifest-seal';
import { fakeJobRunner } from './jobs';
import { RecordingFailpoints } from './failpoints';
import { FakeSnapshotFolder, FakeSnapshotStores, withoutCanary } from './snapshots';
import { FakeHolds, RecordingMetrics } from './observe';
import { FakeSwarm } from './swarm';
import { FakeVaultCluster } from './vault';
import { testDir } from '../tmp';

export {
  FakeClock,
  FakeSnapshotFolder,
  FakeSnapshotStores,
  FakeCustody,
  FakeHolds,
  FakeSwarm,
  FakeVaultCluster,
  RecordingFailpoints,
  RecordingMetrics,
  withoutCanary,
};

/** A folder with the three TLS file names (contents unread unless a test puts real ones there). */
function placeholderCertDir(): string {
  const dir = testDir('vbt-fake-certs-');
  for (const f of ['ca.pem', 'fullchain.pem', 'privkey.pem']) writeFileSync(join(dir, f), '');
  return dir;
}

/** A backup root with the stack's folder in it, as a mounted storage box would have. */
function backupDir(stack: string): string {
  const dir = testDir('vbt-fake-backups-');
  mkdirSync(join(dir, stack));
  return dir;
}

export interface WorldOptions {
  stack?: string;
  /** The worker's break-glass pins; default `any`. */
  breakGlass?: BreakGlassRecipients;
  clock?: FakeClock;
  /** Folder of the TLS files; default: empty placeholder files. */
  certDir?: string;
  /** `VAULT_CERT_DIR_CONTENTS`: false as the worker stack runs it (no privkey.pem); default true. */
  certDirHoldsKey?: boolean;
  stackFiles?: string[];
  /** The Vault clients to hand out instead of the fake cluster's (e.g. real ones against a local server). */
  vaultNode?: VaultNodeFactory;
  /** The swarm to run in (another world's, for two stacks side by side); default a new one. */
  swarm?: FakeSwarm;
  /**
   * The snapshot folders; default the files under the world's own backup folder (`config.backup.dir`), or
   * `FakeSnapshotStores` in memory.
   */
  snapshots?: SnapshotStores;
  /** `VAULT_UNSEAL_SECRET_NAME`; default `{stack}_vault_unseal_key` (production's is `vault_unseal_key`). */
  unsealSecretTemplate?: string;
}

export type World = ReturnType<typeof fakeWorld>;

/** A MockActivityEnvironment that logs only errors (failed activities are expected in these tests). */
export function activityEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

export function fakeWorld(options: WorldOptions = {}) {
  const stack = options.stack ?? 's1';
  const service = `${stack}_vault`;
  const clock = options.clock ?? new FakeClock();
  const swarm = options.swarm ?? new FakeSwarm();
  const unsealSecretTemplate = options.unsealSecretTemplate ?? '{stack}_vault_unseal_key';
  const vault = new FakeVaultCluster(swarm, service);
  swarm.jobRunners.set(service, fakeJobRunner(vault));
  vault.nowSeconds = () => Math.floor(clock.now() / 1000); // the server's clock is the world's
  swarm.now = () => clock.now(); // as the worker's, which stamps the step label
  // The restore drill's throwaway stack: its data on tmpfs, its Raft node id its own (drillOverride).
  const drillStack = drillStackName(stack);
  const drillVault = new FakeVaultCluster(swarm, `${drillStack}_vault`, {
    ephemeral: true,
    raftNodeId: (slot) => `${drillStack}-vault-${slot}`,
  });
  drillVault.nowSeconds = vault.nowSeconds;
  /** Each client goes to the cluster whose task has the address it is built for. */
  const vaultNode: VaultNodeFactory = (name, target) =>
    (drillVault.serves(target.host) ? drillVault : vault).factory(name, target);
  const custody = new FakeCustody();
  // Manifests are sealed with the real seal over the world's custody, as src/wiring.ts does.
  const seal = new CustodyManifestSeal(custody);
  if (options.snapshots instanceof FakeSnapshotStores && !options.snapshots.seal)
    options.snapshots.seal = seal;
  const failpoints = new RecordingFailpoints();
  const metrics = new RecordingMetrics();
  const holds = new FakeHolds();
  // A folder of its own per world, with the stack's folder in it (the storage "mounted").
  const backupRoot = backupDir(stack);
  const deps: ActivityDeps = {
    swarm,
    custody,
    initKeys: new InitKeys(custody),
    // The stack and TLS files are real files (the repo's stack file, a test's temporary folder).
    files: localFiles,
    snapshots: options.snapshots ?? new FileSnapshotStores(backupRoot, seal),
    vaultNode: options.vaultNode ?? vaultNode,
    config: {
      stack: {
        files: options.stackFiles ?? [join(REPO, 'docker-stack-vault.yml')],
        unsealSecretTemplate,
        deployEnv: {},
      },
      vault: {
        certDir: options.certDir ?? placeholderCertDir(),
        certDirHoldsKey: options.certDirHoldsKey ?? true,
        serverNameTemplate: 'vault-{slot}',
      },
      backup: { dir: backupRoot, keep: { hourly: 24, daily: 7, weekly: 4 } },
      breakGlass: options.breakGlass ?? { kind: 'any' },
    },
    failpoints,
    clock,
    metrics,
    holds,
  };
  const acts = createActivities(deps);
  const input: BootstrapInput = { stack };
  const steps: Record<BootstrapStep, (i: BootstrapInput) => Promise<unknown>> = {
    preflight: acts.preflight,
    ensurePlaceholderSecret: acts.ensurePlaceholderSecret,
    deployStack: acts.deployStack,
    initLeader: acts.initLeader,
    rotateUnsealKeySecret: acts.rotateUnsealKeySecret,
    unsealLeader: acts.unsealLeader,
    joinPeers: acts.joinPeers,
    unsealPeers: acts.unsealPeers,
    verifyCluster: acts.verifyCluster,
    revokeRootToken: acts.revokeRootToken,
  };
  return {
    stack,
    service,
    secretBase: unsealSecretTemplate.replaceAll('{stack}', stack),
    input,
    clock,
    swarm,
    vault,
    drillVault,
    custody,
    failpoints,
    metrics,
    holds,
    deps,
    acts,
    /** Runs an activity in a fresh MockActivityEnvironment. */
    run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
      return activityEnv().run<A, R, typeof fn>(fn, ...args);
    },
    /** Runs an activity in `env` (one from `activityEnv()`, to watch its heartbeats or cancel it). */
    runIn<A extends unknown[], R>(
      env: MockActivityEnvironment,
      fn: (...args: A) => Promise<R>,
      ...args: A
    ): Promise<R> {
      return env.run<A, R, typeof fn>(fn, ...args);
    },
    /** Runs the bootstrap steps in order, through `last` (as a complete earlier run left the world). */
    async bootstrapThrough(last: BootstrapStep): Promise<void> {
      for (const step of BOOTSTRAP_STEPS) {
        await activityEnv().run(steps[step], input);
        if (step === last) return;
      }
    },
  };
}

/** A world as a complete run through `last` left it, with the fault-point hits of that run cleared. */
export async function worldAfter(last: BootstrapStep, options: WorldOptions = {}): Promise<World> {
  const w = fakeWorld(options);
  await w.bootstrapThrough(last);
  w.failpoints.clear();
  return w;
}

/**
 * Issue 26's cluster, as a host dockerd restart left it: a formed cluster whose vault-1 restarted first
 * (vault-2 took over), then vault-2 and vault-3 restarted too, and vault-1 was unsealed first (by an earlier
 * attempt). vault-1 is an unsealed standby whose sys/leader still names vault-2, which is sealed, as is
 * vault-3: no node is active, and none becomes active until a quorum of members is unsealed.
 */
export async function standbyNamingSealedLeader(): Promise<World> {
  const w = await worldAfter('verifyCluster');
  w.swarm.replaceTask(w.service, 1);
  if (w.vault.activeSlot() !== 2) throw new Error('internal: vault-2 should have taken over');
  w.swarm.replaceTask(w.service, 2);
  w.swarm.replaceTask(w.service, 3);
  w.vault.node(1).sealed = false;
  return w;
}

/** A world with one snapshot in its in-memory folder, and that snapshot's manifest. */
export interface BackedUpWorld {
  w: World;
  folder: FakeSnapshotFolder;
  manifest: SnapshotManifest;
}

/**
 * A bootstrapped, running stack with one snapshot taken (its canary written just before), as `BackupVault`
 * leaves it, with the fault-point hits cleared; `beforeSnapshot` changes the cluster first.
 */
export async function backedUpWorld(
  beforeSnapshot: (w: World) => void = () => undefined,
): Promise<BackedUpWorld> {
  const snapshots = new FakeSnapshotStores();
  const w = fakeWorld({ snapshots });
  await w.bootstrapThrough('revokeRootToken');
  await w.run(w.acts.ensureBackupAccess, w.input);
  beforeSnapshot(w);
  const manifest = await w.run(w.acts.takeSnapshot, w.input);
  w.failpoints.clear();
  return { w, folder: snapshots.of(w.stack), manifest };
}
