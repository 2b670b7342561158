/**
 * The audit device on the logs volume (`vault-logs-vl`, mounted at /vault/logs): every request and answer a
 * Vault node serves, written as one JSON line to `/vault/logs/audit.log` on that node, secrets HMAC'd.
 *
 * Each server allows it its own way (src/shared/vault-server.ts, `auditDeviceByApi`):
 * - HashiCorp Vault (and OpenBao before 2.3.2): through `sys/audit/vault-logs`, with a root token. The
 *   bootstrap's `revokeRootToken` enables it while it still holds the root token `sys/init` answered, and
 *   `credentials repair` on a cluster bootstrapped before; the device then lives in Vault's own storage (Raft),
 *   on every node, in every snapshot.
 * - OpenBao 2.3.2 and later: only declared in the server's configuration. docker-stack-vault.openbao.yml adds
 *   init/vault/openbao-audit.hcl to the task's configuration; the tool checks that the device is there and
 *   says so in the step's summary when it is not, since no API call can add it.
 *
 * Vault refuses every request when no enabled audit device can write (a full or read-only volume): the
 * operator's `logrotate` must send the server SIGHUP after moving the file (docs/vault-and-openbao.md).
 */
import type { AuditDevice, VaultNode } from '../../ports';
import { ErrorType, NonRetryableError, VaultRequestError } from '../../shared/errors';
import { capabilitiesOf } from '../../shared/vault-server';

/** The file the device writes, on the logs volume. */
export const AUDIT_LOG_FILE = '/vault/logs/audit.log';

/** The device: its path in Vault, and the file (the same as init/vault/openbao-audit.hcl). */
export const AUDIT_DEVICE: Readonly<AuditDevice> = Object.freeze({
  path: 'vault-logs',
  type: 'file',
  options: Object.freeze({ file_path: AUDIT_LOG_FILE }),
});

/** Whether `device` writes the file the tool's device writes (under any path: an operator's own counts). */
const writesOurFile = (device: AuditDevice) =>
  device.type === AUDIT_DEVICE.type && device.options.file_path === AUDIT_LOG_FILE;

/**
 * Makes sure an audit device writes `/vault/logs/audit.log`, with `root` (a root token). Returns what it did or
 * found to say, `undefined` when the device was there already. An enable Vault refuses is `AuditDeviceRefused`
 * (nothing else changed); a device of another kind at our path is left alone and said.
 */
export async function ensureAuditDevice(node: VaultNode, root: string): Promise<string | undefined> {
  const devices = await node.listAuditDevices(root);
  if (devices.some(writesOurFile)) return undefined;
  const where = `${AUDIT_DEVICE.path}/ (${AUDIT_LOG_FILE})`;
  const other = devices.find((d) => d.path === AUDIT_DEVICE.path);
  if (other) {
    const file = other.options.file_path;
    return (
      `left the audit device ${other.path}/ alone: it is a ${other.type} device` +
      `${file ? ` writing ${file}` : ''}, not the tool's ${where}`
    );
  }
  const { server } = await node.sealStatus();
  if (!capabilitiesOf(server).auditDeviceByApi)
    return (
      `no audit device writes ${AUDIT_LOG_FILE}: ${server.product} ${server.version} takes ` +
      `audit devices only from its configuration (deploy with docker-stack-vault.openbao.yml)`
    );
  try {
    await node.enableAuditDevice(root, { ...AUDIT_DEVICE, options: { ...AUDIT_DEVICE.options } });
  } catch (err) {
    if (err instanceof VaultRequestError && err.status === 400)
      throw new NonRetryableError(
        ErrorType.AuditDeviceRefused,
        `Vault refused the audit device ${where}: ${err.message}. The logs volume (vault-logs-vl at ` +
          `/vault/logs) must be writable by the server. Nothing else was changed; run the same command again ` +
          `once it is.`,
      );
    throw err;
  }
  return `enabled the audit device ${where}`;
}
