/**
 * The Temporal cluster's authorizer and claim mapper (`temporal-cluster/server/authz.go`, issue 26) run their
 * own Go tests with the unit tests: every role's API list, BreakGlassRootToken by every start path, node
 * queues, and that each listed API is a real method of the services (a typo cannot deny silently). Go's
 * module and build caches are its defaults, outside the repo, as for the cluster's build (testbed/
 * temporal-cluster.sh); `-mod=readonly` fails a go.sum that does not cover the build.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findGo, REPO } from '../support/testbed';

const SERVER_DIR = join(REPO, 'temporal-cluster', 'server');

describe('the Temporal cluster authorizer (Go)', () => {
  it('passes go test ./...', { timeout: 15 * 60_000 }, async () => {
    const go = findGo();
    assert.ok(go, 'go is not on PATH nor in /usr/local/go/bin: install Go to test (and build) the cluster');
    const { code, output } = await new Promise<{ code: number | string | null; output: string }>(
      (resolve) => {
        execFile(
          go,
          ['test', '-count=1', './...'],
          {
            cwd: SERVER_DIR,
            env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', GOWORK: 'off' },
            timeout: 14 * 60_000,
            maxBuffer: 16 << 20,
          },
          (err, stdout, stderr) =>
            resolve({ code: err ? (err.code ?? err.signal ?? null) : 0, output: `${stdout}${stderr}` }),
        );
      },
    );
    assert.equal(code, 0, `go test ./... in ${SERVER_DIR} failed (exit ${String(code)}):\n${output}`);
  });
});
