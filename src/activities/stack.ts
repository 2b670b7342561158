/**
 * Preflight (validate input before anything changes) and step 2, `deployStack`.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateStackName } from '../shared/names';
import {
  serviceName,
  TLS_FILES,
  UNSEAL_SECRET_TARGET,
  VAULT_NETWORK,
  VAULT_REPLICAS,
  VAULT_SERVICE,
} from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { BootstrapInput, StepOutcome } from '../shared/types';
import { servingTasks, waitFor } from './cluster/nodes';
import { currentUnsealSecret } from './cluster/secrets';
import type { ActivityDeps } from './deps';

type Yaml = Record<string, unknown>;

function obj(v: unknown): Yaml | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Yaml) : undefined;
}

/** `StackFileInvalid`, naming the problem. */
function invalid(message: string): NonRetryableError {
  return new NonRetryableError(ErrorType.StackFileInvalid, message);
}

/**
 * Checks the merged stack files for what the bootstrap relies on: service `vault`, 3 replicas, the secret
 * target `vault_unseal_key`, and the external network `iklimco-net`. Throws `StackFileInvalid` naming the problem.
 * `read` is the `LocalFiles` port's `readText`.
 */
export async function checkStackFiles(
  files: string[],
  read: (path: string) => Promise<string>,
): Promise<void> {
  let replicas: unknown;
  let hasService = false;
  let hasSecretTarget = false;
  let hasNetwork = false;
  let networkExternal = false;
  for (const file of files) {
    let text: string;
    try {
      text = await read(file);
    } catch (err) {
      throw invalid(
        `stack file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    let doc: Yaml | undefined;
    try {
      doc = obj(parse(text));
    } catch (err) {
      throw invalid(`stack file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!doc) throw invalid(`stack file ${file} is not a compose document`);
    const svc = obj(obj(doc.services)?.[VAULT_SERVICE]);
    if (svc) {
      hasService = true;
      const r = obj(svc.deploy)?.replicas;
      if (r !== undefined) replicas = r;
      for (const s of Array.isArray(svc.secrets) ? (svc.secrets as unknown[]) : []) {
        const target = typeof s === 'string' ? s : (obj(s)?.target ?? obj(s)?.source);
        if (target === UNSEAL_SECRET_TARGET) hasSecretTarget = true;
      }
      const nets = svc.networks;
      if ((Array.isArray(nets) && nets.includes(VAULT_NETWORK)) || obj(nets)?.[VAULT_NETWORK] !== undefined)
        hasNetwork = true;
    }
    const topNet = obj(obj(doc.networks)?.[VAULT_NETWORK]);
    if (topNet?.external === true) networkExternal = true;
  }
  const where = files.join(', ');
  if (!hasService) throw invalid(`no service "${VAULT_SERVICE}" in ${where}`);
  if (Number(replicas) !== VAULT_REPLICAS) {
    throw invalid(
      `service "${VAULT_SERVICE}" must have deploy.replicas: ${VAULT_REPLICAS} (found ${JSON.stringify(replicas ?? 'none')}) in ${where}`,
    );
  }
  if (!hasSecretTarget)
    throw invalid(
      `service "${VAULT_SERVICE}" must mount a secret at target "${UNSEAL_SECRET_TARGET}" in ${where}`,
    );
  if (!hasNetwork || !networkExternal) {
    throw invalid(`service "${VAULT_SERVICE}" must join the external network "${VAULT_NETWORK}" in ${where}`);
  }
}

export function createStackActivities(deps: ActivityDeps) {
  const { swarm, custody, config } = deps;

  /** Validates everything a step will need, before any step changes anything. */
  async function preflight(input: BootstrapInput): Promise<StepOutcome> {
    validateStackName(input.stack);
    await checkStackFiles(config.stack.files, (path) => deps.files.readText(path));
    // The worker stack gives the worker only the two files it reads (VAULT_CERT_DIR_CONTENTS=public): Vault's
    // private key is checked there by init-infra-prod.sh, on the manager it runs on.
    const holdsKey = config.vault.certDirHoldsKey;
    const tlsFiles = holdsKey ? Object.values(TLS_FILES) : [TLS_FILES.ca, TLS_FILES.chain];
    for (const f of tlsFiles) {
      const path = join(config.vault.certDir, f);
      if (!(await deps.files.exists(path))) {
        throw new NonRetryableError(
          ErrorType.CertificatesMissing,
          `TLS file ${path} is missing (VAULT_CERT_DIR must hold ${tlsFiles.join(', ')})`,
        );
      }
    }
    if (!(await swarm.swarmActive()))
      throw new Error('Docker is not a swarm manager (run `docker swarm init`)');
    if (!(await swarm.networkExists()))
      throw new Error(
        `overlay network ${VAULT_NETWORK} does not exist (docker network create -d overlay --attachable ${VAULT_NETWORK})`,
      );
    await custody.assertWritable(input.stack);
    // A finding, not a failure: running without autolock is the operator's choice, made knowingly (README).
    const autolock = (await swarm.swarmAutolocked())
      ? ''
      : "; finding SwarmAutolockOff: the swarm is not autolocked, so the key that decrypts each manager's Raft " +
        "log (where the unseal-key secret lives) sits on that manager's own disk (docker swarm update --autolock)";
    return {
      changed: false,
      summary:
        `stack files, TLS files${holdsKey ? '' : ` (${tlsFiles.join(', ')}: this worker is given no private key)`}, ` +
        `swarm, ${VAULT_NETWORK} and custody are usable${autolock}`,
    };
  }

  /** Step 2: deploys the stack when its service does not exist, then waits for 3 running tasks. */
  async function deployStack(input: BootstrapInput): Promise<StepOutcome> {
    const name = serviceName(input.stack);
    let svc = await swarm.inspectService(name);
    let changed = false;
    if (!svc) {
      const secret = await currentUnsealSecret(deps, input.stack);
      if (!secret)
        throw new Error(
          `no unseal-key secret exists yet for ${input.stack}; ensurePlaceholderSecret must run first`,
        );
      const env: Record<string, string> = {
        ...config.stack.deployEnv,
        VAULT_UNSEAL_KEY_SECRET: secret.name,
        VAULT_BOOTSTRAP_STACK_NAME: input.stack,
      };
      await deps.failpoints.hit('deployStack:before-deploy');
      await swarm.deployStack(input.stack, config.stack.files, env);
      await deps.failpoints.hit('deployStack:after-deploy');
      changed = true;
      svc = await swarm.inspectService(name);
      if (!svc)
        throw new Error(`docker stack deploy ${input.stack} returned but service ${name} does not exist`);
    }
    if (svc.replicas !== VAULT_REPLICAS) {
      throw new NonRetryableError(
        ErrorType.UnexpectedServiceShape,
        `service ${name} runs ${String(svc.replicas)} replicas, the bootstrap needs ${VAULT_REPLICAS}; fix the stack and redeploy it`,
      );
    }
    const running = await waitFor(deps, `${VAULT_REPLICAS} running tasks of ${name}`, 300_000, async () => {
      const tasks = await swarm.currentTasks(name);
      const up = await servingTasks(deps, input.stack, tasks);
      if (up.length === VAULT_REPLICAS) return up.length;
      const problems = [...tasks.values()]
        .filter((t) => t.error)
        .map((t) => `slot ${t.slot}: ${t.state}: ${t.error}`);
      throw new Error(
        `${up.length}/${VAULT_REPLICAS} running${problems.length ? `; ${problems.join('; ')}` : ''}`,
      );
    });
    return {
      changed,
      summary: `${changed ? 'deployed' : 'already deployed'} ${name}; ${running} tasks running`,
    };
  }

  return { preflight, deployStack };
}
