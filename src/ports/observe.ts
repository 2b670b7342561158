/**
 * What the activities tell an operator besides their results: the figures of each health check and every
 * automatic action, for Prometheus (`src/metrics/`), and whether an operator holds a stack (`src/holds/`).
 */
import type { HealthReport, NodeHealth, StackHold } from '../shared/health';

/** An automatic action: what health remediation did to a node without being asked. */
export type AutomaticAction = 'unseal' | 'rejoin' | 'sighup' | 'rehome';

/**
 * What a look at a stack's nodes saw, without the rest of a health check: the bootstrap's verify step
 * (`verifyCluster`) gives this. Only the per-node figures come from it.
 */
export interface NodeObservation {
  stack: string;
  /** When the look began (ISO 8601, the worker's clock): figures from a look that began earlier are never shown over it. */
  observedAt: string;
  nodes: Pick<NodeHealth, 'name' | 'reachable' | 'sealed'>[];
  /** The Raft configuration read then; empty when none could be read. */
  servers: HealthReport['raft']['servers'];
}

export interface HealthMetrics {
  /**
   * The figures of a health check just made (per node and per stack): they replace the previous ones, unless
   * those come from a check or a look that began later (`checkedAt`): two checks at once, the later one wins.
   */
  recordHealth(report: HealthReport): void;
  /** The per-node figures of a look at the nodes (`NodeObservation`), under the same rule. */
  recordNodes(observation: NodeObservation): void;
  /** One automatic action taken on a node of `stack`. */
  countAction(stack: string, action: AutomaticAction): void;
}

/** Metrics that go nowhere: the unit tests' and a worker with `VAULT_BOOTSTRAP_METRICS_ADDRESS` empty. */
export const NO_METRICS: HealthMetrics = {
  recordHealth: () => undefined,
  recordNodes: () => undefined,
  countAction: () => undefined,
};

/** Where an operator's hold on a stack is kept (`vault-bootstrap hold`); see docs/operator-view.md. */
export interface StackHolds {
  /** The hold on `stack`, or undefined when it is not held. */
  current(stack: string): Promise<StackHold | undefined>;
}
