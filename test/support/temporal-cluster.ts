/**
 * The test bed's Temporal cluster (`npm run testbed -- up --temporal cluster`, testbed/temporal-cluster.sh):
 * PostgreSQL persistence, mutual TLS, the project's authorizer. Its certificates are one per role
 * (docs/temporal-cluster.md); a test picks the role a process runs as.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { readBedEnv } from './testbed';

export const CLUSTER_UP = 'npm run testbed -- up --temporal cluster';

/** The certificate identities the bed issues: the roles, and the bad ones the negative cases present. */
export type ClusterIdentity =
  | 'worker'
  | 'agent'
  | 'operator'
  | 'break-glass'
  | 'viewer'
  | 'admin'
  | 'expired-operator'
  | 'rogue-operator';

export interface ClusterBed {
  /** `host:port` of the cluster's frontend from this host. */
  address: string;
  /** The name its certificate carries (`TEMPORAL_TLS_SERVER_NAME`). */
  serverName: string;
  /** The folder of the CA and the role certificates. */
  pki: string;
  /** The UI server's URL. */
  uiUrl: string;
  /** The test bed's helper script, for the engine's faults (`server kill`, `pg restart`). */
  script: string;
  /** Every line of testbed-cluster.env. */
  env: Record<string, string>;
}

export function clusterBed(): ClusterBed {
  const env = readBedEnv('testbed-cluster.env', CLUSTER_UP);
  const need = (k: string): string => {
    const v = env[k];
    if (v === undefined || v === '')
      throw new Error(`testbed-cluster.env has no ${k}: run \`${CLUSTER_UP}\``);
    return v;
  };
  return {
    address: need('TEMPORAL_ADDRESS'),
    serverName: need('TEMPORAL_TLS_SERVER_NAME'),
    pki: need('TEMPORAL_CLUSTER_PKI_DIR'),
    uiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:18233',
    script: need('TEMPORAL_CLUSTER_SCRIPT'),
    env,
  };
}

/**
 * The environment a process reaches the cluster with as `identity` (the SDK's `TEMPORAL_TLS_*` variables), or,
 * for `none`, TLS with the CA but no client certificate.
 */
export function clusterEnv(bed: ClusterBed, identity: ClusterIdentity | 'none'): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: bed.address,
    TEMPORAL_UI_URL: bed.uiUrl,
    TEMPORAL_TLS: 'true',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(bed.pki, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: bed.serverName,
    ...(identity === 'none'
      ? {}
      : {
          TEMPORAL_TLS_CLIENT_CERT_PATH: join(bed.pki, `${identity}.pem`),
          TEMPORAL_TLS_CLIENT_KEY_PATH: join(bed.pki, `${identity}.key`),
        }),
  };
}

/** A client connection to the cluster as `identity` (not checked here: the server judges the certificate). */
export async function clusterConnection(
  bed: ClusterBed,
  identity: ClusterIdentity | 'none',
  connectTimeoutMs = 10_000,
): Promise<Connection> {
  const read = (name: string) => readFileSync(join(bed.pki, name));
  return Connection.connect({
    address: bed.address,
    connectTimeout: connectTimeoutMs,
    tls: {
      serverNameOverride: bed.serverName,
      serverRootCACertificate: read('ca.pem'),
      ...(identity === 'none'
        ? {}
        : { clientCertPair: { crt: read(`${identity}.pem`), key: read(`${identity}.key`) } }),
    },
  });
}
