#!/usr/bin/env node
/**
 * The worker image's HEALTHCHECK command (`node dist/src/liveness-check.js` in the Dockerfile): exit 0 while
 * the worker's liveness file (`VAULT_BOOTSTRAP_HEALTH_FILE`) is fresh, 1 otherwise (Docker reads only 0 and
 * 1), with one line saying what it found. See `src/liveness-file.ts` for what a fresh file proves.
 */
import { loadLivenessFile } from './config/process';
import { checkLivenessFile } from './liveness-file';

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
  const state = checkLivenessFile(file, Date.now());
  (state.alive ? console.log : console.error)(`vault-bootstrap healthcheck: ${state.detail}`);
  return state.alive ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
