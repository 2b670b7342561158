/** Holds and metrics in memory: the hold an operator put on, and what the activities reported and counted. */
import type { AutomaticAction, HealthMetrics, NodeObservation, StackHolds } from '../../../src/ports';
import type { HealthReport, StackHold } from '../../../src/shared/health';

export class FakeHolds implements StackHolds {
  readonly held = new Map<string, StackHold>();

  current(stack: string): Promise<StackHold | undefined> {
    return Promise.resolve(this.held.get(stack));
  }
}

export class RecordingMetrics implements HealthMetrics {
  readonly reports: HealthReport[] = [];
  readonly observations: NodeObservation[] = [];
  readonly actions: { stack: string; action: AutomaticAction }[] = [];

  recordHealth(report: HealthReport): void {
    this.reports.push(report);
  }

  recordNodes(observation: NodeObservation): void {
    this.observations.push(observation);
  }

  countAction(stack: string, action: AutomaticAction): void {
    this.actions.push({ stack, action });
  }
}
