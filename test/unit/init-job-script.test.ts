/**
 * The init job's and the answer job's shell scripts, run for real by `sh` with a stand-in `vault` CLI on the
 * PATH (a script that records each call and answers as told): the answer is kept before it is printed, a run
 * Swarm starts again prints a kept answer without sending `sys/init`, and a run after a start that left no
 * answer sends nothing and keeps the earlier run's files. The real CLI and Vault are in test/faults.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  INIT_NOT_AGAIN,
  answerJobSpec,
  initJobSpec,
  parseKeptInit,
} from '../../src/activities/cluster/init-job';

const dir = mkdtempSync(join(tmpdir(), 'vbt-init-script-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ANSWER = JSON.stringify({ unseal_keys_b64: ['wcBMA-key'], root_token: 'wcBMA-root' });

/** A stand-in `vault`: appends its arguments to `calls`, then answers as `mode` says. */
function fakeCli(mode: 'answer' | 'refuse'): string {
  const bin = join(dir, `bin-${mode}`);
  spawnSync('mkdir', ['-p', bin]);
  const script =
    mode === 'answer'
      ? `#!/bin/sh\necho "$@" >> ${dir}/calls\necho '${ANSWER}'\n`
      : `#!/bin/sh\necho "$@" >> ${dir}/calls\necho 'Error initializing: Code: 400. Errors:' >&2\necho '* Vault is already initialized' >&2\nexit 2\n`;
  writeFileSync(join(bin, 'vault'), script);
  chmodSync(join(bin, 'vault'), 0o755);
  return bin;
}

const target = { stack: 'st', slot: 1, taskId: 't', nodeId: 'n', address: '10.0.0.5', serverName: 'vault-1' };

/** Runs a job spec's command with its environment, `P` pointing into the test folder. */
function run(spec: { command: string[]; env: Record<string, string> }, bin: string, prefix: string) {
  const r = spawnSync(spec.command[0]!, spec.command.slice(1), {
    env: { ...spec.env, P: prefix, PATH: `${bin}:/usr/bin:/bin` },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const calls = () =>
  existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];

describe('the init job script', () => {
  it('keeps the answer, then prints it; a run Swarm starts again prints it without sending sys/init', () => {
    const p = join(dir, 'job-a');
    const first = run(initJobSpec(target, 'PUBLIC KEY'), fakeCli('answer'), p);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), ANSWER);
    assert.equal(readFileSync(`${p}.answer`, 'utf8').trim(), ANSWER, 'kept before it was printed');
    assert.ok(existsSync(`${p}.started`));
    assert.equal(calls().length, 1);
    const again = run(initJobSpec(target, 'PUBLIC KEY'), fakeCli('answer'), p);
    assert.equal(again.code, 0);
    assert.equal(again.stdout.trim(), ANSWER);
    assert.equal(calls().length, 1, 'sys/init was not sent again');
  });

  it('a run after a start that left no answer sends nothing and keeps what the earlier run left', () => {
    rmSync(join(dir, 'calls'), { force: true });
    const p = join(dir, 'job-b');
    writeFileSync(`${p}.started`, ''); // an earlier run, killed after its start
    writeFileSync(`${p}.err`, '');
    const again = run(initJobSpec(target, 'PUBLIC KEY'), fakeCli('answer'), p);
    assert.equal(again.code, 3);
    assert.match(again.stderr, new RegExp(INIT_NOT_AGAIN));
    assert.deepEqual(calls(), [], 'sys/init was not sent');
    assert.equal(readFileSync(`${p}.err`, 'utf8'), '', "the earlier run's CLI errors stay as they were");
  });

  it("a refused init: the CLI's words in the job's error output and kept beside the answer; the answer job reads them", () => {
    const p = join(dir, 'job-c');
    const first = run(initJobSpec(target, 'PUBLIC KEY'), fakeCli('refuse'), p);
    assert.equal(first.code, 2);
    assert.match(first.stderr, /already initialized/);
    const read = run(answerJobSpec(target, 'unused'), fakeCli('answer'), p);
    assert.equal(read.code, 0);
    assert.deepEqual(parseKeptInit(read.stdout), {
      cliErrors: 'Error initializing: Code: 400. Errors:\n* Vault is already initialized',
    });
  });

  it('the answer job reads a kept answer, or the temporary one of a run killed before its rename', () => {
    const kept = run(answerJobSpec(target, 'unused'), fakeCli('answer'), join(dir, 'job-a'));
    assert.equal(parseKeptInit(kept.stdout)?.answer?.rootToken, 'wcBMA-root');
    const p = join(dir, 'job-d');
    writeFileSync(`${p}.tmp`, ANSWER);
    const tmp = run(answerJobSpec(target, 'unused'), fakeCli('answer'), p);
    assert.equal(parseKeptInit(tmp.stdout)?.answer?.unsealKey, 'wcBMA-key');
    const none = run(answerJobSpec(target, 'unused'), fakeCli('answer'), join(dir, 'job-none'));
    assert.deepEqual(parseKeptInit(none.stdout), { cliErrors: '' }, 'whole output, no answer: none kept');
  });
});
