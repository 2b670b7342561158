/**
 * PLACEHOLDER on branch i28-cli: the lead's `doctor` replaces this file at merge. It is called before any
 * configuration is validated or any connection made, with the environment after the global flags
 * (`withGlobalFlags`); the command itself is not built here.
 */
import type { Env } from '../../config/env';
import type { OutputFormat } from '../grammar';

/** Runs `doctor`: placeholder, says so and fails. */
export function doctor(env: Env, options: { stack?: string; output: OutputFormat }): Promise<number> {
  void env;
  void options;
  console.error('vault-bootstrap: doctor is not built on this branch (placeholder)');
  return Promise.resolve(1);
}
