/**
 * The gateway over the Docker Engine API (dockerode): secrets, the Vault service, its tasks, stack deploy.
 * It reads and changes Docker state; it makes no decisions. Secret values go in, never out (the API cannot
 * read them back), and never into argv or logs.
 */
import { execFile } from 'node:child_process';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { LABEL_KIND, LABEL_KEY_ID, UNSEAL_SECRET_TARGET, VAULT_NETWORK } from '../shared/constants';
import type { SecretRef } from '../shared/types';

export interface SecretInfo extends SecretRef {
  labels: Record<string, string>;
  keyId?: string;
  createdAt: string;
}

export interface ServiceInfo {
  id: string;
  name: string;
  version: number;
  replicas: number | undefined;
  /** The secret attached at target `vault_unseal_key`, if any. */
  unsealSecret?: { id: string; name: string };
  /** IDs of all secrets the service references. */
  secretIds: string[];
  updateState?: string;
  image: string;
}

export interface TaskInfo {
  id: string;
  slot: number;
  state: string;
  desiredState: string;
  containerId?: string;
  /** IPv4 address on `iklimco-net`, without the prefix length. */
  address?: string;
  /** Service spec version this task was created from. */
  serviceVersion?: number;
  createdAt: string;
  error?: string;
  /** Secrets the task was created with (a rollout is done when every task has the new one). */
  secretIds: string[];
}

