/**
 * Connecting to Temporal with errors an operator can act on, for the worker and the client alike.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config/temporal';
import { tlsHint } from './config/temporal-tls';
import { TemporalPermissionDeniedError, TemporalUnreachableError } from './shared/errors';

export { TemporalUnreachableError } from './shared/errors';

const CONNECT_TIMEOUT_MS = 10_000;

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  try {
    const connection = await NativeConnection.connect({ ...config.connection, address: config.address });
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (err) {
    throw unreachable(config, err);
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
    throw unreachable(config, err);
  }
}

/** A connection that failed: the server's refusal when it refused, else unreachable (with what TLS says). */
function unreachable(config: TemporalConfig, err: unknown): Error {
  const denied = namePermissionDenied(config, err);
  if (denied !== err) return denied as Error;
  const message = err instanceof Error ? err.message : String(err);
  return new TemporalUnreachableError(config, err, tlsHint(config.tlsFiles, message));
}

const GRPC_PERMISSION_DENIED = 7;

/**
 * `err` as a `TemporalPermissionDeniedError` when it (or an error it wraps) is the server's PERMISSION_DENIED,
 * naming the certificate the call was made with; otherwise `err` itself.
 */
export function namePermissionDenied(config: TemporalConfig, err: unknown): unknown {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, details } = e as { code?: unknown; details?: unknown };
    if (code === GRPC_PERMISSION_DENIED) {
      const reason = typeof details === 'string' && details !== '' ? details : e.message;
      return new TemporalPermissionDeniedError(reason, config.tlsFiles.cert);
    }
  }
  return err;
}
