/**
 * The README's two configuration tables against what the code reads (issue 28): a variable read but not in a
 * table, or in a table but read by nothing, fails here. The first table is the processes' (src/config/, the only
 * reader of `process.env`, and `@temporalio/envconfig`, which reads the Temporal connection's); the second is
 * what the deploy scripts and stack files read besides.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/testbed';

const NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+_?$/;

/** Source text without comments: `/* … *\/` blocks and `//` to the end of a line (not inside `://`). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** The variable names (or prefixes, ending in `_`) a TypeScript or JavaScript text reads: quoted, or `env.NAME`. */
function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of code(text).matchAll(/['"`]([A-Z][A-Z0-9_]*)['"`]|\benv\.([A-Z][A-Z0-9_]*)/g)) {
    const name = m[1] ?? m[2] ?? '';
    if (NAME.test(name) || name === 'PATH' || name === 'HOME') names.add(name);
  }
  return names;
}

function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
}

/** What the processes read: src/config/ and the envconfig package. */
function processReads(): Set<string> {
  const reads = new Set<string>();
  for (const file of filesIn(join(REPO, 'src', 'config'), '.ts'))
    for (const n of namesIn(readFileSync(file, 'utf8'))) reads.add(n);
  const envconfig = join(REPO, 'node_modules', '@temporalio', 'envconfig', 'lib');
  for (const file of filesIn(envconfig, '.js'))
    for (const n of namesIn(readFileSync(file, 'utf8'))) if (n.startsWith('TEMPORAL_')) reads.add(n);
  // Prefixes a reader filters the environment with, not variables it reads.
  for (const filter of ['TEMPORAL_', 'DOCKER_']) reads.delete(filter);
  return reads;
}

/** Made by init-infra-prod.sh for the stack file, never set by an operator. */
const DEPLOY_INTERNAL = new Set(['VAULT_BOOTSTRAP_BREAK_GLASS_CONFIG']);

const DEPLOY_FILES = [
  'init-infra-prod.sh',
  'init/vault/vault-bootstrap.sh',
  'init/vault/vault-bootstrap-client.sh',
  'docker-stack-vault.yml',
  'docker-stack-vault-bootstrap.yml',
  'docker-stack-vault-bootstrap.tls.yml',
];

/** What the deploy scripts and stack files read: `$NAME`, `${NAME…}`, `${!NAME}` outside comments. */
function deployReads(): Set<string> {
  const reads = new Set<string>();
  for (const file of DEPLOY_FILES) {
    const text = readFileSync(join(REPO, file), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
    for (const m of text.matchAll(/\$\{?!?((?:VAULT|TEMPORAL|DOCKER)_[A-Z0-9_]+)/g))
      if (!DEPLOY_INTERNAL.has(m[1] ?? '')) reads.add(m[1] ?? '');
  }
  return reads;
}

/**
 * The names in the first column of the README table after `heading` (a line starting with it). `A\|B` lists
 * names that share A's prefix up to its last `_`; `_KEY` after `X_CERT` is `X_KEY`; `X*` is every name starting
 * with X (kept as `X*`).
 */
function tableNames(readme: string, heading: string): Set<string> {
  const lines = readme.split('\n');
  let i = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(i >= 0, `README has ${heading}`);
  while (!lines[i]?.startsWith('|')) i++;
  const names = new Set<string>();
  for (i += 2; lines[i]?.startsWith('|'); i++) {
    const first = lines[i]!.split(/(?<!\\)\|/)[1] ?? '';
    let previous = '';
    for (const [, cell] of first.matchAll(/`([^`]+)`/g)) {
      const [head, ...alternatives] = (cell ?? '').split('\\|');
      const full = head!.startsWith('_') ? previous.replace(/_[A-Z0-9]+$/, '') + head! : head!;
      names.add(full);
      for (const alt of alternatives) names.add(full.replace(/[A-Z0-9]+$/, '') + alt);
      previous = full;
    }
  }
  return names;
}

/** What of `reads` no name of `table` covers, and what of `table` no read covers. */
function compare(reads: Set<string>, table: Set<string>): { unlisted: string[]; unread: string[] } {
  const wildcards = [...table].filter((t) => t.endsWith('*')).map((t) => t.slice(0, -1));
  const covers = (read: string) =>
    table.has(read) ||
    wildcards.some((w) => read.startsWith(w) || (read.endsWith('_') && w.startsWith(read)));
  const isRead = (name: string) =>
    name.endsWith('*')
      ? [...reads].some((r) => r.startsWith(name.slice(0, -1)))
      : reads.has(name) || [...reads].some((r) => r.endsWith('_') && name.startsWith(r));
  return {
    unlisted: [...reads].filter((r) => !covers(r)).sort(),
    unread: [...table].filter((t) => !isRead(t)).sort(),
  };
}

describe("the README's configuration tables", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const processTable = tableNames(readme, '### Configuration (environment');
  const deployTable = tableNames(readme, '**Deploying**');

  it('only src/config/ reads process.env; elsewhere it is only handed to a reader', () => {
    const readers = filesIn(join(REPO, 'src'), '.ts')
      .filter((f) => !f.startsWith(join(REPO, 'src', 'config')))
      .flatMap((f) =>
        [...code(readFileSync(f, 'utf8')).matchAll(/process\.env(?!\))/g)].map(() => relative(REPO, f)),
      );
    assert.deepEqual(readers, []);
  });

  it('lists every variable the worker, agent, proxy and client read, and nothing they do not', () => {
    const reads = processReads();
    assert.ok(reads.has('VAULT_CERT_DIR') && reads.has('TEMPORAL_API_KEY'), 'the readers were found');
    assert.deepEqual(compare(reads, processTable), { unlisted: [], unread: [] });
  });

  it('lists every variable the deploy scripts and stack files read, and nothing they do not', () => {
    const reads = deployReads();
    assert.ok(reads.has('VAULT_BOOTSTRAP_WORKER_START_TIMEOUT') && reads.has('VAULT_BOOTSTRAP_SUFFIX'));
    const { unlisted } = compare(reads, new Set([...processTable, ...deployTable]));
    assert.deepEqual({ unlisted, unread: compare(reads, deployTable).unread }, { unlisted: [], unread: [] });
  });

  it('catches both kinds of drift', () => {
    const reads = new Set(['A_ONE', 'A_TWO', 'B_PREFIX_']);
    assert.deepEqual(compare(reads, new Set(['A_ONE', 'B_*', 'C_GONE'])), {
      unlisted: ['A_TWO'],
      unread: ['C_GONE'],
    });
  });
});
