/**
 * Bad input gets a clear, named error and loses nothing: the worker and the client refuse to start on
 * bad configuration, and a bootstrap with a bad stack file fails by name before anything is deployed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
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

  it('the client refuses bad configuration and usage with exit code 2', async () => {
    const unreachable = await runNode('client.js', ['status'], run.env({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
    assert.equal(unreachable.code, 2, unreachable.out);
    assert.match(unreachable.out, /TEMPORAL_ADDRESS: cannot reach/);
    const badStack = await runNode('client.js', ['bootstrap', '--stack', 'no spaces'], run.env());
    assert.equal(badStack.code, 2, badStack.out);
    assert.match(badStack.out, /--stack: expected a name/);
    const unknown = await runNode('client.js', ['launch'], run.env());
    assert.equal(unknown.code, 2, unknown.out);
    assert.match(unknown.out, /unknown command "launch"/);
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
