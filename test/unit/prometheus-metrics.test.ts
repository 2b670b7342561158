import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrometheusMetrics } from '../../src/metrics/prometheus';
import { freeLoopbackPort, MetricsListenError, startMetricsServer } from '../../src/metrics/server';
import type { HealthReport, NodeHealth } from '../../src/shared/health';

const CHECKED_AT = '2026-11-30T10:00:00.000Z';
const VALID_TO = '2027-03-01T00:00:00.000Z';

function node(slot: number, state: Partial<NodeHealth> = {}): NodeHealth {
  return { name: `vault-${slot}`, slot, reachable: true, initialized: true, sealed: false, ...state };
}

/** A healthy three-node cluster of `stack`, vault-1 leading; `change` adjusts it. */
function report(stack: string, change: Partial<HealthReport> = {}): HealthReport {
  return {
    stack,
    checkedAt: CHECKED_AT,
    verdict: 'Healthy',
    findings: [],
    service: { desired: 3, running: 3 },
    nodes: [node(1), node(2), node(3)],
    raft: {
      servers: [
        { nodeId: 'vault-1', leader: true, voter: true },
        { nodeId: 'vault-2', leader: false, voter: true },
        { nodeId: 'vault-3', leader: false, voter: true },
      ],
      autopilotHealthy: true,
      failureTolerance: 1,
    },
    certificate: { diskFingerprint: 'AB:CD', validTo: VALID_TO, daysLeft: 90 },
    actions: [],
    ...change,
  };
}

