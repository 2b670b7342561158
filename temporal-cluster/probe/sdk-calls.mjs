/* global process, URL, console, setTimeout */
// Which calls does the TypeScript SDK make for a worker's life? Runs, against the test bed's Temporal
// cluster (testbed/temporal-cluster.sh up), an activity-only worker with the agent's certificate on a node
// queue and a full worker with the worker's certificate, starts one workflow with the operator's, and
// stops them; the server logs every call it denies ("vbt-authz: denied", with the role and the API).
//
//   set -a; source "$VAULT_BOOTSTRAP_CACHE/testbed-cluster.env"; set +a
//   node temporal-cluster/probe/sdk-calls.mjs
//   grep 'vbt-authz: denied' "$TEMPORAL_CLUSTER_SERVER_LOG"
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection, Client } from '@temporalio/client';
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: source $VAULT_BOOTSTRAP_CACHE/testbed-cluster.env`);
  return v;
};
const address = env('TEMPORAL_ADDRESS');
const namespace = env('TEMPORAL_NAMESPACE');
const pki = env('TEMPORAL_CLUSTER_PKI_DIR');
const serverName = env('TEMPORAL_TLS_SERVER_NAME');
const ca = readFileSync(`${pki}/ca.pem`);
const tls = (role) => ({
  serverNameOverride: serverName,
  serverRootCACertificate: ca,
  clientCertPair: { crt: readFileSync(`${pki}/${role}.pem`), key: readFileSync(`${pki}/${role}.key`) },
});
const taskQueue = process.env.PROBE_TASK_QUEUE ?? 'authz-probe';
const nodeQueue = `${taskQueue}-node-${process.env.PROBE_NODE_ID ?? 'probe1'}`;

Runtime.install({ logger: new DefaultLogger('WARN') });

const agentConnection = await NativeConnection.connect({
  address,
  tls: tls(process.env.PROBE_AGENT_CERT ?? 'agent'),
});
const workerConnection = await NativeConnection.connect({ address, tls: tls('worker') });
const agent = await Worker.create({
  connection: agentConnection,
  namespace,
  taskQueue: nodeQueue,
  activities: { ping: async (what) => `agent ${what}` },
});
const worker = await Worker.create({
  connection: workerConnection,
  namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows.mjs', import.meta.url)),
  activities: { ping: async (what) => `worker ${what}` },
});
const running = Promise.all([agent.run(), worker.run()]);

const connection = await Connection.connect({ address, tls: tls('operator') });
const client = new Client({ connection, namespace });
try {
  const result = await client.workflow.execute('AuthzProbe', {
    taskQueue,
    workflowId: `authz-probe-${Date.now()}`,
    args: [nodeQueue],
    workflowExecutionTimeout: '60s',
  });
  console.log(`workflow result: ${JSON.stringify(result)}`);
} finally {
  // A few seconds more: worker heartbeats, if the SDK sends any, go out on their own interval.
  await new Promise((r) => setTimeout(r, Number(process.env.PROBE_LINGER_MS ?? 3000)));
  agent.shutdown();
  worker.shutdown();
  await running;
  await connection.close();
  await agentConnection.close();
  await workerConnection.close();
  console.log('workers stopped');
}
