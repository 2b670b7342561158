"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * What an operator sees besides the UI, on the test bed: the worker's Prometheus metrics after a real
 * bootstrap, scraped by a real Prometheus (Debian's, which `testbed up` installs) that evaluates the repo's
 * alert rules; and the hold. A node sealed by hand while the stack is held stays sealed (the watcher starts no
 * check, a check reports `SealedWhileHeld` and acts on nothing), `VaultNodeSealed` fires after its minute,
 * and `release` unseals it within seconds, after which the alert clears. The figures and timestamps are
 * printed for the closing notes, and the scraped text is kept in `.cache/metrics-after-bootstrap.txt`.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const node_test_1 = require("node:test");
const server_1 = require("../../src/metrics/server");
const steps_1 = require("../../src/shared/steps");
const testbed_1 = require("../support/testbed");
const wait_1 = require("../support/wait");
/** Debian's prometheus (the test bed installs it); `VAULT_BOOTSTRAP_PROMETHEUS` names another binary. */
const PROMETHEUS = process.env.VAULT_BOOTSTRAP_PROMETHEUS ?? '/usr/bin/prometheus';
const RULES = (0, node_path_1.join)(testbed_1.REPO, 'monitoring', 'prometheus', 'vault-bootstrap-alerts.yml');
/** The value of the one sample of `name` whose labels include all of `labels` in the exposition `text`. */
function sample(text, name, labels) {
    for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `))
            continue;
        const m = /^[^{\s]+(?:\{(.*)\})?\s+(\S+)/.exec(line);
        const have = new Map([...(m?.[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
        if (Object.entries(labels).every(([k, v]) => have.get(k) === v))
            return Number(m?.[2]);
    }
    return undefined;
}
(0, node_test_1.describe)('metrics, alert rules in a real Prometheus, and the hold', () => {
    const run = new testbed_1.TestRun();
    let metricsUrl = '';
    let promUrl = '';
    let prometheus;
    const seconds = (from) => ((Date.now() - from) / 1000).toFixed(1);
    async function scrape() {
        const res = await fetch(metricsUrl);
        strict_1.default.equal(res.status, 200);
        return res.text();
    }
    /** The alerts Prometheus holds now (pending or firing) named `name` for `node` of this run's stack. */
    async function alerts(name, node) {
        const res = await fetch(`${promUrl}/api/v1/alerts`);
        const body = (await res.json());
        return body.data.alerts.filter((a) => a.labels.alertname === name && a.labels.stack === run.stack && a.labels.node === node);
    }
    async function verifyJson() {
        const res = await run.client(['verify', '--json']);
        return JSON.parse(res.stdout);
    }
    (0, node_test_1.before)(async () => {
        const port = await (0, server_1.freeLoopbackPort)();
        metricsUrl = `http://127.0.0.1:${port}/metrics`;
        run.startWorker({ VAULT_BOOTSTRAP_METRICS_ADDRESS: `127.0.0.1:${port}` });
        const boot = await run.client(['bootstrap', '--wait']);
        strict_1.default.equal(boot.code, 0, boot.out);
        // The watcher (and a schedule that does not fire during the test).
        const created = await run.client(['schedule', 'create'], { VAULT_HEALTH_INTERVAL: '24h' });
        strict_1.default.equal(created.code, 0, created.out);
        const promPort = await (0, server_1.freeLoopbackPort)();
        promUrl = `http://127.0.0.1:${promPort}`;
        const config = (0, node_path_1.join)(run.dir, 'prometheus.yml');
        // Scraped and evaluated every second: the rules' own `for` durations are what the test waits out.
        (0, node_fs_1.writeFileSync)(config, [
            'global: { scrape_interval: 1s, evaluation_interval: 1s }',
            `rule_files: ['${RULES}']`,
            'scrape_configs:',
            `  - job_name: vault-bootstrap`,
            `    static_configs: [{ targets: ['127.0.0.1:${port}'] }]`,
            '',
        ].join('\n'));
        prometheus = (0, node_child_process_1.spawn)(PROMETHEUS, [
            `--config.file=${config}`,
            `--storage.tsdb.path=${(0, node_path_1.join)(run.dir, 'prometheus-data')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
        ], { stdio: 'ignore' });
        await (0, wait_1.eventually)('Prometheus to scrape the worker', 60_000, async () => {
            const res = await fetch(`${promUrl}/api/v1/query?query=up{job="vault-bootstrap"}`).catch(() => undefined);
            const body = res?.ok
                ? (await res.json())
                : undefined;
            return body?.data.result[0]?.value[1] === '1' ? true : undefined;
        });
    });
    (0, node_test_1.after)(async () => {
        await run.client(['release', '--by', 'e2e-cleanup']).catch(() => undefined);
        await run.client(['schedule', 'delete']);
        if (prometheus)
            await (0, testbed_1.stopProcess)(prometheus);
        await run.cleanup();
        strict_1.default.deepEqual(await run.leftovers(), []);
    });
    (0, node_test_1.it)('the worker serves per-node and per-stack figures after a bootstrap, and the SDK runtime metrics', async () => {
        const report = await verifyJson();
        strict_1.default.equal(report.verdict, 'Healthy');
        const text = await scrape();
        (0, node_fs_1.mkdirSync)((0, node_path_1.join)(testbed_1.REPO, '.cache'), { recursive: true });
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(testbed_1.REPO, '.cache', 'metrics-after-bootstrap.txt'), text);
        const stack = { stack: run.stack };
        for (const node of ['vault-1', 'vault-2', 'vault-3']) {
            strict_1.default.equal(sample(text, 'vault_bootstrap_node_up', { ...stack, node }), 1, `${node} up`);
            strict_1.default.equal(sample(text, 'vault_bootstrap_node_sealed', { ...stack, node }), 0, `${node} unsealed`);
            strict_1.default.equal(sample(text, 'vault_bootstrap_node_voter', { ...stack, node }), 1, `${node} a voter`);
        }
        const leaders = ['vault-1', 'vault-2', 'vault-3'].map((node) => sample(text, 'vault_bootstrap_node_leader', { ...stack, node }));
        strict_1.default.deepEqual(leaders.filter((v) => v === 1), [1], `exactly one leader: ${leaders.join(', ')}`);
        strict_1.default.equal(sample(text, 'vault_bootstrap_raft_failure_tolerance', stack), 1);
        strict_1.default.equal(sample(text, 'vault_bootstrap_health_verdict', { ...stack, verdict: 'Healthy' }), 1);
        strict_1.default.equal(sample(text, 'vault_bootstrap_health_verdict', { ...stack, verdict: 'Failed' }), 0);
        strict_1.default.equal(sample(text, 'vault_bootstrap_hold', stack), 0);
        strict_1.default.equal(sample(text, 'vault_bootstrap_last_health_check_timestamp_seconds', stack), Date.parse(report.checkedAt) / 1000);
        strict_1.default.equal(sample(text, 'vault_bootstrap_certificate_expiry_timestamp_seconds', stack), Date.parse(report.certificate.validTo) / 1000);
        for (const step of steps_1.BOOTSTRAP_STEPS)
            strict_1.default.ok((sample(text, 'vault_bootstrap_step_duration_seconds_count', { step, outcome: 'completed' }) ?? 0) >=
                1, `a duration of ${step}`);
        strict_1.default.match(text, /^temporal_\w+/m, "the Temporal SDK's own runtime metrics are served too");
        console.log(`metrics after bootstrap (${text.split('\n').length} lines, kept in .cache/metrics-after-bootstrap.txt):\n` +
            text
                .split('\n')
                .filter((l) => l.startsWith('vault_bootstrap_') && !l.includes('_bucket{'))
                .join('\n'));
    });
    (0, node_test_1.it)('held: a node sealed by hand stays sealed and reported, its alert fires; release unseals it and the alert clears', async () => {
        const held = await run.client(['hold', '--reason', 'e2e: seal vault-2 by hand', '--by', 'e2e']);
        strict_1.default.equal(held.code, 0, held.out);
        strict_1.default.match(held.out, /Held since \S+ by e2e: e2e: seal vault-2 by hand/);
        const again = await run.client(['hold', '--reason', 'twice']);
        strict_1.default.equal(again.code, 1, again.out);
        strict_1.default.match(again.out, /StackAlreadyHeld: .* is already held \(Held since .*e2e: seal vault-2 by hand\)/);
        // Sealed by hand: the task killed, Swarm starts it again, and it comes back sealed.
        const sealedAt = Date.now();
        await (0, testbed_1.dockerCli)(['kill', await run.slotContainer(2)]);
        await (0, wait_1.eventually)('the watcher to see the start and do nothing', 60_000, async () => {
            const log = await (0, promises_1.readFile)(run.workerLog, 'utf8');
            return log.includes('a Vault task started while the stack is held') ? true : undefined;
        });
        await (0, wait_1.sleep)(10_000); // what healing would have needed (seconds): it must not happen
        const report = await verifyJson();
        // Autopilot calls the cluster unhealthy while a voter is sealed: reported too, acted on by nobody.
        const codes = (r) => r.findings.map((f) => `${f.code} ${f.node ?? ''}`.trim());
        strict_1.default.deepEqual(codes(report).filter((c) => c !== 'AutopilotUnhealthy'), ['SealedWhileHeld vault-2']);
        strict_1.default.deepEqual(report.actions, []);
        strict_1.default.equal(report.hold?.reason, 'e2e: seal vault-2 by hand');
        const text = await scrape();
        strict_1.default.equal(sample(text, 'vault_bootstrap_node_sealed', { stack: run.stack, node: 'vault-2' }), 1);
        strict_1.default.equal(sample(text, 'vault_bootstrap_hold', { stack: run.stack }), 1);
        const status = await run.client(['status']);
        strict_1.default.match(status.out, /Held since .* by e2e: e2e: seal vault-2 by hand/);
        // The rule's minute, then firing.
        const pending = await (0, wait_1.eventually)('VaultNodeSealed pending', 30_000, async () => (await alerts('VaultNodeSealed', 'vault-2')).find((a) => a.state === 'pending'));
        const firing = await (0, wait_1.eventually)('VaultNodeSealed firing', 120_000, async () => (await alerts('VaultNodeSealed', 'vault-2')).find((a) => a.state === 'firing'));
        const firingSeenAt = new Date();
        strict_1.default.equal(firing.activeAt, pending.activeAt, 'the same alert, pending then firing');
        const stillSealed = await verifyJson();
        strict_1.default.ok(codes(stillSealed).includes('SealedWhileHeld vault-2'), 'still sealed a minute later');
        strict_1.default.deepEqual(stillSealed.actions, []);
        const releasedAt = Date.now();
        const released = await run.client(['release', '--by', 'e2e']);
        // Its exit code is the check's verdict: autopilot may still call the cluster unhealthy for a moment
        // after the unseal (AutopilotUnhealthy, Degraded), which is no failure of the release.
        strict_1.default.match(released.out, /^Released \S+ by e2e/);
        strict_1.default.match(released.out, /action {3}unsealed vault-2/);
        strict_1.default.match(released.out, /vault-2 {2}initialized=true sealed=false/);
        const releaseSeconds = seconds(releasedAt);
        const after = await scrape();
        strict_1.default.equal(sample(after, 'vault_bootstrap_node_sealed', { stack: run.stack, node: 'vault-2' }), 0);
        strict_1.default.equal(sample(after, 'vault_bootstrap_hold', { stack: run.stack }), 0);
        strict_1.default.ok((sample(after, 'vault_bootstrap_remediations_total', { stack: run.stack, action: 'unseal' }) ?? 0) >= 1);
        await (0, wait_1.eventually)('VaultNodeSealed to clear', 60_000, async () => (await alerts('VaultNodeSealed', 'vault-2')).length === 0 ? true : undefined);
        const clearedAt = new Date();
        console.log([
            `hold: killed vault-2 at ${new Date(sealedAt).toISOString()}; VaultNodeSealed active (pending) since ${pending.activeAt}`,
            `  firing seen at ${firingSeenAt.toISOString()} (${((firingSeenAt.getTime() - Date.parse(pending.activeAt)) / 1000).toFixed(1)} s after it became active; the rule's for: 1m)`,
            `  release -> client returned with vault-2 unsealed in ${releaseSeconds} s; alert cleared at ${clearedAt.toISOString()}`,
        ].join('\n'));
    });
});
//# sourceMappingURL=14-metrics-hold.test.js.map