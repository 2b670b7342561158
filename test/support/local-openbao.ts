/**
 * One real OpenBao server process for a test, no Docker: the test bed's binary (`<cache>/bin/bao`, the cache
 * being `VAULT_BOOTSTRAP_CACHE` or the clone's `.cache`), Raft storage in a temporary folder, a TLS listener on
 * 127.0.0.1 and a free port with a throwaway CA and server certificate (openssl, test/support/certs.ts), so the
 * real gateway reaches it as it reaches a node: verified against the CA with the server name `vault-1`.
 *
 * The server's own output goes to a file in that folder (OpenBao does not print keys; the folder is removed by
 * `stop` and, should the test die first, when the process exits).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeTarget } from '../../src/ports';
import { VaultNodeClient } from '../../src/vault/gateway';
import { createNodeAgent, vaultHttp } from '../../src/vault/transport';
import { TestCertificates } from './certs';
import { testDir } from './tmp';

const REPO = resolve(__dirname, '..', '..', '..');

/** The OpenBao binary the test bed downloads (`npm run testbed -- up`), or `undefined` when there is none. */
export function openBaoBinary(): string | undefined {
  const bin = join(process.env.VAULT_BOOTSTRAP_CACHE ?? join(REPO, '.cache'), 'bin', 'bao');
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return undefined;
  }
}

/** A port nothing listens on right now (the kernel's choice for 127.0.0.1). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export class LocalOpenBao {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly target: NodeTarget,
    readonly ca: Buffer,
  ) {
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  /**
   * Starts the server and waits until it answers seal-status (uninitialized, sealed). `extraConfig`: HCL lines
   * of a second configuration file (`-config` again), as docker-stack-vault.openbao.yml adds one; `dir` is
   * replaced by the server's folder in them.
   */
  static async start(
    binary: string,
    extraConfig: (dir: string) => string[] = () => [],
  ): Promise<LocalOpenBao> {
    const dir = testDir('vbt-bao-');
    const certs = new TestCertificates(dir);
    await certs.createCa();
    await certs.issueServer(1);
    const [port, clusterPort] = [await freePort(), await freePort()];
    const data = join(dir, 'data');
    const config = join(dir, 'openbao.hcl');
    writeFileSync(
      config,
      [
        `storage "raft" {`,
        `  path = ${JSON.stringify(data)}`,
        `  node_id = "vault-1"`,
        `}`,
        `listener "tcp" {`,
        `  address = "127.0.0.1:${port}"`,
        `  cluster_address = "127.0.0.1:${clusterPort}"`,
        `  tls_cert_file = ${JSON.stringify(join(certs.dir, 'fullchain.pem'))}`,
        `  tls_key_file = ${JSON.stringify(join(certs.dir, 'privkey.pem'))}`,
        `}`,
        `api_addr = "https://127.0.0.1:${port}"`,
        `cluster_addr = "https://127.0.0.1:${clusterPort}"`,
        `disable_mlock = true`,
        `ui = false`,
        '',
      ].join('\n'),
    );
    mkdirSync(data, { mode: 0o700 });
    const log = openSync(join(dir, 'server.log'), 'a');
    // A clean environment: no VAULT_*/BAO_* of the caller's reaches the server.
    const configs = [`-config=${config}`];
    const extra = extraConfig(dir);
    if (extra.length) {
      writeFileSync(join(dir, 'extra.hcl'), [...extra, ''].join('\n'));
      configs.push(`-config=${join(dir, 'extra.hcl')}`);
    }
    const child = spawn(binary, ['server', ...configs], {
      stdio: ['ignore', log, log],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
    const bao = new LocalOpenBao(
      child,
      dir,
      { host: '127.0.0.1', port, serverName: 'vault-1' },
      readFileSync(join(certs.dir, 'ca.pem')),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`bao server exited (${child.exitCode}); see ${join(dir, 'server.log')}`);
      try {
        await bao.client().sealStatus();
        return bao;
      } catch (err) {
        if (Date.now() > deadline) {
          await bao.stop();
          throw err;
        }
        await sleep(200);
      }
    }
  }

  /** A new gateway client of the node, with no state of any earlier one (what a restarted worker builds). */
  client(): VaultNodeClient {
    return new VaultNodeClient('vault-1', this.target, { mode: 'direct' }, this.ca, {
      requestMs: 10_000,
      initMs: 60_000,
    });
  }

  /** Unseals with `key` and waits until the node is the active one (Raft elects it within seconds). */
  async unsealAndWaitActive(key: string): Promise<void> {
    const client = this.client();
    const status = await client.unseal(key);
    if (status.sealed) throw new Error('the node is still sealed after the key was submitted');
    const deadline = Date.now() + 30_000;
    while (!(await client.leader().catch(() => ({ isSelf: false }))).isSelf) {
      if (Date.now() > deadline) throw new Error('the node did not become active within 30 s');
      await sleep(200);
    }
  }

  /** `sys/seal` with `token` (the gateway has no seal call: the product never seals a node). */
  async seal(token: string): Promise<void> {
    const res = await vaultHttp({
      method: 'PUT',
      uri: `https://${this.target.host}:${this.target.port}/v1/sys/seal`,
      headers: { 'X-Vault-Token': token },
      httpsAgent: createNodeAgent(this.target, { mode: 'direct' }, this.ca),
      timeout: 10_000,
    });
    if (res.statusCode !== 204 && res.statusCode !== 200)
      throw new Error(`sys/seal answered HTTP ${res.statusCode}`);
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killed = await Promise.race([this.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
