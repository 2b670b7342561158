/**
 * The rotation of the unseal key in the Vault gateway (issue 29): the parsing of each endpoint's answers, written
 * from the vendors' API pages (HashiCorp Vault's api-docs/system/rekey; OpenBao's api-docs/system/rotate/*) and
 * from what OpenBao 2.7.2 answered (docs/vault-and-openbao.md, "Rotating the unseal key"); the endpoints chosen
 * by the server's capability; and the refusals. The real server is proven in
 * test/integration/rekey-openbao.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import { VaultProtocolError, VaultRequestError } from '../../src/shared/errors';
import { capabilitiesOf } from '../../src/shared/vault-server';
import type { VaultServer } from '../../src/shared/vault-server';
import {
  parseRekeyAttempt,
  parseRekeyBackup,
  parseRekeyUpdate,
  parseRekeyVerification,
  VaultNodeClient,
} from '../../src/vault/gateway';
import { TestCertificates } from '../support/certs';
import { testDir } from '../support/tmp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

const where = 'reading on vault-1';

/** The start of a real encrypted key as OpenBao 2.7.2 answered it (a public-key encrypted session key packet). */
const PGP_MESSAGE =
  'wcBMA78azbzrTytvAQgAiS9CrsltBufdZypa2n1x++hRMjDjcTgI7j1CWUqg575+sZeyWHvDhi5OtHZ3D6lJPWOVIOdu';

function protocolError(match: RegExp, secret?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof VaultProtocolError, String(err));
    assert.match(err.message, match);
    if (secret) assert.ok(!err.message.includes(secret), 'the message holds the key');
    return true;
  };
}

