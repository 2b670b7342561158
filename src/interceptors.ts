/**
 * The worker's activity interceptors, around every activity attempt on both task queues: one log line per
 * completed attempt, and, when metrics are served, each attempt's duration and outcome.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { PrometheusMetrics } from './metrics/prometheus';

/**
 * One INFO line per activity attempt that completes, with its duration: the SDK logs completions at DEBUG and
 * failures at WARN, so without it `docker service logs` would not show a step succeeding. The line carries the
 * SDK's activity meta (workflow and activity ids, attempt); never the activity's input or result.
 */
export const logActivityCompletion: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const started = Date.now();
      const result: unknown = await next(input);
      ctx.log.info('activity completed', { durationMs: Date.now() - started });
      return result;
    },
  },
});

/**
 * The duration and outcome of every activity attempt, by activity type, into the metrics. `cancelled` when
 * Temporal cancelled the attempt (the watcher's waits, a timeout seen by the server, the worker's shutdown),
 * so that those do not count as failures.
 */
export function observeActivityDurations(
  metrics: Pick<PrometheusMetrics, 'observeActivity'>,
): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = performance.now();
        const seconds = (): number => (performance.now() - started) / 1000;
        try {
          const result: unknown = await next(input);
          metrics.observeActivity(ctx.info.activityType, seconds(), 'completed');
          return result;
        } catch (err) {
          const outcome = ctx.cancellationSignal.aborted ? 'cancelled' : 'failed';
          metrics.observeActivity(ctx.info.activityType, seconds(), outcome);
          throw err;
        }
      },
    },
  });
}

/** The interceptors of every Worker of the process: the completion line, and the durations when `metrics`. */
export function activityInterceptors(
  metrics: Pick<PrometheusMetrics, 'observeActivity'> | undefined,
): ActivityInterceptorsFactory[] {
  return metrics ? [logActivityCompletion, observeActivityDurations(metrics)] : [logActivityCompletion];
}
