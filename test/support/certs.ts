/**
 * A test CA of the test's own and server certificates signed by it (openssl), so a test can re-issue
 * the certificate Vault serves, as SWAG and cert-distributor do in production.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testDir } from './tmp';

const run = promisify(execFile);
const SANS = 'DNS:vault,DNS:vault-1,DNS:vault-2,DNS:vault-3,DNS:tasks.vault,DNS:localhost,IP:127.0.0.1';

export class TestCertificates {
  readonly dir: string;
  private readonly work: string;

  constructor(base: string) {
    this.dir = join(base, 'certs');
    this.work = join(base, 'ca');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.work, { recursive: true, mode: 0o700 });
  }

  async createCa(): Promise<void> {
    const key = join(this.work, 'ca.key');
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha256',
      '-days',
      '90',
      '-subj',
      '/CN=vault-bootstrap test CA',
      '-out',
      join(this.dir, 'ca.pem'),
    ]);
  }

  /** Issues a new server key and certificate and swaps them into the folder atomically (rename). */
  async issueServer(serial: number): Promise<void> {
    const key = join(this.work, `server-${serial}.key`);
    const csr = join(this.work, `server-${serial}.csr`);
    const crt = join(this.work, `server-${serial}.crt`);
    const ext = join(this.work, `server-${serial}.ext`);
    writeFileSync(ext, `subjectAltName=${SANS}\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=vault (${serial})`, '-out', csr]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(this.dir, 'ca.pem'),
      '-CAkey',
      join(this.work, 'ca.key'),
      '-set_serial',
      String(serial),
      '-days',
      '60',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      crt,
    ]);
    const { readFileSync } = await import('node:fs');
    const chain = readFileSync(crt, 'utf8') + readFileSync(join(this.dir, 'ca.pem'), 'utf8');
    writeFileSync(join(this.dir, '.fullchain.pem.new'), chain);
    writeFileSync(join(this.dir, '.privkey.pem.new'), readFileSync(key), { mode: 0o644 });
    renameSync(join(this.dir, '.privkey.pem.new'), join(this.dir, 'privkey.pem'));
    renameSync(join(this.dir, '.fullchain.pem.new'), join(this.dir, 'fullchain.pem'));
  }
}

/**
 * A certificate folder made with openssl (a CA and vault-1's server certificate, 60 days) in a new temporary
 * folder named from `prefix`, and the fingerprint of its server certificate: what the fake cluster's nodes serve.
 */
export async function servedCertificates(prefix: string): Promise<{ dir: string; fingerprint: string }> {
  const certs = new TestCertificates(testDir(prefix));
  await certs.createCa();
  await certs.issueServer(1);
  const fingerprint = new X509Certificate(readFileSync(join(certs.dir, 'fullchain.pem'))).fingerprint256;
  return { dir: certs.dir, fingerprint };
}
