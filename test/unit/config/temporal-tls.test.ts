/**
 * The Temporal TLS files (src/config/temporal-tls.ts): each bad file is a ConfigError naming its variable and
 * the file, before any connection; what only the wire can tell is named from the handshake's error.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkTemporalTlsFiles, tlsHint } from '../../../src/config/temporal-tls';
import { loadTemporalConfig } from '../../../src/config/temporal';
import { expectConfigError } from '../../support/config';
import { testDir } from '../../support/tmp';

const dir = testDir('temporal-tls-');
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A key and a certificate signed by the CA `ca`, valid from `-days` ago for `days` (x509 -days). */
function issue(
  name: string,
  ca: string,
  opts: { days?: number; notBefore?: string; notAfter?: string } = {},
) {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(`${name}.key`));
  openssl(
    'req',
    '-new',
    '-key',
    f(`${name}.key`),
    '-subj',
    `/O=vault-bootstrap/OU=worker/CN=${name}`,
    '-out',
    f(`${name}.csr`),
  );
  if (opts.notBefore !== undefined && opts.notAfter !== undefined) {
    // `openssl ca` is the one that takes explicit dates; a minimal config for it.
    writeFileSync(
      f('ca.cnf'),
      `[ca]\ndefault_ca=d\n[d]\ndatabase=${f('index.txt')}\nnew_certs_dir=${dir}\nserial=${f('serial')}\n` +
        `default_md=sha256\npolicy=p\n[p]\nO=supplied\nOU=supplied\nCN=supplied\n`,
    );
    writeFileSync(f('index.txt'), '');
    writeFileSync(f('serial'), '01\n');
    openssl(
      'ca',
      '-batch',
      '-config',
      f('ca.cnf'),
      '-cert',
      f(`${ca}.pem`),
      '-keyfile',
      f(`${ca}.key`),
      '-in',
      f(`${name}.csr`),
      '-out',
      f(`${name}.pem`),
      '-startdate',
      opts.notBefore,
      '-enddate',
      opts.notAfter,
      '-notext',
    );
    return;
  }
  openssl(
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f(`${ca}.pem`),
    '-CAkey',
    f(`${ca}.key`),
    '-CAcreateserial',
    '-days',
    String(opts.days ?? 30),
    '-out',
    f(`${name}.pem`),
  );
}

function makeCa(name: string) {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(`${name}.key`));
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    f(`${name}.key`),
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-out',
    f(`${name}.pem`),
  );
}

const env = (cert?: string, key?: string, ca?: string) => ({
  TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: key,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
});

describe('Temporal TLS files', () => {
  before(() => {
    makeCa('ca');
    issue('good', 'ca');
    issue('other', 'ca');
    issue('expired', 'ca', { notBefore: '20200101000000Z', notAfter: '20200201000000Z' });
    issue('future', 'ca', { notBefore: '20991201000000Z', notAfter: '20991231000000Z' });
    writeFileSync(f('garbage.pem'), 'not a certificate\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a valid certificate, its key and a CA, and none at all', () => {
    assert.deepEqual(checkTemporalTlsFiles(env(f('good.pem'), f('good.key'), f('ca.pem'))), {
      cert: f('good.pem'),
      key: f('good.key'),
      ca: f('ca.pem'),
    });
    assert.deepEqual(checkTemporalTlsFiles({}), { cert: undefined, key: undefined, ca: undefined });
    // Through the configuration every process loads, which keeps the files for its messages.
    assert.equal(
      loadTemporalConfig(env(f('good.pem'), f('good.key'), f('ca.pem'))).tlsFiles.cert,
      f('good.pem'),
    );
  });

  it('names a missing file with its variable and path', () => {
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('nope.pem'), f('good.key'))),
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      new RegExp(`readable PEM file.*nope\\.pem \\(ENOENT\\)`),
    );
    expectConfigError(
      () => checkTemporalTlsFiles(env(undefined, undefined, f('missing-ca.pem'))),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      /missing-ca\.pem \(ENOENT\)/,
    );
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('good.pem'))),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /since TEMPORAL_TLS_CLIENT_CERT_PATH is set/,
    );
  });

  it('names an expired or not yet valid certificate with the date', () => {
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('expired.pem'), f('expired.key'))),
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      /expired 2020-02-01T00:00:00\.000Z.*expired\.pem/,
    );
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('future.pem'), f('future.key'))),
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      /valid from 2099-12-01/,
    );
    // An expired CA the same way (a CA file that is a leaf is still a certificate with a window).
    expectConfigError(
      () => checkTemporalTlsFiles(env(undefined, undefined, f('expired.pem'))),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      /expired/,
    );
  });

  it("names a key that is not the certificate's, and files that are not PEM", () => {
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('good.pem'), f('other.key'))),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /the private key of the certificate in .*good\.pem.*other\.key/,
    );
    expectConfigError(
      () => checkTemporalTlsFiles(env(undefined, undefined, f('garbage.pem'))),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      /holding a certificate.*garbage\.pem/,
    );
    expectConfigError(
      () => checkTemporalTlsFiles(env(f('good.pem'), f('garbage.pem'))),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /unencrypted PEM private key/,
    );
  });

  it('names the CA file for an unknown issuer and the client certificate for a refused handshake', () => {
    const files = { cert: '/c/op.pem', key: '/c/op.key', ca: '/c/ca.pem' };
    assert.match(
      tlsHint(files, 'invalid peer certificate: UnknownIssuer') ?? '',
      /not signed by the CA in \/c\/ca\.pem/,
    );
    assert.match(
      tlsHint(files, 'received fatal alert: BadCertificate') ?? '',
      /refused the client certificate in \/c\/op\.pem/,
    );
    assert.match(
      tlsHint({}, 'received fatal alert: CertificateRequired') ?? '',
      /requires a client certificate/,
    );
    assert.equal(tlsHint(files, 'connection refused'), undefined);
    assert.equal(tlsHint(undefined, 'UnknownIssuer'), undefined);
  });
});
