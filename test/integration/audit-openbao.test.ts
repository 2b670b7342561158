/**
 * The audit device (issue 29) through the real gateway against real OpenBao server processes
 * (test/support/local-openbao.ts: the test bed's `bao` binary, no Docker), one per way a server allows it:
 * - declared in a second configuration file, as docker-stack-vault.openbao.yml adds init/vault/openbao-audit.hcl
 *   (that very file, its path pointed into the server's folder): `sys/audit` lists it, the file fills, and the
 *   API refuses another device (HTTP 400), which is what `auditDeviceByApi` says of OpenBao 2.3.2 and later;
 * - through `sys/audit/<path>`, HashiCorp Vault's way, on an OpenBao that allows it
 *   (`unsafe_allow_api_audit_creation`): the call the bootstrap makes on Vault, answered by a real server.
 * Neither file holds the root token in the clear (the devices HMAC it).
 *
 * Part of `npm test`; skipped when the binary is not there (`npm run testbed -- up` installs it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AUDIT_DEVICE, AUDIT_LOG_FILE, ensureAuditDevice } from '../../src/activities/cluster/audit';
import { VaultRequestError } from '../../src/shared/errors';
import { capabilitiesOf } from '../../src/shared/vault-server';
import { LocalOpenBao, openBaoBinary } from '../support/local-openbao';
import { REPO } from '../support/testbed';

const binary = openBaoBinary();

/** A started, initialized, unsealed server and its root token. */
async function started(extraConfig: (dir: string) => string[]) {
  const bao = await LocalOpenBao.start(binary!, extraConfig);
  const init = await bao.client().init();
  await bao.unsealAndWaitActive(init.unsealKey);
  return { bao, root: init.rootToken };
}

describe('the audit device on a real OpenBao', { skip: !binary && 'no bao binary' }, () => {
  const servers: LocalOpenBao[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('declared in the configuration (init/vault/openbao-audit.hcl): listed, written; the API refuses another', async () => {
    const hcl = readFileSync(join(REPO, 'init', 'vault', 'openbao-audit.hcl'), 'utf8');
    assert.ok(hcl.includes(AUDIT_LOG_FILE), 'the shipped file writes the path the tool looks for');
    const { bao, root } = await started((dir) => [hcl.replaceAll(AUDIT_LOG_FILE, join(dir, 'audit.log'))]);
    servers.push(bao);
    const node = bao.client();
    const { server } = await node.sealStatus();
    assert.equal(capabilitiesOf(server).auditDeviceByApi, false, `${server.product} ${server.version}`);
    const devices = await node.listAuditDevices(root);
    assert.deepEqual(devices, [
      { path: AUDIT_DEVICE.path, type: 'file', options: { file_path: join(bao.dir, 'audit.log') } },
    ]);
    await node.writePolicy(root, 'audit-probe', 'path "x" { capabilities = ["read"] }\n');
    const log = readFileSync(join(bao.dir, 'audit.log'), 'utf8');
    assert.match(log, /"path":"sys\/policies\/acl\/audit-probe"/, 'the request reached the file');
    assert.ok(!log.includes(root), 'the root token is HMACd, never in the clear');
    const refusal = await node
      .enableAuditDevice(root, {
        path: 'other',
        type: 'file',
        options: { file_path: join(bao.dir, 'o.log') },
      })
      .then(
        () => assert.fail('the API enabled a device'),
        (err: unknown) => err,
      );
    assert.ok(refusal instanceof VaultRequestError && refusal.status === 400, String(refusal));
    assert.match(refusal.message, /cannot enable audit device via API/);
    // The tool's check on this server: its path holds a device on another file (this test's), left alone.
    assert.equal(
      await ensureAuditDevice(node, root),
      `left the audit device vault-logs/ alone: it is a file device writing ${join(bao.dir, 'audit.log')}, ` +
        `not the tool's vault-logs/ (${AUDIT_LOG_FILE})`,
    );
    assert.equal((await node.listAuditDevices(root)).length, 1, 'nothing enabled');
  });

  it('through sys/audit (Vault’s way), on an OpenBao that allows it: enabled, listed, written', async () => {
    const { bao, root } = await started(() => ['unsafe_allow_api_audit_creation = true']);
    servers.push(bao);
    const node = bao.client();
    assert.deepEqual(await node.listAuditDevices(root), []);
    const file = join(bao.dir, 'api-audit.log');
    await node.enableAuditDevice(root, {
      path: AUDIT_DEVICE.path,
      type: 'file',
      options: { file_path: file },
    });
    assert.deepEqual(await node.listAuditDevices(root), [
      { path: AUDIT_DEVICE.path, type: 'file', options: { file_path: file } },
    ]);
    await node.lookupSelf(root);
    const log = readFileSync(file, 'utf8');
    assert.match(log, /"path":"auth\/token\/lookup-self"/);
    assert.ok(!log.includes(root), 'the root token is HMACd, never in the clear');
    // The same path again is Vault's "path already in use" (400): the tool lists before it enables.
    const again = await node.enableAuditDevice(root, { ...AUDIT_DEVICE, options: { file_path: file } }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(again instanceof VaultRequestError && again.status === 400, String(again));
  });
});
