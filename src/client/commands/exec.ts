/**
 * PLACEHOLDER on branch i28-cli: the lead's `exec` replaces this file at merge. The grammar and the dispatch
 * (`vault-bootstrap exec [--stack S] [-o json] -- CMD ARGS...`) are wired; the command itself is not built here.
 */
import type { CommandContext } from '../context';

/** Runs `exec`: placeholder, says so and fails. */
export function exec(ctx: CommandContext, options: { command: readonly string[] }): Promise<number> {
  void ctx;
  void options;
  console.error('vault-bootstrap: exec is not built on this branch (placeholder)');
  return Promise.resolve(1);
}
