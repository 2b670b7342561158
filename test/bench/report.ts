/**
 * What both benches share: a sample (metric → seconds, or MB), medians, how a value prints, the bare script's
 * run, and the report's
 * place in docs/performance.md (between `<!-- MARKER -->` and `<!-- /MARKER -->`; BENCH_OUT for another file).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../support/testbed';

export type Sample = Map<string, number>;

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmt(v: number | undefined, unit = 's'): string {
  if (v === undefined) return '—';
  return unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(v < 10 ? 2 : 1)} s`;
}

/** Writes `body` between the MARKER comments of the report (appended when they are not there); returns the file. */
export function writeReport(marker: string, body: string): string {
  const out = process.env.BENCH_OUT ?? join(REPO, 'docs', 'performance.md');
  const begin = `<!-- ${marker} -->`;
  const end = `<!-- /${marker} -->`;
  const block = `${begin}\n${body}\n${end}`;
  const old = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const at = old.indexOf(begin);
  const stop = old.indexOf(end);
  const next =
    at >= 0 && stop > at
      ? `${old.slice(0, at)}${block}${old.slice(stop + end.length)}`
      : `${old}${old ? '\n\n' : ''}${block}\n`;
  writeFileSync(out, next);
  return out;
}

/**
 * Runs test/bench/bare-bootstrap.sh with `env` (its STACK, images, bed; REPO is added) and puts its total and
 * each `step <name> <ms>` line it printed into `sample`; rejects with its output when it fails.
 */
export async function runBareScript(sample: Sample, env: Record<string, string>): Promise<void> {
  const t0 = Date.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [join(REPO, 'test', 'bench', 'bare-bootstrap.sh')], {
      env: { ...process.env, REPO, ...env },
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`bench: the bare script failed (${code}):\n${text}`)),
    );
  });
  sample.set('total', (Date.now() - t0) / 1000);
  for (const m of out.matchAll(/^step (\w+) (\d+)$/gm)) sample.set(m[1]!, Number(m[2]) / 1000);
}

/**
 * `rounds` rounds, each a workflow round and then a bare-script round (so both see the same machine state),
 * each sample printed as it is taken.
 */
export async function alternateRounds(
  rounds: number,
  workflowRound: (sample: Sample) => Promise<void>,
  bareRound: (sample: Sample) => Promise<void>,
): Promise<{ wf: Sample[]; bare: Sample[] }> {
  const wf: Sample[] = [];
  const bare: Sample[] = [];
  for (let i = 1; i <= rounds; i++) {
    for (const [what, round, into] of [
      ['workflow', workflowRound, wf],
      ['bare script', bareRound, bare],
    ] as const) {
      const sample: Sample = new Map();
      await round(sample);
      into.push(sample);
      console.log(`round ${i}/${rounds} ${what}: ${JSON.stringify(Object.fromEntries(sample))}`);
    }
  }
  return { wf, bare };
}
