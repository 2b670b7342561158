/**
 * The Vault gateway against a small local HTTPS server (127.0.0.1, the test bed's certificate, server name
 * vault-1, `direct` addressing): a node answering with a version this bootstrap does not know is refused
 * as a VaultProtocolError, which the activities turn into the non-retryable `UnexpectedVaultResponse`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ActivityDeps } from '../../src/activities';
import { vaultFailure } from '../../src/activities/deps';
import { Failpoints } from '../../src/activities/failpoints';
import type { KeyCustody } from '../../src/custody/file-custody';
import type { DockerGateway, TaskInfo } from '../../src/docker/gateway';
import { VaultNodeClient, VaultProtocolError } from '../../src/vault/gateway';
import type { VaultTimeouts } from '../../src/vault/gateway';
import { REPO, testbedEnv } from '../support/testbed';

function certDir(): string {
  try {
    return testbedEnv().VAULT_CERT_DIR ?? join(REPO, '.cache', 'certs');
  } catch {
    return join(REPO, '.cache', 'certs');
  }
}

/** What the fake node answers on seal-status and unseal; the tests change it between calls. */
let sealStatus: Record<string, unknown> = {};

function answer(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'shamir',
    initialized: true,
    sealed: true,
    t: 1,
    n: 1,
    progress: 0,
    version: '2.7.2',
    ...overrides,
  };
}

/** What the fake node answers to one request path. */
interface Reply {
  status?: number;
  body: unknown;
  delayMs?: number;
}

/**
 * A fake Vault node for the surrounding `describe`: an HTTPS server on 127.0.0.1 with the test bed's
 * certificate, answering `route(url)`. Returns a factory of gateway clients for it (`direct`, vault-1).
 */
function fakeNode(route: (url: string) => Reply): (timeouts: VaultTimeouts) => VaultNodeClient {
  const dir = certDir();
  const ca = readFileSync(join(dir, 'ca.pem'));
  let server: Server | undefined;
  let port = 0;
  before(async () => {
    server = createServer(
      { cert: readFileSync(join(dir, 'fullchain.pem')), key: readFileSync(join(dir, 'privkey.pem')) },
      (req, res) => {
        req.resume();
        const reply = route(req.url ?? '');
        setTimeout(() => {
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(reply.body));
        }, reply.delayMs ?? 0);
      },
    );
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server?.closeAllConnections();
    return new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });
  return (timeouts) =>
    new VaultNodeClient(
      'vault-1',
      { host: '127.0.0.1', port, serverName: 'vault-1' },
      { mode: 'direct' },
      ca,
      timeouts,
    );
}

