/**
 * Named fault points for the crash tests. Inert unless the worker is started with
 * `VAULT_BOOTSTRAP_FAILPOINTS=name[=action],...`; in production the list is empty and `hit` is a Set lookup.
 *
 * Actions: `crash` (default) sends SIGKILL to the worker's own process, the way a power cut or OOM kill
 * would end it; `error` throws a retryable error.
 */
export type FailpointAction = 'crash' | 'error';

export class FailpointSpecError extends Error {
  constructor(spec: string) {
    super(`VAULT_BOOTSTRAP_FAILPOINTS: expected name[=crash|error], got ${JSON.stringify(spec)}`);
    this.name = 'FailpointSpecError';
  }
}

export class Failpoints {
  private readonly enabled = new Map<string, FailpointAction>();

  constructor(specs: string[]) {
    for (const spec of specs) {
      const [name, action = 'crash'] = spec.split('=');
      if (!name || (action !== 'crash' && action !== 'error')) {
        throw new FailpointSpecError(spec);
      }
      this.enabled.set(name, action);
    }
  }

  /** Runs the action of `name` when enabled; otherwise does nothing. */
  hit(name: string): void {
    const action = this.enabled.get(name);
    if (action === undefined) return;
    if (action === 'error') throw new Error(`failpoint ${name} injected an error`);
    process.stderr.write(`failpoint ${name}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
