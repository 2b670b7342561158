/**
 * The test bed's tunnel (issue 10, item 4) against a real Vault stack: it serves a Vault task's address on
 * 8200 with TLS verified end to end, and refuses everything else by closing without a byte: another port of
 * the same task, addresses that are not a Vault task (the service's virtual IP, the tunnel's own address),
 * a name, an overlong line, and a client on iklimco-net (only the published port is served).
 * The Go tests (test/unit/tunnel-go.test.ts) cover each rule on its own; this checks them with Docker's DNS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { loadWorkerConfig } from '../../src/config/worker';
import { DockerGateway } from '../../src/docker/gateway';
import { servedCertificate } from '../../src/vault/transport';
import { buildActivityDeps } from '../../src/wiring';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { dockerCli, TestRun } from '../support/testbed';

const NETWORK = 'iklimco-net';
const TUNNEL_CONTAINER = 'vault-bootstrap-tunnel';
/**
 * Sent after the target line: plain HTTP, to which Vault's TLS listener answers "400 Bad Request" at once.
 * A served connection thus shows bytes right away instead of waiting for a ClientHello that never comes.
 */
const PLAIN_REQUEST = 'GET / HTTP/1.0\r\n\r\n';

interface Probe {
  /** What came back, as text. */
  answer: string;
  /** Whether the tunnel closed the connection within the wait. */
  closed: boolean;
}

/** Sends `payload` to the tunnel and collects what comes back until it closes or `waitMs` passes. */
function probe(tunnel: { host: string; port: number }, payload: string, waitMs = 5_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: tunnel.host, port: tunnel.port });
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('utf8'), closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset is a way of closing; failing to connect at all is not what is under test.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(err);
    });
  });
}

function assertRefused(p: Probe, what: string): void {
  assert.deepEqual(p, { answer: '', closed: true }, `${what}: closed at once with no byte`);
}

describe('the tunnel serves Vault task addresses only', () => {
  const run = new TestRun();
  const config = loadWorkerConfig(run.env());
  const tunnel =
    config.vault.addressing.mode === 'tunnel'
      ? config.vault.addressing
      : assert.fail('the test bed uses the tunnel');
  const ca = readFileSync(config.vault.caFile);
  let task = { address: '', slot: 0 };

  before(async () => {
    const acts = createActivities(buildActivityDeps(config));
    const mock = new MockActivityEnvironment();
    const input = { stack: run.stack };
    await mock.run(acts.preflight, input);
    await mock.run(acts.ensurePlaceholderSecret, input);
    await mock.run(acts.deployStack, input);
    const running = [
      ...(await new DockerGateway('/var/run/docker.sock').currentTasks(`${run.stack}_vault`)).values(),
    ]
      .filter((t) => t.state === 'running' && t.address)
      .map((t) => ({ address: t.address ?? '', slot: t.slot }));
    assert.ok(running[0], `${run.stack}_vault has a running task with an ${NETWORK} address`);
    task = running[0];
  });
  after(async () => {
    await cleanUpLeavingNothing(run);
  });

  it('serves a Vault task address on 8200, TLS verified end to end', async () => {
    const served = await servedCertificate(
      { host: task.address, port: 8200, serverName: `vault-${task.slot}` },
      tunnel,
      ca,
      5_000,
    );
    assert.match(served.fingerprint256, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    // The raw probe the refusals below rely on sees a served connection answer at once.
    const p = await probe(tunnel, `${task.address}:8200\n${PLAIN_REQUEST}`);
    assert.match(
      p.answer,
      /^HTTP\/1\.0 400 Bad Request/,
      'Vault answered the plain request through the tunnel',
    );
  });

  it("refuses the same task on another port (8201, Raft's, also listening)", async () => {
    assertRefused(await probe(tunnel, `${task.address}:8201\n${PLAIN_REQUEST}`), 'port 8201');
  });

  it('refuses addresses that are not a Vault task, and names', async () => {
    const networkId = (await run.docker.getNetwork(NETWORK).inspect()).Id;
    const service = (await run.docker.getService(`${run.stack}_vault`).inspect()) as {
      Endpoint?: { VirtualIPs?: { NetworkID?: string; Addr?: string }[] };
    };
    const vip = service.Endpoint?.VirtualIPs?.find((v) => v.NetworkID === networkId)?.Addr?.split('/')[0];
    assert.ok(vip, `${run.stack}_vault has a virtual IP on ${NETWORK}`);
    const self = await tunnelOverlayAddress();
    // The virtual IP and the service name lead to a Vault too: only the tunnel's rules refuse them.
    for (const target of [
      `${vip}:8200`,
      `${self}:8200`,
      `${run.stack}_vault:8200`,
      `vault-${task.slot}:8200`,
    ])
      assertRefused(await probe(tunnel, `${target}\n${PLAIN_REQUEST}`), target);
  });

  it('refuses an overlong line, even with a Vault task after it', async () => {
    assertRefused(
      await probe(tunnel, `${' '.repeat(300)}${task.address}:8200\n${PLAIN_REQUEST}`),
      'a 300-byte line',
    );
  });

  it(`refuses a client on ${NETWORK}, which can reach Vault itself`, { timeout: 60_000 }, async () => {
    const self = await tunnelOverlayAddress();
    // From a throwaway container on the overlay: Vault directly (the control), then the tunnel's overlay side.
    const script = [
      `printf '${PLAIN_REQUEST.replaceAll('\r', '\\r').replaceAll('\n', '\\n')}' > /tmp/request`,
      `echo "direct:$( timeout 5 nc ${task.address} 8200 < /tmp/request | head -c 24)"`,
      `{ printf '%s\\n' '${task.address}:8200'; cat /tmp/request; } > /tmp/tunnelled`,
      `echo "tunnel:$( timeout 5 nc ${self} 8080 < /tmp/tunnelled | head -c 24)"`,
    ].join('; ');
    const out = await dockerCli([
      'run',
      '--rm',
      '--name',
      `${run.stack}-tunnel-probe`,
      '--network',
      NETWORK,
      '--entrypoint',
      '/bin/sh',
      run.bed.VAULT_IMAGE ?? 'vault-bootstrap-testbed/openbao:2.7.2',
      '-c',
      script,
    ]);
    assert.match(out, /^direct:HTTP\/1\.0 400 Bad Request$/m, `the container reaches Vault itself:\n${out}`);
    assert.match(out, /^tunnel:$/m, `the tunnel's overlay side answers nothing:\n${out}`);
  });
});

/** The tunnel container's own address on the overlay. */
async function tunnelOverlayAddress(): Promise<string> {
  const out = await dockerCli([
    'inspect',
    '--format',
    `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`,
    TUNNEL_CONTAINER,
  ]);
  const address = out.trim();
  assert.match(address, /^\d+\.\d+\.\d+\.\d+$/, `${TUNNEL_CONTAINER} has an address on ${NETWORK}`);
  return address;
}
