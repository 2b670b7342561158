/**
 * `CustodyReplicaStore` on Docker configs: each copy of an encrypted custody record is one config, in the
 * swarm's Raft store on every manager (it survives the loss of any one of three). Configs are immutable, so a
 * new revision is a new config (`vbc-<record id>-<seq>-<random>`, labelled with the stack, record id and
 * revision) and older ones are removed. Configs can be read back through the API (secrets cannot), which is
 * why the copy is the encrypted record and never a key in clear.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import type { CustodyReplica, CustodyReplicaStore } from '../ports';
import { LABEL_KEY_ID, LABEL_KIND, LABEL_STACK, LABEL_VERSION } from '../shared/constants';

/** `LABEL_KIND` of a custody copy. */
export const KIND_CUSTODY_REPLICA = 'custody-replica';

interface RawConfig {
  ID?: string;
  Spec?: { Name?: string; Labels?: Record<string, string>; Data?: string };
}

export class SwarmCustodyReplicas implements CustodyReplicaStore {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async list(stack: string): Promise<CustodyReplica[]> {
    const raw = (await this.docker.listConfigs({
      filters: { label: [`${LABEL_KIND}=${KIND_CUSTODY_REPLICA}`, `${LABEL_STACK}=${stack}`] },
    })) as RawConfig[];
    const out: CustodyReplica[] = [];
    for (const c of raw) {
      const labels = c.Spec?.Labels ?? {};
      const seq = Number(labels[LABEL_VERSION]);
      const keyId = labels[LABEL_KEY_ID];
      if (!c.ID || !keyId || !Number.isInteger(seq) || c.Spec?.Data === undefined) continue;
      out.push({ id: c.ID, keyId, seq, text: Buffer.from(c.Spec.Data, 'base64').toString('utf8') });
    }
    return out;
  }

  async put(stack: string, keyId: string, seq: number, text: string): Promise<void> {
    await this.docker.createConfig({
      Name: `vbc-${keyId}-${seq}-${randomBytes(3).toString('hex')}`,
      Labels: {
        [LABEL_KIND]: KIND_CUSTODY_REPLICA,
        [LABEL_STACK]: stack,
        [LABEL_KEY_ID]: keyId,
        [LABEL_VERSION]: String(seq),
      },
      Data: Buffer.from(text, 'utf8').toString('base64'),
    });
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getConfig(id).remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err; // removed by another worker meanwhile
    }
  }
}
