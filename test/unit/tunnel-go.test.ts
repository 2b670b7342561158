/**
 * The tunnel's own Go tests (`testbed/images/tunnel/main_test.go`, issue 10, item 4) run with the unit tests:
 * which targets it serves and refuses, the bind rule and the idle timeout. Go is required: without it the
 * tunnel image cannot be built either, so a missing toolchain fails here instead of skipping.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findGo, REPO } from '../support/testbed';

const TUNNEL_DIR = join(REPO, 'testbed', 'images', 'tunnel');
/** Where the test bed's `prepare_tunnel_context` keeps Go's caches too. */
const CACHE = process.env.VAULT_BOOTSTRAP_CACHE ?? join(REPO, '.cache');

function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ code: number | string | null; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (err.code ?? err.signal ?? null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('the tunnel (Go)', () => {
  it('passes go test ./...', { timeout: 5 * 60_000 }, async () => {
    const go = findGo();
    assert.ok(go, 'go is not on PATH nor in /usr/local/go/bin: install Go to test (and build) the tunnel');
    const { code, output } = await run(go, ['test', '-count=1', './...'], {
      cwd: TUNNEL_DIR,
      // Offline and reproducible, as the image build: this toolchain, no module download, no workspace.
      env: {
        ...process.env,
        GOTOOLCHAIN: 'local',
        GOPROXY: 'off',
        GOFLAGS: '',
        GO111MODULE: 'on',
        GOWORK: 'off',
        CGO_ENABLED: '0',
        GOPATH: join(CACHE, 'go', 'path'),
        GOCACHE: join(CACHE, 'go', 'build'),
      },
      timeout: 4 * 60_000,
    });
    assert.equal(code, 0, `go test ./... in ${TUNNEL_DIR} failed (exit ${String(code)}):\n${output}`);
  });
});
