/**
 * The TLS files a process reaches Temporal with (the SDK's `TEMPORAL_TLS_*` path variables), checked before
 * the first connection so that a missing, unreadable, expired or mismatched file is a `ConfigError` naming the
 * variable and the file (exit 2) instead of a handshake failure deep in the SDK. What can only fail on the
 * wire (a server certificate the CA file did not sign, a client certificate the server does not accept) is
 * named by `tlsHint` when the connection fails.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConfigError } from '../shared/errors';
import type { Env } from './env';

export const TLS_VARS = {
  cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  key: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  ca: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

/** The files a connection uses, for messages; empty when it uses none. */
export interface TemporalTlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(variable, 'a readable PEM file', `${path} (${code})`);
  }
}

/** Every certificate of a PEM bundle, or a `ConfigError` naming the file when it holds none or a broken one. */
function certificates(variable: string, path: string, pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(variable, 'a PEM file holding a certificate', path);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new ConfigError(variable, 'PEM certificates that parse', path);
    }
  });
}

/** A certificate outside its validity window is named with the window, so the operator sees which end. */
function checkValidity(variable: string, path: string, cert: X509Certificate, now: Date): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from)
    throw new ConfigError(variable, `a certificate valid now (it is valid from ${from.toISOString()})`, path);
  if (now > to)
    throw new ConfigError(variable, `a certificate valid now (it expired ${to.toISOString()})`, path);
}

/**
 * Checks the TLS files named in `env`; returns them (empty when TLS files are not used). `*_DATA` variables
 * (PEM text in the environment) are left to the SDK: they name no file.
 */
export function checkTemporalTlsFiles(env: Env, now = new Date()): TemporalTlsFiles {
  const set = (k: string): string | undefined => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const files: TemporalTlsFiles = { cert: set(TLS_VARS.cert), key: set(TLS_VARS.key), ca: set(TLS_VARS.ca) };
  if ((files.cert === undefined) !== (files.key === undefined)) {
    const [missing, given] =
      files.cert === undefined ? [TLS_VARS.cert, TLS_VARS.key] : [TLS_VARS.key, TLS_VARS.cert];
    throw new ConfigError(missing, `a file, since ${given} is set (a client certificate needs both)`);
  }
  if (files.ca !== undefined) {
    for (const cert of certificates(TLS_VARS.ca, files.ca, readPem(TLS_VARS.ca, files.ca)))
      checkValidity(TLS_VARS.ca, files.ca, cert, now);
  }
  if (files.cert !== undefined && files.key !== undefined) {
    const [leaf] = certificates(TLS_VARS.cert, files.cert, readPem(TLS_VARS.cert, files.cert));
    checkValidity(TLS_VARS.cert, files.cert, leaf!, now);
    let key;
    try {
      key = createPrivateKey(readPem(TLS_VARS.key, files.key));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(TLS_VARS.key, 'an unencrypted PEM private key', files.key);
    }
    if (!leaf!.checkPrivateKey(key))
      throw new ConfigError(TLS_VARS.key, `the private key of the certificate in ${files.cert}`, files.key);
  }
  return files;
}

/**
 * What a failed connection's error says about the TLS files, or nothing: a server certificate the CA file
 * does not verify, a client certificate the server refused, or TLS spoken to a server without it.
 */
export function tlsHint(files: TemporalTlsFiles | undefined, reason: string): string | undefined {
  if (files === undefined) return undefined;
  // An alert is the server's word about this client's certificate (Node says `... alert <name>`).
  if (
    /alert (bad certificate|certificate required|unknown ca|certificate expired|certificate revoked|access denied)/i.test(
      reason,
    )
  )
    return files.cert === undefined
      ? `the server requires a client certificate: set ${TLS_VARS.cert} and ${TLS_VARS.key}`
      : `the server refused the client certificate in ${files.cert} (${TLS_VARS.cert})`;
  if (
    /UnknownIssuer|unknown ?ca|certificate verify failed|self[- ]signed|BadSignature|local issuer|unable to verify/i.test(
      reason,
    )
  )
    return files.ca === undefined
      ? `the server's certificate is not signed by a CA this machine trusts: set ${TLS_VARS.ca}`
      : `the server's certificate is not signed by the CA in ${files.ca} (${TLS_VARS.ca})`;
  if (
    /NotValidForName|not valid for name|hostname mismatch|altnames|does not match certificate/i.test(reason)
  )
    return `the server's certificate does not name the address: set TEMPORAL_TLS_SERVER_NAME to a name it carries`;
  if (/bad ?certificate|certificate required|CertificateRequired|expired|revoked|access denied/i.test(reason))
    return files.cert === undefined
      ? `the server requires a client certificate: set ${TLS_VARS.cert} and ${TLS_VARS.key}`
      : `the server refused the client certificate in ${files.cert} (${TLS_VARS.cert})`;
  if (/InvalidContentType|wrong version number|CorruptMessage|packet length/i.test(reason))
    return 'the server does not speak TLS there: unset the TEMPORAL_TLS_* settings or use its TLS address';
  return undefined;
}

/**
 * Why a TLS handshake with `address` fails, as `tlsHint` words it, or nothing when it succeeds or says nothing
 * about TLS. gRPC clients report a refused handshake only as a connection that never became ready; this
 * repeats the handshake with the same files to learn which side refused. A TLS 1.3 server judges the
 * client's certificate after the client's side of the handshake is done, so a refusal arrives as an alert
 * just after it: the probe waits for one briefly.
 */
export async function probeTls(
  address: string,
  files: TemporalTlsFiles,
  serverName: string | undefined,
  timeoutMs = 5000,
): Promise<string | undefined> {
  const [host, port] = [
    address.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, ''),
    Number(/:([0-9]+)$/.exec(address)?.[1]),
  ];
  const read = (p?: string) => (p === undefined ? undefined : readFileSync(p));
  const reason = await new Promise<string | undefined>((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername: serverName ?? (isIP(host) ? undefined : host),
      ca: read(files.ca),
      cert: read(files.cert),
      key: read(files.key),
      ALPNProtocols: ['h2'],
    });
    const done = (r: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => done(`${err.code ?? ''} ${err.message}`));
    socket.once('secureConnect', () => {
      // Wait for the server's verdict on the client certificate: an alert (error) or silence (accepted).
      clearTimeout(timer);
      setTimeout(() => done(undefined), 1000);
    });
  });
  return reason === undefined ? undefined : tlsHint(files, reason);
}
