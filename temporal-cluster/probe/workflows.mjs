// The probe's one workflow (temporal-cluster/probe/sdk-calls.mjs): an activity on the main queue, run by
// the full worker, and one on the node queue, run by the activity-only agent.
import { proxyActivities } from '@temporalio/workflow';

export async function AuthzProbe(nodeQueue) {
  const main = proxyActivities({ startToCloseTimeout: '20s', retry: { maximumAttempts: 2 } });
  const node = proxyActivities({
    startToCloseTimeout: '20s',
    retry: { maximumAttempts: 2 },
    taskQueue: nodeQueue,
  });
  return [await main.ping('main'), await node.ping('node')];
}