/** Version of a managed secret from its name: `base` is 0, `base_vN` is N; undefined when not in the family. */
export function secretVersionOf(base: string, name: string): number | undefined {
  if (name === base) return 0;
  const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_v([0-9]+)$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The fields of a Swarm task this gateway reads (dockerode types tasks as `any`). */
interface RawTask {
  ID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  Version?: { Index?: number };
  Spec?: Docker.TaskSpec;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

type ContainerSpec = NonNullable<Docker.ContainerTaskSpec['ContainerSpec']>;

/** The container part of a task template (services here are never plugin services). */
function containerSpec(spec: Docker.TaskSpec | undefined): ContainerSpec | undefined {
  return spec && 'ContainerSpec' in spec ? spec.ContainerSpec : undefined;
}

export class DockerGateway {
  readonly docker: Docker;

  constructor(
    socketPath: string,
    private readonly cli: string = 'docker',
  ) {
    this.docker = new Docker({ socketPath });
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async swarmActive(): Promise<boolean> {
    const info = (await this.docker.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    return info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
  }

  async networkExists(name: string = VAULT_NETWORK): Promise<boolean> {
    const nets = await this.docker.listNetworks({ filters: { name: [name] } });
    return nets.some((n) => n.Name === name);
  }

  /** Every secret of a family: `base` and `base_vN`, oldest version first. */
  async listSecretFamily(base: string): Promise<SecretInfo[]> {
    const all = await this.docker.listSecrets({ filters: { name: [base] } });
    const out: SecretInfo[] = [];
    for (const s of all) {
      const name = s.Spec?.Name ?? '';
      const version = secretVersionOf(base, name);
      if (version === undefined) continue;
      const labels = s.Spec?.Labels ?? {};
      const kind = labels[LABEL_KIND];
      out.push({
        id: s.ID,
        name,
        version,
        labels,
        kind: kind === 'placeholder' || kind === 'unseal-key' ? kind : 'unknown',
        keyId: labels[LABEL_KEY_ID],
        createdAt: s.CreatedAt ?? '',
      });
    }
    return out.sort((a, b) => a.version - b.version);
  }

  /** Creates a secret. `data` is the value; it goes to the Engine API body only. */
  async createSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<string> {
    const created = (await this.docker.createSecret({
      Name: name,
      Labels: labels,
      Data: data.toString('base64'),
    })) as {
      id?: string;
      ID?: string;
    };
    const id = created.id ?? created.ID;
    if (!id) throw new Error(`creating secret ${name}: Docker returned no id`);
    return id;
  }

  async removeSecret(id: string): Promise<void> {
    await this.docker.getSecret(id).remove();
  }

  /** IDs of every secret referenced by any service in the swarm. */
  async secretsInUse(): Promise<Set<string>> {
    const services = await this.docker.listServices();
    const used = new Set<string>();
    for (const s of services) {
      for (const ref of containerSpec(s.Spec?.TaskTemplate)?.Secrets ?? [])
        if (ref.SecretID) used.add(ref.SecretID);
    }
    return used;
  }

  async inspectService(name: string): Promise<ServiceInfo | undefined> {
    const found = await this.docker.listServices({ filters: { name: [name] } });
    const svc = found.find((s) => s.Spec?.Name === name);
    if (!svc) return undefined;
    const spec = svc.Spec!;
    const secrets = containerSpec(spec.TaskTemplate)?.Secrets ?? [];
    const unseal = secrets.find((s) => s.File?.Name === UNSEAL_SECRET_TARGET);
    return {
      id: svc.ID ?? '',
      name,
      version: svc.Version?.Index ?? 0,
      replicas: spec.Mode?.Replicated?.Replicas,
      unsealSecret: unseal?.SecretID ? { id: unseal.SecretID, name: unseal.SecretName ?? '' } : undefined,
      secretIds: secrets.map((s) => s.SecretID ?? '').filter((s) => s !== ''),
      updateState: (svc as { UpdateStatus?: { State?: string } }).UpdateStatus?.State,
      image: containerSpec(spec.TaskTemplate)?.Image ?? '',
    };
  }

  /**
   * Points the service's `vault_unseal_key` target at another secret. Swarm rolls the tasks (stop-first):
   * they restart and come back sealed.
   */
  async swapUnsealSecret(serviceName: string, secret: { id: string; name: string }): Promise<void> {
    const svc = await this.docker.listServices({ filters: { name: [serviceName] } });
    const current = svc.find((s) => s.Spec?.Name === serviceName);
    if (!current?.ID || !current.Spec) throw new Error(`service ${serviceName} not found`);
    const spec = structuredClone(current.Spec);
    const cs = containerSpec(spec.TaskTemplate);
    if (!cs) throw new Error(`service ${serviceName} has no container spec`);
    const others = (cs.Secrets ?? []).filter((s) => s.File?.Name !== UNSEAL_SECRET_TARGET);
    const old = (cs.Secrets ?? []).find((s) => s.File?.Name === UNSEAL_SECRET_TARGET);
    cs.Secrets = [
      ...others,
      {
        SecretID: secret.id,
        SecretName: secret.name,
        File: old?.File ?? { Name: UNSEAL_SECRET_TARGET, UID: '0', GID: '0', Mode: 0o400 },
      },
    ];
    await this.docker.getService(current.ID).update({ ...spec, version: current.Version?.Index });
  }

  async listTasks(serviceName: string): Promise<TaskInfo[]> {
    const tasks = (await this.docker.listTasks({ filters: { service: [serviceName] } })) as RawTask[];
    return tasks.map((t) => {
      const onNet = t.NetworksAttachments?.find((a) => a.Network?.Spec?.Name === VAULT_NETWORK);
      const status = t.Status;
      return {
        id: t.ID ?? '',
        slot: t.Slot ?? 0,
        state: status?.State ?? 'unknown',
        desiredState: t.DesiredState ?? 'unknown',
        containerId: status?.ContainerStatus?.ContainerID,
        address: onNet?.Addresses?.[0]?.split('/')[0],
        serviceVersion: t.Version?.Index,
        createdAt: t.CreatedAt ?? '',
        error: status?.Err,
        secretIds: (containerSpec(t.Spec)?.Secrets ?? [])
          .map((x) => x.SecretID ?? '')
          .filter((x) => x !== ''),
      };
    });
  }

  /** The current task of each slot: desired `running`, newest first. */
  async currentTasks(serviceName: string): Promise<Map<number, TaskInfo>> {
    const tasks = (await this.listTasks(serviceName))
      .filter((t) => t.desiredState === 'running')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const bySlot = new Map<number, TaskInfo>();
    for (const t of tasks) if (!bySlot.has(t.slot)) bySlot.set(t.slot, t);
    return bySlot;
  }

  /** Sends a signal to a container on this node (e.g. SIGHUP: Vault re-reads its TLS files). */
  async signalContainer(containerId: string, signal: string): Promise<void> {
    await this.docker.getContainer(containerId).kill({ signal });
  }

  /** The Engine's event stream, filtered (Docker's `/events` filters); the caller destroys it. */
  async events(filters: Record<string, string[]>): Promise<Readable> {
    return (await this.docker.getEvents({ filters })) as Readable;
  }

  /**
   * `docker stack deploy` (the stack file format is the CLI's; the Engine API has no stack endpoint).
   * argv holds only file paths and the stack name; variables reach the stack files through `env`.
   */
  async deployStack(stack: string, files: string[], env: Record<string, string>): Promise<void> {
    const args = ['stack', 'deploy', '--resolve-image', 'never'];
    for (const f of files) args.push('-c', f);
    args.push(stack);
    await new Promise<void>((resolve, reject) => {
      execFile(this.cli, args, { env, timeout: 120_000, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`docker stack deploy ${stack} failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
  }
}
