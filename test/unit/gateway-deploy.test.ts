/**
 * `DockerGateway.deployStack` with a stand-in docker CLI (a script that records what it was given): the
 * override document handed over as a private temporary file that is gone afterwards; on the test bed
 * (`stackDirRoot`) the per-slot folders made and exported as `TESTBED_STACK_DIR`, and removed by
 * `removeStackFolders`; in production neither.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DockerGateway } from '../../src/docker/gateway';
import { testDir } from '../support/tmp';

/** A docker CLI that writes its argv, `TESTBED_STACK_DIR` and each `-c` file's mode and text to `out`. */
function standInCli(dir: string, exitCode = 0): { cli: string; out: string } {
  const out = join(dir, 'cli-out.txt');
  const cli = join(dir, 'docker');
  writeFileSync(
    cli,
    [
      '#!/bin/sh',
      `out=${JSON.stringify(out)}`,
      'echo "argv: $*" > "$out"',
      'echo "TESTBED_STACK_DIR=${TESTBED_STACK_DIR:-unset}" >> "$out"',
      'prev=',
      'for a in "$@"; do',
      '  if [ "$prev" = "-c" ]; then echo "file $a mode $(stat -c %a "$a")" >> "$out"; cat "$a" >> "$out"; fi',
      '  prev="$a"',
      'done',
      `exit ${exitCode}`,
      '',
    ].join('\n'),
  );
  chmodSync(cli, 0o755);
  return { cli, out };
}

describe('DockerGateway.deployStack', () => {
  it('production: the files as given, no folders, no TESTBED_STACK_DIR', async () => {
    const dir = testDir('vbt-gw-deploy-');
    const { cli, out } = standInCli(dir);
    await new DockerGateway('/run/none.sock', cli).deployStack('s1', ['/x/a.yml'], { A: '1' });
    const text = readFileSync(out, 'utf8');
    assert.match(
      text,
      /^argv: --host unix:\/\/\/run\/none\.sock stack deploy --resolve-image never -c \/x\/a\.yml s1$/m,
    );
    assert.match(text, /^TESTBED_STACK_DIR=unset$/m);
    await new DockerGateway('/run/none.sock', cli).removeStackFolders('s1'); // nothing to do, no error
  });

  it('an override: laid over the files last as a 0600 temporary file, removed once the CLI is done', async () => {
    const dir = testDir('vbt-gw-deploy-');
    const { cli, out } = standInCli(dir);
    const override = 'services:\n  vault:\n    deploy:\n      replicas: 1\n';
    await new DockerGateway('/run/none.sock', cli).deployStack('s1-drill', ['/x/a.yml'], {}, override);
    const text = readFileSync(out, 'utf8');
    const m = /-c \/x\/a\.yml -c (\S+vault-bootstrap-s1-drill-[0-9a-f-]{36}\.yml) s1-drill$/m.exec(text);
    assert.ok(m, text);
    assert.ok(text.includes(`file ${m[1]} mode 600\n${override}`), text);
    assert.equal(existsSync(m[1]!), false, 'the temporary file is removed');
  });

  it('a failed deploy removes the override file too, and says why it failed', async () => {
    const dir = testDir('vbt-gw-deploy-');
    const { cli, out } = standInCli(dir, 1);
    await assert.rejects(
      new DockerGateway('/run/none.sock', cli).deployStack('s1', [], {}, 'services: {}\n'),
      /docker stack deploy s1 failed/,
    );
    const file = /file (\S+) mode/.exec(readFileSync(out, 'utf8'))?.[1];
    assert.ok(file);
    assert.equal(existsSync(file), false);
  });

  it('the test bed (stackDirRoot): makes the per-slot folders, exports them; removeStackFolders removes them', async () => {
    const dir = testDir('vbt-gw-deploy-');
    const root = testDir('vbt-stacks-');
    const { cli, out } = standInCli(dir);
    const gateway = new DockerGateway('/run/none.sock', cli).withStackDirRoot(root);
    await gateway.deployStack('s1', ['/x/a.yml'], {});
    assert.match(readFileSync(out, 'utf8'), new RegExp(`^TESTBED_STACK_DIR=${join(root, 's1')}$`, 'm'));
    for (const slot of [1, 2, 3])
      for (const sub of ['data', 'logs']) assert.ok(existsSync(join(root, 's1', `vault-${slot}`, sub)));
    await gateway.removeStackFolders('s1');
    assert.equal(existsSync(join(root, 's1')), false);
    assert.ok(existsSync(root), 'only the stack’s own folder goes');
  });
});