describe('rekey answers, as the vendors document them', () => {
  it("status: Vault's sys/rekey/init sample (fields at the top)", () => {
    // developer.hashicorp.com/vault/api-docs/system/rekey, "Read rekey progress".
    const vault = {
      started: true,
      nonce: '2dbd10f1-8528-6246-09e7-82b25b8aba63',
      t: 3,
      n: 5,
      progress: 1,
      required: 3,
      pgp_fingerprints: ['abcd1234'],
      backup: true,
      verification_required: false,
    };
    assert.deepEqual(parseRekeyAttempt(where, vault), {
      started: true,
      nonce: '2dbd10f1-8528-6246-09e7-82b25b8aba63',
      shares: 5,
      threshold: 3,
      progress: 1,
      required: 3,
      pgpFingerprints: ['abcd1234'],
      backup: true,
      verificationRequired: false,
      verificationNonce: '',
    });
    // openbao.org/api-docs/system/rotate/init, "Read rotation progress": the same fields under `data`.
    assert.deepEqual(parseRekeyAttempt(where, { request_id: 'x', data: vault, wrap_info: null }), {
      ...parseRekeyAttempt(where, vault),
    });
  });

  it('status: none in progress, as OpenBao 2.7.2 answers it (no nonce, no progress, no fingerprints)', () => {
    const a = parseRekeyAttempt(where, { data: { n: 0, required: 1, started: false, t: 0 } });
    assert.equal(a.started, false);
    assert.equal(a.nonce, '');
    assert.deepEqual(a.pgpFingerprints, []);
    // The legacy endpoint's empty status: pgp_fingerprints null.
    const legacy = {
      nonce: '',
      started: false,
      t: 0,
      n: 0,
      progress: 0,
      required: 1,
      pgp_fingerprints: null,
    };
    assert.equal(parseRekeyAttempt(where, legacy).started, false);
  });

  it("status: OpenBao's sys/rotate/root says the verification nonce once update completed (2.7.2)", () => {
    const a = parseRekeyAttempt(where, {
      data: {
        backup: true,
        n: 1,
        nonce: 'd13def52-1c7c-afb9-fd55-ef8c7d937e75',
        pgp_fingerprints: ['6C873800DCCD6E094D07C9236AA4DF5AF14FC78E'],
        progress: 0,
        required: 1,
        started: true,
        t: 1,
        verification_nonce: '3a9c4e7e-3859-6f16-476e-27e08c01f7e2',
        verification_required: true,
      },
    });
    assert.equal(a.verificationNonce, '3a9c4e7e-3859-6f16-476e-27e08c01f7e2');
    assert.deepEqual(a.pgpFingerprints, ['6c873800dccd6e094d07c9236aa4df5af14fc78e'], 'lower-cased');
  });

  for (const [name, body] of [
    ['no started field', { nonce: 'n', t: 1, n: 1 }],
    ['a started rotation without a nonce', { started: true, t: 1, n: 1 }],
    ['n as text', { started: false, n: '1' }],
    ['fingerprints not a list of strings', { started: false, pgp_fingerprints: 'abcd' }],
    ['backup not a boolean', { started: false, backup: 'yes' }],
    ['not an object', 'rotation'],
  ] as [string, unknown][]) {
    it(`status refused: ${name}`, () => {
      assert.throws(() => parseRekeyAttempt(where, body), protocolError(/rotation status/));
    });
  }

  it("update: a completed rotation with the new key encrypted (Vault's sample shape, one share)", () => {
    // api-docs/system/rekey, "Submit key"; the same fields under `data` on OpenBao's rotate/update.
    const answer = {
      complete: true,
      keys: ['c1c04c03bf1acdbc'],
      keys_base64: [PGP_MESSAGE],
      nonce: '2dbd10f1-8528-6246-09e7-82b25b8aba63',
      pgp_fingerprints: ['abcd1234'],
      backup: true,
      verification_required: true,
      verification_nonce: '8b112c9e-2738-929d-bcc2-19aff249ff10',
    };
    const expected = {
      complete: true,
      nonce: '2dbd10f1-8528-6246-09e7-82b25b8aba63',
      encryptedKeys: [PGP_MESSAGE],
      pgpFingerprints: ['abcd1234'],
      backup: true,
      verificationRequired: true,
      verificationNonce: '8b112c9e-2738-929d-bcc2-19aff249ff10',
    };
    assert.deepEqual(parseRekeyUpdate(where, answer), expected);
    assert.deepEqual(parseRekeyUpdate(where, { data: answer }), expected);
  });

  it('update: not complete yet (a threshold above one) is the status', () => {
    const u = parseRekeyUpdate(where, { started: true, nonce: 'n-1', t: 1, n: 1, progress: 1, required: 2 });
    assert.equal(u.complete, false);
    assert.equal(u.complete === false && u.attempt.progress, 1);
  });

  it("update refused: Vault's sample verbatim (3 keys, 1 base64 key, 1 fingerprint: not one message per key)", () => {
    const sample = {
      complete: true,
      keys: ['one', 'two', 'three'],
      nonce: '2dbd10f1-8528-6246-09e7-82b25b8aba63',
      pgp_fingerprints: ['abcd1234'],
      keys_base64: ['base64keyvalue'],
      backup: true,
      verification_required: true,
      verification_nonce: '8b112c9e-2738-929d-bcc2-19aff249ff10',
    };
    assert.throws(() => parseRekeyUpdate(where, sample), protocolError(/keys_base64/, 'base64keyvalue'));
  });

  it('update refused: a new key that came back unencrypted never reaches the message', () => {
    const plain = 'NnejXPqAeq+gvcDHvVrQvlY2zBTS6SuopnKTB4+Jnss=';
    for (const fingerprints of [undefined, null, []])
      assert.throws(
        () =>
          parseRekeyUpdate(where, {
            complete: true,
            keys: ['3677a35c'],
            keys_base64: [plain],
            nonce: 'n-1',
            ...(fingerprints === undefined ? {} : { pgp_fingerprints: fingerprints }),
          }),
        protocolError(/came back unencrypted/, plain),
      );
    // With a fingerprint, a key that is not an OpenPGP message is refused too.
    assert.throws(
      () =>
        parseRekeyUpdate(where, {
          complete: true,
          keys_base64: [plain],
          nonce: 'n-1',
          pgp_fingerprints: ['ab'],
        }),
      protocolError(/OpenPGP message/, plain),
    );
  });

  it('update refused: verification required without its nonce', () => {
    assert.throws(
      () =>
        parseRekeyUpdate(where, {
          complete: true,
          keys_base64: [PGP_MESSAGE],
          nonce: 'n-1',
          pgp_fingerprints: ['ab'],
          verification_required: true,
        }),
      protocolError(/verification_nonce/),
    );
  });

  it("verification: Vault's sample has no started field (a nonce means started); OpenBao's has it", () => {
    // api-docs/system/rekey, "Read rekey verification progress".
    assert.deepEqual(
      parseRekeyVerification(where, {
        nonce: '8b112c9e-2738-929d-bcc2-19aff249ff10',
        t: 3,
        n: 5,
        progress: 1,
      }),
      { started: true, nonce: '8b112c9e-2738-929d-bcc2-19aff249ff10', shares: 5, threshold: 3, progress: 1 },
    );
    // OpenBao 2.7.2 before update completed.
    assert.deepEqual(
      parseRekeyVerification(where, { data: { n: 1, nonce: '', progress: 0, started: false, t: 1 } }),
      { started: false, nonce: '', shares: 1, threshold: 1, progress: 0 },
    );
    assert.throws(() => parseRekeyVerification(where, { t: 1, n: 1 }), protocolError(/verification status/));
  });

  it("backup: Vault's sample (a hex string per fingerprint) and OpenBao 2.7.2's (lists, at the top and in data)", () => {
    const hex = Buffer.from(PGP_MESSAGE, 'base64').toString('hex');
    // api-docs/system/rekey, "Read backup key": "a map of PGP key fingerprint to hex-encoded PGP-encrypted key".
    assert.deepEqual(parseRekeyBackup(where, { nonce: '2dbd10f1', keys: { abcd1234: hex } }), {
      nonce: '2dbd10f1',
      encryptedKeys: { abcd1234: [Buffer.from(hex, 'hex').toString('base64')] },
    });
    const openbao = { nonce: 'd13def52', keys: { ABCD: [hex] }, keys_base64: { ABCD: [PGP_MESSAGE] } };
    assert.deepEqual(parseRekeyBackup(where, { ...openbao, data: openbao }), {
      nonce: 'd13def52',
      encryptedKeys: { abcd: [PGP_MESSAGE] },
    });
  });

  for (const [name, body, match] of [
    [
      "Vault's sample verbatim ('...' is no hex)",
      { nonce: '2dbd10f1', keys: { abcd1234: '...' } },
      /not hex/,
    ],
    ['no nonce', { keys_base64: { ab: [PGP_MESSAGE] } }, /no nonce/],
    ['no keys', { nonce: 'n' }, /no keys_base64 or keys/],
    ['an empty map', { nonce: 'n', keys_base64: {} }, /no keys_base64 or keys/],
    [
      'a plaintext key',
      { nonce: 'n', keys_base64: { ab: ['NnejXPqAeq+gvcDHvVrQvlY2zBTS6SuopnKTB4+Jnss='] } },
      /not OpenPGP/,
    ],
  ] as [string, unknown, RegExp][]) {
    it(`backup refused: ${name}`, () => {
      assert.throws(() => parseRekeyBackup(where, body), protocolError(match, 'NnejXPqAeq'));
    });
  }
});