/** The samples of `name` (its series exactly, no suffixes), as `name{labels} value` lines in served order. */
async function samples(metrics: PrometheusMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** One per-node sample line. */
function perNode(name: string, stack: string, slot: number, value: number): string {
  return `${name}{stack="${stack}",node="vault-${slot}"} ${value}`;
}

describe('PrometheusMetrics', () => {
  it('a healthy cluster: every node up, unsealed, a voter; vault-1 leads', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1'));
    const each = (name: string, values: number[]) => values.map((v, i) => perNode(name, 's1', i + 1, v));
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_up'), each('vault_bootstrap_node_up', [1, 1, 1]));
    assert.deepEqual(
      await samples(m, 'vault_bootstrap_node_sealed'),
      each('vault_bootstrap_node_sealed', [0, 0, 0]),
    );
    assert.deepEqual(
      await samples(m, 'vault_bootstrap_node_voter'),
      each('vault_bootstrap_node_voter', [1, 1, 1]),
    );
    assert.deepEqual(
      await samples(m, 'vault_bootstrap_node_leader'),
      each('vault_bootstrap_node_leader', [1, 0, 0]),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_raft_failure_tolerance'), [
      'vault_bootstrap_raft_failure_tolerance{stack="s1"} 1',
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_verdict'), [
      'vault_bootstrap_health_verdict{stack="s1",verdict="Healthy"} 1',
      'vault_bootstrap_health_verdict{stack="s1",verdict="Degraded"} 0',
      'vault_bootstrap_health_verdict{stack="s1",verdict="Failed"} 0',
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_last_health_check_timestamp_seconds'), [
      `vault_bootstrap_last_health_check_timestamp_seconds{stack="s1"} ${Date.parse(CHECKED_AT) / 1000}`,
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_certificate_expiry_timestamp_seconds'), [
      `vault_bootstrap_certificate_expiry_timestamp_seconds{stack="s1"} ${Date.parse(VALID_TO) / 1000}`,
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_hold'), ['vault_bootstrap_hold{stack="s1"} 0']);
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), []);
    // Known at zero from the first check on, so that `increase()` counts the first action.
    assert.deepEqual(await samples(m, 'vault_bootstrap_remediations_total'), [
      'vault_bootstrap_remediations_total{stack="s1",action="unseal"} 0',
      'vault_bootstrap_remediations_total{stack="s1",action="rejoin"} 0',
      'vault_bootstrap_remediations_total{stack="s1",action="sighup"} 0',
      'vault_bootstrap_remediations_total{stack="s1",action="rehome"} 0',
    ]);
  });

  it('a sealed node is sealed 1 and its finding counted; unsealed again, 0 and the finding gone', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(
      report('s1', {
        verdict: 'Degraded',
        nodes: [node(1), node(2), node(3, { sealed: true })],
        findings: [{ code: 'NodeSealed', node: 'vault-3', detail: 'vault-3 is sealed' }],
      }),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_sealed'), [
      perNode('vault_bootstrap_node_sealed', 's1', 1, 0),
      perNode('vault_bootstrap_node_sealed', 's1', 2, 0),
      perNode('vault_bootstrap_node_sealed', 's1', 3, 1),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), [
      'vault_bootstrap_health_findings{stack="s1",code="NodeSealed"} 1',
    ]);
    m.recordHealth(report('s1'));
    assert.ok((await samples(m, 'vault_bootstrap_node_sealed')).every((line) => line.endsWith(' 0')));
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), []);
  });

  it('an unreachable node is up 0 and has no sealed series: unknown is never "unsealed" nor "sealed"', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1', { nodes: [node(1), node(2), node(3, { sealed: true })] }));
    m.recordHealth(
      report('s1', {
        verdict: 'Degraded',
        nodes: [node(1), node(2), { name: 'vault-3', slot: 3, reachable: false, error: 'ECONNREFUSED' }],
        findings: [{ code: 'NodeUnreachable', node: 'vault-3', detail: 'ECONNREFUSED' }],
      }),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_up'), [
      perNode('vault_bootstrap_node_up', 's1', 1, 1),
      perNode('vault_bootstrap_node_up', 's1', 2, 1),
      perNode('vault_bootstrap_node_up', 's1', 3, 0),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_sealed'), [
      perNode('vault_bootstrap_node_sealed', 's1', 1, 0),
      perNode('vault_bootstrap_node_sealed', 's1', 2, 0),
    ]);
  });

  it('no Raft view: every node leader 0, voter and failure tolerance unknown (no series)', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1'));
    m.recordHealth(
      report('s1', {
        verdict: 'Failed',
        nodes: [node(1, { sealed: true }), node(2, { sealed: true }), node(3, { sealed: true })],
        raft: { servers: [] },
        findings: [{ code: 'RaftNoLeader', detail: 'no node reports a Raft leader' }],
      }),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_leader'), [
      perNode('vault_bootstrap_node_leader', 's1', 1, 0),
      perNode('vault_bootstrap_node_leader', 's1', 2, 0),
      perNode('vault_bootstrap_node_leader', 's1', 3, 0),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_voter'), []);
    assert.deepEqual(await samples(m, 'vault_bootstrap_raft_failure_tolerance'), []);
  });

  it('a node missing from the Raft configuration is voter 0 and leader 0', async () => {
    const m = new PrometheusMetrics();
    const raft = { servers: report('s1').raft.servers.slice(0, 2), failureTolerance: 0 };
    m.recordHealth(report('s1', { verdict: 'Degraded', raft }));
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_voter'), [
      perNode('vault_bootstrap_node_voter', 's1', 1, 1),
      perNode('vault_bootstrap_node_voter', 's1', 2, 1),
      perNode('vault_bootstrap_node_voter', 's1', 3, 0),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_raft_failure_tolerance'), [
      'vault_bootstrap_raft_failure_tolerance{stack="s1"} 0',
    ]);
  });

  it('the verdict state set flips: one verdict at 1, the two others at 0', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1'));
    m.recordHealth(report('s1', { verdict: 'Failed' }));
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_verdict'), [
      'vault_bootstrap_health_verdict{stack="s1",verdict="Healthy"} 0',
      'vault_bootstrap_health_verdict{stack="s1",verdict="Degraded"} 0',
      'vault_bootstrap_health_verdict{stack="s1",verdict="Failed"} 1',
    ]);
  });

  it('the hold gauge is 1 while the report carries a hold, 0 after', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1', { hold: { reason: 'disk swap', since: CHECKED_AT, by: 'ops' } }));
    assert.deepEqual(await samples(m, 'vault_bootstrap_hold'), ['vault_bootstrap_hold{stack="s1"} 1']);
    m.recordHealth(report('s1'));
    assert.deepEqual(await samples(m, 'vault_bootstrap_hold'), ['vault_bootstrap_hold{stack="s1"} 0']);
  });

  it('backup target ok: 1 while a backup can be written, 0 when not, no series from a report without the check', async () => {
    const m = new PrometheusMetrics();
    const name = 'vault_bootstrap_backup_target_ok';
    m.recordHealth(report('s1', { backup: { target: { usable: true }, count: 0 } }));
    assert.deepEqual(await samples(m, name), [`${name}{stack="s1"} 1`]);
    m.recordHealth(
      report('s1', {
        backup: {
          target: {
            usable: false,
            error: 'BackupTargetMissing',
            detail: 'the backup root /x does not exist',
          },
          count: 0,
        },
      }),
    );
    assert.deepEqual(await samples(m, name), [`${name}{stack="s1"} 0`]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_backup_last_snapshot_timestamp_seconds'), []);
    m.recordHealth(report('s1'));
    assert.deepEqual(await samples(m, name), []);
  });

  it('findings are counted per code, and a code the next report lacks is removed', async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(
      report('s1', {
        verdict: 'Degraded',
        findings: [
          { code: 'CertificateStale', node: 'vault-1', detail: 'older certificate' },
          { code: 'CertificateStale', node: 'vault-2', detail: 'older certificate' },
          { code: 'CertificateExpiring', detail: 'expires in 10 days' },
        ],
      }),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), [
      'vault_bootstrap_health_findings{stack="s1",code="CertificateStale"} 2',
      'vault_bootstrap_health_findings{stack="s1",code="CertificateExpiring"} 1',
    ]);
    m.recordHealth(
      report('s1', { verdict: 'Degraded', findings: [{ code: 'CertificateExpiring', detail: 'in 9 days' }] }),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), [
      'vault_bootstrap_health_findings{stack="s1",code="CertificateExpiring"} 1',
    ]);
  });

  it('counts automatic actions per stack and action', async () => {
    const m = new PrometheusMetrics();
    m.countAction('s1', 'unseal');
    m.countAction('s1', 'unseal');
    m.countAction('s1', 'sighup');
    assert.deepEqual(await samples(m, 'vault_bootstrap_remediations_total'), [
      'vault_bootstrap_remediations_total{stack="s1",action="unseal"} 2',
      'vault_bootstrap_remediations_total{stack="s1",action="sighup"} 1',
    ]);
    m.recordHealth(report('s1')); // the zeroing of a checked stack's counters does not reset them
    assert.deepEqual(await samples(m, 'vault_bootstrap_remediations_total'), [
      'vault_bootstrap_remediations_total{stack="s1",action="unseal"} 2',
      'vault_bootstrap_remediations_total{stack="s1",action="sighup"} 1',
      'vault_bootstrap_remediations_total{stack="s1",action="rejoin"} 0',
      'vault_bootstrap_remediations_total{stack="s1",action="rehome"} 0',
    ]);
  });

  it("keeps two stacks apart: one stack's report replaces only its own series", async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(
      report('a', {
        verdict: 'Degraded',
        nodes: [node(1), node(2), node(3, { sealed: true })],
        findings: [{ code: 'NodeSealed', node: 'vault-3', detail: 'sealed' }],
      }),
    );
    m.recordHealth(report('b', { hold: { reason: 'maintenance', since: CHECKED_AT } }));
    m.recordHealth(report('b'));
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_sealed'), [
      perNode('vault_bootstrap_node_sealed', 'a', 1, 0),
      perNode('vault_bootstrap_node_sealed', 'a', 2, 0),
      perNode('vault_bootstrap_node_sealed', 'a', 3, 1),
      perNode('vault_bootstrap_node_sealed', 'b', 1, 0),
      perNode('vault_bootstrap_node_sealed', 'b', 2, 0),
      perNode('vault_bootstrap_node_sealed', 'b', 3, 0),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_health_findings'), [
      'vault_bootstrap_health_findings{stack="a",code="NodeSealed"} 1',
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_hold'), [
      'vault_bootstrap_hold{stack="a"} 0',
      'vault_bootstrap_hold{stack="b"} 0',
    ]);
  });

  it('a report of a check that began before the one shown is dropped, one that began at the same time or later replaces it', async () => {
    const m = new PrometheusMetrics();
    const later = '2026-11-30T10:00:05.000Z';
    m.recordHealth(report('s1', { checkedAt: later, nodes: [node(1), node(2, { sealed: true }), node(3)] }));
    // A check that began earlier and ended later (the check at start beside a scheduled one): not shown.
    m.recordHealth(report('s1', { verdict: 'Failed', nodes: [node(1, { sealed: true }), node(2), node(3)] }));
    m.recordNodes({ stack: 's1', observedAt: CHECKED_AT, nodes: [node(1), node(2), node(3)], servers: [] });
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_sealed'), [
      perNode('vault_bootstrap_node_sealed', 's1', 1, 0),
      perNode('vault_bootstrap_node_sealed', 's1', 2, 1),
      perNode('vault_bootstrap_node_sealed', 's1', 3, 0),
    ]);
    assert.ok(
      (await samples(m, 'vault_bootstrap_health_verdict')).includes(
        'vault_bootstrap_health_verdict{stack="s1",verdict="Healthy"} 1',
      ),
    );
    m.recordHealth(report('s1', { checkedAt: later }));
    assert.deepEqual(
      (await samples(m, 'vault_bootstrap_node_sealed')).map((l) => l.slice(-1)),
      ['0', '0', '0'],
    );
  });

  it("a look at the nodes alone (the bootstrap's verify) replaces the per-node series and leaves the stack's", async () => {
    const m = new PrometheusMetrics();
    m.recordHealth(report('s1'));
    m.recordNodes({
      stack: 's1',
      observedAt: '2026-11-30T10:01:00.000Z',
      nodes: [node(1), node(2, { sealed: true }), node(3, { reachable: false })],
      servers: [{ nodeId: 'vault-3', leader: true, voter: true }],
    });
    const values = async (name: string) => (await samples(m, name)).map((l) => l.replace(/^.*node="/, ''));
    assert.deepEqual(await values('vault_bootstrap_node_up'), ['vault-1"} 1', 'vault-2"} 1', 'vault-3"} 0']);
    assert.deepEqual(await values('vault_bootstrap_node_sealed'), ['vault-1"} 0', 'vault-2"} 1']);
    assert.deepEqual(await samples(m, 'vault_bootstrap_node_leader'), [
      perNode('vault_bootstrap_node_leader', 's1', 1, 0),
      perNode('vault_bootstrap_node_leader', 's1', 2, 0),
      perNode('vault_bootstrap_node_leader', 's1', 3, 1),
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_last_health_check_timestamp_seconds'), [
      `vault_bootstrap_last_health_check_timestamp_seconds{stack="s1"} ${Date.parse(CHECKED_AT) / 1000}`,
    ]);
    assert.deepEqual(await samples(m, 'vault_bootstrap_raft_failure_tolerance'), [
      'vault_bootstrap_raft_failure_tolerance{stack="s1"} 1',
    ]);
  });

  it('observes activity durations by type and outcome in the step histogram', async () => {
    const m = new PrometheusMetrics();
    m.observeActivity('deployStack', 42, 'completed');
    m.observeActivity('deployStack', 0.2, 'failed');
    m.observeActivity('waitForVaultTaskStart', 3600, 'cancelled');
    const deployed = await samples(m, 'vault_bootstrap_step_duration_seconds_bucket');
    assert.ok(
      deployed.includes(
        'vault_bootstrap_step_duration_seconds_bucket{le="30",step="deployStack",outcome="completed"} 0',
      ),
    );
    assert.ok(
      deployed.includes(
        'vault_bootstrap_step_duration_seconds_bucket{le="60",step="deployStack",outcome="completed"} 1',
      ),
    );
    assert.ok(
      deployed.includes(
        'vault_bootstrap_step_duration_seconds_bucket{le="0.25",step="deployStack",outcome="failed"} 1',
      ),
    );
    assert.ok(
      deployed.includes(
        'vault_bootstrap_step_duration_seconds_bucket{le="600",step="waitForVaultTaskStart",outcome="cancelled"} 0',
      ),
    );
    assert.deepEqual(await samples(m, 'vault_bootstrap_step_duration_seconds_count'), [
      'vault_bootstrap_step_duration_seconds_count{step="deployStack",outcome="completed"} 1',
      'vault_bootstrap_step_duration_seconds_count{step="deployStack",outcome="failed"} 1',
      'vault_bootstrap_step_duration_seconds_count{step="waitForVaultTaskStart",outcome="cancelled"} 1',
    ]);
  });

  it("serves the process's standard metrics, unprefixed, and a HELP text for each of its own", async () => {
    const m = new PrometheusMetrics();
    const text = await m.registry.metrics();
    assert.match(text, /^process_cpu_seconds_total \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    for (const [, name] of text.matchAll(/^# TYPE (vault_bootstrap_\w+) /gm))
      assert.match(text, new RegExp(`^# HELP ${name} \\S.{20,}$`, 'm'));
  });
});

/** An HTTP server on a free loopback port answering `handler`'s status and body; its URL and closer. */
async function fakeUpstream(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) =>
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

const SDK_TEXT =
  '# HELP temporal_request_total Count of client request successes\n# TYPE temporal_request_total counter\ntemporal_request_total{operation="GetSystemInfo"} 1\n';

describe('metrics server', () => {
  const metrics = new PrometheusMetrics();
  metrics.recordHealth(report('s1'));
  let upstream: { url: string; server: Server };
  before(async () => {
    upstream = await fakeUpstream(200, SDK_TEXT);
  });
  after(() => upstream.server.close());

  const local = { host: '127.0.0.1', port: 0 };

  it('GET /metrics: our metrics, then the SDK text appended', async () => {
    const server = await startMetricsServer(local, { registry: metrics.registry, sdkUrl: upstream.url });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), metrics.registry.contentType);
      const text = await res.text();
      assert.ok(text.includes('vault_bootstrap_node_up{stack="s1",node="vault-1"} 1\n'));
      assert.ok(text.endsWith(`\n${SDK_TEXT}`), 'the SDK text comes last, on lines of its own');
      assert.ok(text.indexOf('vault_bootstrap_node_up') < text.indexOf('temporal_request_total'));
    } finally {
      await server.close();
    }
  });

  it('the SDK endpoint down: our metrics all the same, and a comment saying why', async () => {
    const closedPort = await freeLoopbackPort();
    const server = await startMetricsServer(local, {
      registry: metrics.registry,
      sdkUrl: `http://127.0.0.1:${closedPort}/metrics`,
    });
    try {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(text.includes('vault_bootstrap_hold{stack="s1"} 0\n'));
      assert.ok(
        text.endsWith('\n# temporal sdk metrics unavailable: fetch failed (ECONNREFUSED)\n'),
        text.slice(-200),
      );
    } finally {
      await server.close();
    }
  });

  it('the SDK endpoint failing: the comment names its HTTP status', async () => {
    const failing = await fakeUpstream(500, 'boom');
    const server = await startMetricsServer(local, { registry: metrics.registry, sdkUrl: failing.url });
    try {
      const text = await (await fetch(server.url)).text();
      assert.ok(text.endsWith(`\n# temporal sdk metrics unavailable: HTTP 500 from ${failing.url}\n`));
    } finally {
      await server.close();
      failing.server.close();
    }
  });

  it('GET / points at /metrics; any other path or method is 404', async () => {
    const server = await startMetricsServer(local, { registry: metrics.registry, sdkUrl: upstream.url });
    const base = server.url.replace(/\/metrics$/, '');
    try {
      const root = await fetch(`${base}/`);
      assert.equal(root.status, 200);
      assert.equal(await root.text(), 'vault-bootstrap worker: Prometheus metrics at /metrics\n');
      assert.equal((await fetch(`${base}/metrics/x`)).status, 404);
      assert.equal((await fetch(`${base}/health`)).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 404);
    } finally {
      await server.close();
    }
  });

  it('an address in use: rejects with MetricsListenError naming the address and EADDRINUSE', async () => {
    const first = await startMetricsServer(local, { registry: metrics.registry, sdkUrl: upstream.url });
    const port = Number(new URL(first.url).port);
    try {
      await assert.rejects(
        startMetricsServer({ host: '127.0.0.1', port }, { registry: metrics.registry, sdkUrl: upstream.url }),
        (err: unknown) => {
          assert.ok(err instanceof MetricsListenError, String(err));
          assert.equal(err.name, 'MetricsListenError');
          assert.equal(err.code, 'EADDRINUSE');
          assert.equal(err.address, `127.0.0.1:${port}`);
          assert.equal(err.reason, 'EADDRINUSE: another process listens there');
          return true;
        },
      );
    } finally {
      await first.close();
    }
  });

  it('close() frees the port, also with a scraper keeping its connection open', async () => {
    const server = await startMetricsServer(local, { registry: metrics.registry, sdkUrl: upstream.url });
    const port = Number(new URL(server.url).port);
    await (await fetch(server.url)).text(); // fetch keeps the connection alive, as Prometheus does
    await server.close();
    const again = await startMetricsServer(
      { host: '127.0.0.1', port },
      { registry: metrics.registry, sdkUrl: upstream.url },
    );
    await again.close();
  });
});
