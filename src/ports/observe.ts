/**
 * What the activities tell an operator besides their results: the figures of each health check and every
 * automatic action, for Prometheus (`src/metrics/`), and whether an operator holds a stack (`src/holds/`).
 */
import type { HealthReport, StackHold } from '../shared/health';

/** An automatic action: what health remediation did to a node without being asked. */
export type AutomaticAction = 'unseal' | 'rejoin' | 'sighup' | 'rehome';

export interface HealthMetrics {
  /** The figures of a health check just made (per node and per stack): they replace the previous ones. */
  recordHealth(report: HealthReport): void;
  /** One automatic action taken on a node of `stack`. */
  countAction(stack: string, action: AutomaticAction): void;
}

/** Metrics that go nowhere: the unit tests' and a worker with `VAULT_BOOTSTRAP_METRICS_ADDRESS` empty. */
export const NO_METRICS: HealthMetrics = {
  recordHealth: () => undefined,
  countAction: () => undefined,
};

/** Where an operator's hold on a stack is kept (`vault-bootstrap hold`); see docs/operator-view.md. */
export interface StackHolds {
  /** The hold on `stack`, or undefined when it is not held. */
  current(stack: string): Promise<StackHold | undefined>;
}
