/**
 * Connecting to Temporal with errors an operator can act on, for the worker and the client alike.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config/temporal';
import { TemporalUnreachableError } from './shared/errors';

export { TemporalUnreachableError } from './shared/errors';

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
