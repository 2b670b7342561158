#!/usr/bin/env node
/**
 * The worker image's HEALTHCHECK: exit 0 while the worker's health file (`VAULT_BOOTSTRAP_HEALTH_FILE`)
 * is fresh, 1 otherwise (Docker reads only 0 and 1), with one line saying what it found. See
 * `src/health-file.ts` for what a fresh file proves.
 */
import { loadLivenessFile } from './config/process';
import { checkHealthFile } from './health-file';

function main(): number {
  let file: string | undefined;
  try {
    file = loadLivenessFile(process.env);
  } catch (err) {
    console.error(`vault-bootstrap healthcheck: ${(err as Error).message}`);
    return 1;
  }
  if (file === undefined) {
    console.error(
      'vault-bootstrap healthcheck: VAULT_BOOTSTRAP_HEALTH_FILE is not set, so the worker writes no health file',
    );
    return 1;
  }
  const state = checkHealthFile(file, Date.now());
  (state.healthy ? console.log : console.error)(`vault-bootstrap healthcheck: ${state.detail}`);
  return state.healthy ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
