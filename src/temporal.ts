/**
 * Connecting to Temporal with errors an operator can act on, for the worker and the client alike.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config/temporal';
import { probeTls, tlsHint } from './config/temporal-tls';
import { messageOf, TemporalPermissionDeniedError, TemporalUnreachableError } from './shared/errors';

export { TemporalUnreachableError } from './shared/errors';

const CONNECT_TIMEOUT_MS = 10_000;

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  try {
    const connection = await NativeConnection.connect({ ...config.connection, address: config.address });
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (err) {
    throw await unreachable(config, err);
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
    throw await unreachable(config, err);
  }
}

/**
 * A connection that failed: the server's refusal when it refused, else unreachable, with what TLS says: the
 * error's own words, or, when they say nothing (a gRPC client reports a refused handshake as a connection
 * that never became ready), a handshake of its own with the same files.
 */
async function unreachable(config: TemporalConfig, err: unknown): Promise<Error> {
  const denied = namePermissionDenied(config, err);
  if (denied !== err) return denied as Error;
  const message = messageOf(err);
  let hint = tlsHint(config.tlsFiles, message);
  if (hint === undefined && config.connection.tls)
    hint = await probeTls(config.address, config.tlsFiles, tlsServerName(config)).catch(() => undefined);
  return new TemporalUnreachableError(config, err, hint);
}

function tlsServerName(config: TemporalConfig): string | undefined {
  const tls = config.connection.tls;
  return typeof tls === 'object' && tls !== null ? tls.serverNameOverride : undefined;
}

const GRPC_PERMISSION_DENIED = 7;

/**
 * `err` as a `TemporalPermissionDeniedError` when it (or an error it wraps) is the server's PERMISSION_DENIED,
 * naming the certificate the call was made with; otherwise `err` itself.
 */
export function namePermissionDenied(config: TemporalConfig, err: unknown): unknown {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, details } = e as { code?: unknown; details?: unknown };
    // The client's gRPC errors carry the status code; the worker's (its core's TransportError) only the text.
    if (code === GRPC_PERMISSION_DENIED || /PermissionDenied|Request unauthorized/.test(e.message)) {
      const reason = typeof details === 'string' && details !== '' ? details : e.message;
      return new TemporalPermissionDeniedError(
        reason.replace(/^[0-9]+ PERMISSION_DENIED: /, ''),
        config.tlsFiles.cert,
      );
    }
  }
  return err;
}
