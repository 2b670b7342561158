/**
 * Bad input gets a clear, named error and loses nothing: the worker and the client refuse to start on
 * bad configuration, and a bootstrap with a bad stack file fails by name before anything is deployed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { temporalClient } from '../support/history';
import { REPO, TestRun } from '../support/testbed';

function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(REPO, 'dist', 'src', script), ...args], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => res({ code: code ?? -1, out }));
  });
}

describe('bad input', () => {
  const run = new TestRun();
  after(() => run.cleanup());

  const cases: { name: string; env: Record<string, string>; expect: RegExp }[] = [
    {
      name: 'missing cert folder',
      env: { VAULT_CERT_DIR: '/nonexistent/ssl' },
      expect: /VAULT_CERT_DIR: expected an existing folder .*"\/nonexistent\/ssl"/,
    },
    {
      name: 'Docker not reachable',
      env: { DOCKER_SOCKET: '/nonexistent/docker.sock' },
      expect: /DOCKER_SOCKET: expected a reachable Docker Engine socket .*ENOENT/,
    },
    {
      name: 'Temporal unreachable',
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
      expect: /TEMPORAL_ADDRESS: cannot reach the Temporal frontend at 127\.0\.0\.1:1/,
    },
    {
      name: 'malformed Temporal address',
      env: { TEMPORAL_ADDRESS: 'nowhere' },
      expect: /TEMPORAL_ADDRESS: expected host:port, got "nowhere"/,
    },
    {
      name: 'malformed addressing mode',
      env: { VAULT_ADDRESSING: 'carrier-pigeon' },
      expect: /VAULT_ADDRESSING: expected "tunnel" or "direct"/,
    },
    {
      name: 'malformed fault point',
      env: { VAULT_BOOTSTRAP_FAILPOINTS: 'x=explode' },
      expect: /VAULT_BOOTSTRAP_FAILPOINTS: expected name\[=crash\|error\]/,
    },
  ];
  for (const c of cases) {
    it(`the worker refuses to start: ${c.name}`, async () => {
      const res = await runNode('worker.js', [], run.env(c.env));
      assert.equal(res.code, 2, res.out);
      assert.match(res.out, c.expect);
    });
  }

  it('the client refuses bad configuration and usage with exit code 2, an unreachable Temporal with 5', async () => {
    const unreachable = await runNode('client.js', ['status'], run.env({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
    assert.equal(unreachable.code, 5, unreachable.out);
    assert.match(unreachable.out, /TEMPORAL_ADDRESS: cannot reach/);
    assert.doesNotMatch(unreachable.out, /testbed -- up/, 'no test-bed command for a production operator');
    const flag = await runNode('client.js', ['status', '--address', '127.0.0.1:1'], run.env());
    assert.equal(flag.code, 5, flag.out);
    assert.match(flag.out, /at 127\.0\.0\.1:1 /, '--address over TEMPORAL_ADDRESS');
    const empty = await runNode('client.js', ['status'], run.env({ TEMPORAL_ADDRESS: '' }));
    assert.equal(empty.code, 2, empty.out);
    assert.match(
      empty.out,
      /^vault-bootstrap: TEMPORAL_ADDRESS: expected a value \(unset it for the default\), got ""$/m,
    );
    const badStack = await runNode('client.js', ['bootstrap', '--stack', 'no spaces'], run.env());
    assert.equal(badStack.code, 2, badStack.out);
    assert.match(badStack.out, /--stack: expected a name/);
    const unknown = await runNode('client.js', ['launch'], run.env());
    assert.equal(unknown.code, 2, unknown.out);
    assert.equal(unknown.out, `vault-bootstrap: unknown command "launch"\nsee 'vault-bootstrap --help'\n`);
    const extra = await runNode('client.js', ['bootstrap', 'status'], run.env());
    assert.equal(extra.code, 2, extra.out);
    assert.equal(
      extra.out,
      `vault-bootstrap: bootstrap takes no word "status"\nsee 'vault-bootstrap bootstrap --help'\n`,
    );
  });

  // Issue 28: the conventions that need a server, on the bed's dev server with this run's own stack and task queue.
  it('against Temporal: status without a run exits 3; --wait without a worker says so and --timeout ends it with 4; restore takes no path', async () => {
    const none = await run.client(['status']);
    assert.equal(none.code, 3, none.out);
    assert.match(
      none.out,
      new RegExp(`stack ${run.stack} has no bootstrap run .*vault-bootstrap bootstrap --stack ${run.stack}`),
    );

    // No worker polls this run's task queue: the wait says so, names the queue, and the timeout ends it.
    const started = Date.now();
    const waited = await run.client(['bootstrap', '--wait', '--timeout', '6s']);
    const seconds = (Date.now() - started) / 1000;
    const { client, connection } = await temporalClient(run.bed.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
    try {
      await client.workflow
        .getHandle(bootstrapWorkflowId(run.stack))
        .terminate('e2e 04: no worker on purpose');
    } finally {
      await connection.close();
    }
    assert.equal(waited.code, 4, waited.out);
    assert.match(
      waited.out,
      new RegExp(
        `no worker polls task queue ${run.taskQueue}: .*VAULT_BOOTSTRAP_TASK_QUEUE=${run.taskQueue}`,
      ),
    );
    assert.match(waited.out, /timed out after 6s waiting for vault-bootstrap-vbt\S+; it goes on/);
    console.log(
      `bootstrap --wait --timeout 6s with no worker: exit ${waited.code} after ${seconds.toFixed(1)} s`,
    );

    // A path is refused in the client, before anything is asked or started.
    const path = await run.client([
      'restore',
      '--snapshot',
      `/tmp/${run.stack}-20261130T120000Z.snap`,
      '--yes',
    ]);
    assert.equal(path.code, 2, path.out);
    assert.match(path.out, /--snapshot ".*": expected a snapshot's file name .* no path/);
    const unconfirmed = await run.client(['restore', '--snapshot', `${run.stack}-20261130T120000Z.snap`]);
    assert.equal(unconfirmed.code, 2, unconfirmed.out);
    assert.match(unconfirmed.out, /stdin is not a terminal: pass --yes/);
  });

  for (const [name, content, expect] of [
    ['missing', undefined, /StackFileInvalid: stack file .*missing\.yml cannot be read \(ENOENT\)/],
    [
      'invalid',
      'services:\n  vault:\n    deploy: { replicas: 2 }\n',
      /StackFileInvalid: service "vault" must have deploy.replicas: 3 \(found 2\)/,
    ],
  ] as const) {
    it(`a ${name} stack file fails the bootstrap by name before anything is deployed`, async () => {
      const file = join(run.dir, `${name}.yml`);
      if (content !== undefined) writeFileSync(file, content);
      const files = content === undefined ? file : `${join(REPO, 'docker-stack-vault.yml')},${file}`;
      run.startWorker({ VAULT_STACK_FILES: files });
      const res = await run.client(['bootstrap', '--wait']);
      await run.stopWorkers();
      assert.equal(res.code, 1, res.out);
      assert.match(res.out, expect);
      assert.match(res.out, /preflight\s+failed/);
      assert.deepEqual(await run.leftovers(), [], 'no secret, service or container was created');
    });
  }
});