/** What the test server saw of one request. */
interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: unknown;
}

describe('rekey calls through the gateway: endpoints by capability, refusals', () => {
  const seen: Seen[] = [];
  let reply: (s: Seen) => { status?: number; body?: unknown } = () => ({ status: 404, body: { errors: [] } });
  let server: Server | undefined;
  let client: VaultNodeClient;
  let publicKey = '';
  let privateArmored = '';
  let fingerprint = '';

  before(async () => {
    const certs = new TestCertificates(testDir('vbt-rekey-gw-'));
    await certs.createCa();
    await certs.issueServer(1);
    server = createServer(
      {
        cert: readFileSync(join(certs.dir, 'fullchain.pem')),
        key: readFileSync(join(certs.dir, 'privkey.pem')),
      },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: IncomingHttpHeaders = req.headers;
          const s: Seen = {
            method: req.method ?? '',
            url: req.url ?? '',
            token: headers['x-vault-token'] as string | undefined,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          };
          seen.push(s);
          const r = reply(s);
          res.writeHead(r.status ?? 200, { 'content-type': 'application/json' });
          res.end(r.body === undefined ? '' : JSON.stringify(r.body));
        });
      },
    );
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    client = new VaultNodeClient(
      'vault-1',
      { host: '127.0.0.1', port, serverName: 'vault-1' },
      { mode: 'direct' },
      readFileSync(join(certs.dir, 'ca.pem')),
      { requestMs: 5_000, initMs: 5_000 },
    );
    const made = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 't' }] });
    publicKey = made.publicKey;
    privateArmored = made.privateKey;
    fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint();
  });
  after(() => {
    server?.closeAllConnections();
    return new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  const servers: [VaultServer, string, boolean][] = [
    [{ product: 'vault', version: '1.19.0' }, '/v1/sys/rekey/init', false],
    [{ product: 'vault', version: '2.0.0' }, '/v1/sys/rekey/init', true],
    [{ product: 'openbao', version: '2.3.2' }, '/v1/sys/rekey/init', false],
    [{ product: 'openbao', version: '2.7.2' }, '/v1/sys/rotate/root/init', true],
  ];
  for (const [server, path, authenticated] of servers) {
    it(`${server.product} ${server.version}: the status from ${path}, ${authenticated ? 'with' : 'without'} a token`, async () => {
      seen.length = 0;
      reply = () => ({ body: { started: false, t: 0, n: 0, progress: 0, required: 1 } });
      const rekey = capabilitiesOf(server).rekey;
      assert.equal(rekey.authenticated, authenticated);
      const status = await client.rekeyStatus(rekey.api, rekey.authenticated ? 'hvs.tool' : undefined);
      assert.equal(status?.started, false);
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.token]),
        [['GET', path, authenticated ? 'hvs.tool' : undefined]],
        'one call, to the named endpoint: nothing probed',
      );
    });
  }

  it('a server that does not offer the endpoints (404/405) has no status: undefined', async () => {
    for (const status of [404, 405]) {
      reply = () => ({ status, body: { errors: ['unsupported operation'] } });
      assert.equal(await client.rekeyStatus('sys/rekey'), undefined);
    }
  });

  it('start: one share, threshold one, the public key as base64 of its binary form, backup and verification', async () => {
    seen.length = 0;
    reply = () => ({
      body: {
        data: {
          started: true,
          nonce: 'n-1',
          t: 1,
          n: 1,
          progress: 0,
          required: 1,
          pgp_fingerprints: [fingerprint],
          backup: true,
          verification_required: true,
          verification_nonce: '',
        },
      },
    });
    const a = await client.startRekey(
      'sys/rotate/root',
      { pgpPublicKey: publicKey, backup: true, requireVerification: true },
      'hvs.tool',
    );
    assert.equal(a.nonce, 'n-1');
    const [call] = seen;
    assert.equal(call?.method, 'POST');
    assert.equal(call.url, '/v1/sys/rotate/root/init');
    const body = call.body as Record<string, unknown>;
    const sent = (body.pgp_keys as string[])[0]!;
    const read = await openpgp.readKey({ binaryKey: Buffer.from(sent, 'base64') });
    assert.equal(read.getFingerprint(), fingerprint);
    assert.equal(read.isPrivate(), false);
    assert.deepEqual(
      { ...body, pgp_keys: undefined },
      {
        secret_shares: 1,
        secret_threshold: 1,
        pgp_keys: undefined,
        backup: true,
        require_verification: true,
      },
    );
  });

  it('start refused: an answer that is not the rotation asked for (another key, no backup) is a VaultProtocolError', async () => {
    const base = { started: true, nonce: 'n-1', t: 1, n: 1, required: 1, verification_required: false };
    for (const wrong of [
      { ...base, pgp_fingerprints: ['0000'], backup: true },
      { ...base, pgp_fingerprints: [fingerprint], backup: false },
      { ...base, n: 3, t: 2, pgp_fingerprints: [fingerprint], backup: true },
    ]) {
      reply = () => ({ body: wrong });
      await assert.rejects(
        client.startRekey('sys/rekey', { pgpPublicKey: publicKey, backup: true, requireVerification: false }),
        protocolError(/not the rotation asked for/),
      );
    }
  });

  it("start: an empty answer (an older Vault's 204) is read back from the status", async () => {
    seen.length = 0;
    reply = (s) =>
      s.method === 'POST'
        ? { status: 204 }
        : {
            body: {
              started: true,
              nonce: 'n-2',
              t: 1,
              n: 1,
              required: 1,
              pgp_fingerprints: [fingerprint],
              backup: false,
              verification_required: false,
            },
          };
    const a = await client.startRekey('sys/rekey', {
      pgpPublicKey: publicKey,
      backup: false,
      requireVerification: false,
    });
    assert.equal(a.nonce, 'n-2');
    assert.deepEqual(
      seen.map((s) => [s.method, s.url]),
      [
        ['POST', '/v1/sys/rekey/init'],
        ['GET', '/v1/sys/rekey/init'],
      ],
    );
  });

  it('start refused before any call: a private key, two keys, or no key at all', async () => {
    seen.length = 0;
    const other = (await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'u' }] })).publicKey;
    for (const [pgpPublicKey, match] of [
      [privateArmored, /is a private key; only its public half is sent/],
      [`${publicKey}\n${other}`, /expected one OpenPGP public key/],
      ['not a key', /not an armored OpenPGP key/],
    ] as [string, RegExp][])
      await assert.rejects(
        client.startRekey('sys/rekey', { pgpPublicKey, backup: false, requireVerification: false }),
        (err: Error) => match.test(err.message) && !err.message.includes('BEGIN PGP'),
      );
    assert.equal(seen.length, 0, 'nothing was sent');
  });

  it("update: the key and nonce go in the body; Vault's refusal is a VaultRequestError without the key", async () => {
    seen.length = 0;
    const key = 'NnejXPqAeq+gvcDHvVrQvlY2zBTS6SuopnKTB4+Jnss=';
    reply = () => ({
      status: 400,
      body: { errors: ['incorrect nonce supplied; nonce for rotation is "n-1"'] },
    });
    await assert.rejects(
      client.provideRekeyKey('sys/rotate/root', key, 'n-0', 'hvs.tool'),
      (err: unknown) => {
        assert.ok(err instanceof VaultRequestError);
        assert.equal(err.status, 400);
        assert.match(
          err.message,
          /providing the unseal key to a rotation on vault-1: HTTP 400: incorrect nonce/,
        );
        assert.ok(!err.message.includes(key) && !err.message.includes('hvs.tool'));
        return true;
      },
    );
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body]),
      [['POST', '/v1/sys/rotate/root/update', { key, nonce: 'n-0' }]],
    );
  });

  it('verify, cancel and backup go to the named endpoints; 400 "none" is undefined for the reads', async () => {
    seen.length = 0;
    reply = (s) => {
      if (s.method === 'GET') return { status: 400, body: { errors: ['no rotation configuration found'] } };
      if (s.url.endsWith('/verify')) return { body: { data: { nonce: 'v-1', complete: true } } };
      return { status: 204 };
    };
    assert.equal(await client.rekeyVerificationStatus('sys/rotate/root', 'hvs.tool'), undefined);
    assert.deepEqual(await client.provideRekeyVerificationKey('sys/rotate/root', 'bmV3', 'v-1', 'hvs.tool'), {
      complete: true,
      nonce: 'v-1',
    });
    await client.cancelRekey('sys/rotate/root', 'n-1', 'hvs.tool');
    assert.equal(await client.rekeyBackup('sys/rotate/root', 'hvs.tool'), undefined);
    await client.deleteRekeyBackup('sys/rotate/root', 'hvs.tool');
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body]),
      [
        ['GET', '/v1/sys/rotate/root/verify', undefined],
        ['POST', '/v1/sys/rotate/root/verify', { key: 'bmV3', nonce: 'v-1' }],
        ['DELETE', '/v1/sys/rotate/root/init', { nonce: 'n-1' }],
        ['GET', '/v1/sys/rotate/root/backup', undefined],
        ['DELETE', '/v1/sys/rotate/root/backup', undefined],
      ],
    );
  });

  it('a refusal other than "none" on the reads stays an error (403 on the backup: no sudo)', async () => {
    reply = () => ({ status: 403, body: { errors: ['permission denied'] } });
    await assert.rejects(client.rekeyBackup('sys/rekey', 'hvs.tool'), (err: unknown) => {
      assert.ok(err instanceof VaultRequestError);
      return err.status === 403;
    });
  });
});