describe('Vault gateway: version check', () => {
  const node = fakeNode((url) =>
    url === '/v1/sys/seal-status' || url === '/v1/sys/unseal'
      ? { body: sealStatus }
      : { status: 404, body: { errors: [] } },
  );
  const client = (): VaultNodeClient => node({ requestMs: 5_000, initMs: 5_000 });

  for (const version of ['2.7.2', '1.17.6', '1.17.6+ent', '1.4.0-rc1', '10.0.0']) {
    it(`accepts version ${version}`, async () => {
      sealStatus = answer({ version });
      const s = await client().sealStatus();
      assert.equal(s.version, version);
      assert.equal(s.sealed, true);
    });
  }

  for (const version of ['0.11.6', 'v1.17.6', '1.17', '', 'OpenBao', 17, null, undefined]) {
    it(`refuses version ${JSON.stringify(version) ?? 'absent'} as a VaultProtocolError`, async () => {
      sealStatus = answer({ version });
      await assert.rejects(client().sealStatus(), (err: unknown) => {
        assert.ok(err instanceof VaultProtocolError, String(err));
        assert.match(
          err.message,
          /vault-1 reports version .* in seal-status; expected .*major\.minor\.patch/,
        );
        return true;
      });
    });
  }

  it('checks the version in the answer to an unseal too, and never echoes the key', async () => {
    sealStatus = answer({ version: '0.9.0', sealed: false });
    const key = 'c2VjcmV0LXVuc2VhbC1rZXktZm9yLXRlc3Rz';
    await assert.rejects(client().unseal(key), (err: unknown) => {
      assert.ok(err instanceof VaultProtocolError, String(err));
      assert.ok(!err.message.includes(key));
      return true;
    });
  });

  it('still refuses a seal type other than Shamir', async () => {
    sealStatus = answer({ type: 'awskms' });
    await assert.rejects(client().sealStatus(), /uses seal type "awskms"/);
  });

  it('activities turn a VaultProtocolError into the non-retryable UnexpectedVaultResponse', () => {
    const failure = vaultFailure(new VaultProtocolError('vault-1 reports version "0.9.0"'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'UnexpectedVaultResponse');
    assert.equal(failure.nonRetryable, true);
  });

  it('an activity meeting that node fails by name at once (not after its wait deadline)', async () => {
    sealStatus = answer({ version: '0.9.0' });
    const task = (slot: number): TaskInfo => ({
      id: `t${slot}`,
      slot,
      state: 'running',
      desiredState: 'running',
      address: '127.0.0.1',
      createdAt: '',
      secretIds: [],
    });
    const docker = {
      currentTasks: () => Promise.resolve(new Map([1, 2, 3].map((s) => [s, task(s)]))),
    } as unknown as DockerGateway;
    const custody = {
      describe: () => Promise.resolve({ keyId: 'k1', stack: 's', createdAt: '' }),
      read: () =>
        Promise.resolve({ keyId: 'k1', stack: 's', createdAt: '', unsealKey: 'a2V5', rootToken: 't' }),
    } as unknown as KeyCustody;
    const deps = {
      docker,
      custody,
      vaultClient: () => client(),
      config: {
        stack: { unsealSecretTemplate: '{stack}_vault_unseal_key' },
        vault: { serverNameTemplate: 'vault-{slot}', caFile: join(certDir(), 'ca.pem') },
      },
      failpoints: new Failpoints([]),
    } as unknown as ActivityDeps;
    const env = new MockActivityEnvironment();
    const outcome = env.run(createActivities(deps).unsealLeader, { stack: 's' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      outcome,
      new Promise<'slow'>((r) => (timer = setTimeout(() => r('slow'), 10_000))),
    ]);
    clearTimeout(timer);
    if (first === 'slow') {
      env.cancel();
      await outcome;
      assert.fail('unsealLeader kept waiting on a node it cannot understand');
    }
    assert.ok(first instanceof ApplicationFailure, String(first));
    assert.equal(first.type, 'UnexpectedVaultResponse');
  });
});

describe('Vault gateway: timeouts', () => {
  /** How long the fake node takes to answer seal-status and sys/init, in milliseconds. */
  let delays = { sealStatus: 0, init: 0 };
  const node = fakeNode((url) =>
    url === '/v1/sys/init'
      ? { body: { keys_base64: ['a2V5'], keys: ['6b6579'], root_token: 'hvs.test' }, delayMs: delays.init }
      : { body: answer({ initialized: false, sealed: true }), delayMs: delays.sealStatus },
  );
  const client = (): VaultNodeClient => node({ requestMs: 300, initMs: 5_000 });

  it('gives up on an ordinary call after the request timeout', async () => {
    delays = { sealStatus: 1_500, init: 0 };
    await assert.rejects(client().sealStatus(), /reading seal status on vault-1: no answer in time/);
  });

  it('waits for a sys/init answer slower than the request timeout, so the key is not dropped', async () => {
    delays = { sealStatus: 0, init: 1_500 };
    const answered = await client().init();
    assert.equal(answered.unsealKey, 'a2V5');
    assert.equal(answered.rootToken, 'hvs.test');
  });
});
