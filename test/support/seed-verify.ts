/**
 * The seed's verification commands, run verbatim against a stack on the test bed:
 *
 *   docker service ps <stack>_vault
 *   docker exec $(docker ps -q -f name=<stack>_vault | head -1) vault status
 *   docker exec $(docker ps -q -f name=<stack>_vault | head -1) vault operator raft list-peers
 *
 * `list-peers` needs a token: the worker's (its policy reads the Raft configuration; the root token is revoked at
 * the end of the bootstrap), read from custody here and handed to the container on stdin
 * (never argv, never the environment of `docker exec`). Run as a script it prints the three outputs.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { FileKeyCustody } from '../../src/custody/file-custody';

const run = promisify(execFile);

export interface SeedVerification {
  servicePs: string;
  runningTasks: number;
  vaultStatus: string;
  sealedFalse: boolean;
  listPeers: string;
  leaders: number;
  followers: number;
}

async function firstContainer(stack: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('docker', ['ps', '-q', '-f', `name=${stack}_vault`], { env });
  const id = stdout.split('\n')[0]?.trim();
  if (!id) throw new Error(`no running container of ${stack}_vault`);
  return id;
}

export function withStdin(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => res({ code: code ?? -1, out }));
    child.stdin.end(input);
  });
}

/**
 * The three commands, verbatim; with `dockerHost` they run with `DOCKER_HOST` pointed at that Engine (a
 * node of the three-node bed), as an operator logged in on that node would run them.
 */
export async function seedVerification(
  stack: string,
  custodyDir: string,
  custodyKeyFile: string,
  dockerHost?: string,
): Promise<SeedVerification> {
  const env = dockerHost === undefined ? process.env : { ...process.env, DOCKER_HOST: dockerHost };
  const { stdout: servicePs } = await run('docker', ['service', 'ps', `${stack}_vault`], { env });
  // Verbatim, so the history of replaced tasks is listed too: count the rows desired and currently Running.
  const runningTasks = servicePs.split('\n').filter((l) => /\sRunning\s+Running\s/.test(l)).length;
  const ctr = await firstContainer(stack, env);
  const status = await run('docker', ['exec', ctr, 'vault', 'status'], { env }).catch(
    (e: { stdout?: string }) => ({
      stdout: e.stdout ?? '',
    }),
  );
  const vaultStatus = status.stdout;
  const sealedFalse = /^Sealed\s+false$/m.test(vaultStatus);
  const held = await new FileKeyCustody({ dir: custodyDir, keyFile: custodyKeyFile }).read(stack);
  const token = held.workerToken ?? held.rootToken ?? '';
  const peers = await withStdin(
    [
      'exec',
      '-i',
      ctr,
      'sh',
      '-c',
      'read -r VAULT_TOKEN && export VAULT_TOKEN && exec vault operator raft list-peers',
    ],
    `${token}\n`,
    env,
  );
  const listPeers = peers.out;
  return {
    servicePs,
    runningTasks,
    vaultStatus,
    sealedFalse,
    listPeers,
    leaders: listPeers.split('\n').filter((l) => /\sleader\s+true\s*$/.test(l)).length,
    followers: listPeers.split('\n').filter((l) => /\sfollower\s+true\s*$/.test(l)).length,
  };
}

if (require.main === module) {
  const [stack, dir, keyFile] = process.argv.slice(2);
  if (!stack || !dir || !keyFile) {
    console.error('usage: seed-verify STACK CUSTODY_DIR CUSTODY_KEY_FILE');
    process.exit(2);
  }
  seedVerification(stack, dir, keyFile).then(
    (v) => {
      console.log(`$ docker service ps ${stack}_vault\n${v.servicePs}`);
      console.log(`$ docker exec <${stack}_vault task> vault status\n${v.vaultStatus}`);
      console.log(`$ docker exec <${stack}_vault task> vault operator raft list-peers\n${v.listPeers}`);
      const ok = v.runningTasks === 3 && v.sealedFalse && v.leaders === 1 && v.followers === 2;
      console.log(
        ok
          ? 'seed verification: OK (3 running tasks, Sealed false, 1 leader + 2 followers)'
          : 'seed verification: FAILED',
      );
      process.exit(ok ? 0 : 1);
    },
    (err: unknown) => {
      console.error(`seed verification failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
