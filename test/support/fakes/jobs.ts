/**
 * What the bootstrap's jobs do on the fake swarm (`FakeSwarm.jobRunner`): the init job runs `sys/init` on the
 * fake Vault node it targets and prints the answer as the Vault CLI does with `-pgp-keys` (each value an
 * OpenPGP message to the job's public key, the key itself hex inside) and keeps it on the slot's volume; the
 * answer job prints what the volume keeps; the wipe job empties the node's data (and the kept answer).
 */
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import { ANSWER_JOB_CLI_ERRORS, ANSWER_JOB_END } from '../../../src/activities/cluster/init-job';
import type { JobSpec } from '../../../src/ports';
import { LABEL_KIND, nodeName, VAULT_API_PORT } from '../../../src/shared/constants';
import type { JobRun } from './swarm';
import type { FakeVaultCluster } from './vault';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

async function encryptTo(armoredKey: string, text: string): Promise<string> {
  const key = await openpgp.readKey({ armoredKey });
  const message = await openpgp.createMessage({ text });
  const sealed = (await openpgp.encrypt({ message, encryptionKeys: key, format: 'binary' })) as Uint8Array;
  return Buffer.from(sealed).toString('base64');
}

export function fakeJobRunner(vault: FakeVaultCluster): JobRun {
  /** What each slot's data volume keeps of the last init job: its answer and the CLI's error output. */
  const kept = new Map<number, { answer?: string; errors: string }>();
  return async (spec: JobSpec) => {
    if (spec.labels[LABEL_KIND] === 'wipe-job') {
      vault.wipe(spec.slot);
      kept.delete(spec.slot);
      return { exitCode: 0, stdout: '' };
    }
    if (spec.labels[LABEL_KIND] === 'init-answer-job') {
      const k = kept.get(spec.slot);
      return {
        exitCode: 0,
        stdout: `${k?.answer ?? ''}\n${ANSWER_JOB_CLI_ERRORS}\n${k?.errors ?? ''}\n${ANSWER_JOB_END}\n`,
      };
    }
    kept.delete(spec.slot);
    const node = vault.factory(nodeName(spec.slot as 1 | 2 | 3), {
      host: new URL(spec.env.VAULT_ADDR ?? 'https://x').hostname,
      port: VAULT_API_PORT,
      serverName: spec.env.VAULT_TLS_SERVER_NAME ?? '',
    });
    let answer;
    try {
      answer = await node.init();
    } catch (err) {
      const stderr = `Error initializing: ${(err as Error).message}`;
      kept.set(spec.slot, { errors: stderr });
      return { exitCode: 2, stdout: '', stderr };
    }
    const publicKey = spec.env.VAULT_BOOTSTRAP_INIT_KEY ?? '';
    const hexKey = Buffer.from(answer.unsealKey, 'base64').toString('hex');
    const body = {
      unseal_keys_b64: [await encryptTo(publicKey, hexKey)],
      unseal_keys_hex: ['(not read)'],
      unseal_shares: 1,
      unseal_threshold: 1,
      root_token: await encryptTo(publicKey, answer.rootToken),
    };
    const stdout = JSON.stringify(body, null, 2);
    kept.set(spec.slot, { answer: stdout, errors: '' });
    return { exitCode: 0, stdout };
  };
}
