/**
 * Connecting to Temporal with errors an operator can act on, for the worker and the client alike.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config';

export class TemporalUnreachableError extends Error {
  constructor(config: TemporalConfig, cause: unknown) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(
      `TEMPORAL_ADDRESS: cannot reach the Temporal frontend at ${config.address} (namespace ${config.namespace}): ${reason}. ` +
        `Start it (npm run testbed -- up starts the dev server) or point TEMPORAL_ADDRESS at a running one.`,
    );
    this.name = 'TemporalUnreachableError';
  }
}

const CONNECT_TIMEOUT_MS = 10_000;

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  try {
    const connection = await NativeConnection.connect({ ...config.connection, address: config.address });
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (err) {
    throw new TemporalUnreachableError(config, err);
  }
}

export async function connectClient(config: TemporalConfig): Promise<Connection> {
  try {
    const { address, tls, apiKey, metadata } = config.connection;
    const connection = await Connection.connect({
      address: config.address ?? address,
      tls,
      apiKey,
      metadata,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    return connection;
  } catch (err) {
    throw new TemporalUnreachableError(config, err);
  }
}
