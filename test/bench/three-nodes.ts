/**
 * `npm run bench -- --nodes 3`: the bootstrap as production runs it, on the three-node bed (brought up here):
 * the production stack file alone (node-local volumes, one task per node), the worker stack (the full worker
 * and an agent on every node, from the image the production Dockerfile builds) and `init-infra-prod.sh`, with
 * the worker reaching Vault on the overlay. Against it, `test/bench/bare-bootstrap.sh` on the same bed, with
 * the same file.
 *
 * Runs BENCH_RUNS (default 3) rounds, each a workflow bootstrap of a new stack and then the bare script's of
 * another; every stack is removed before the next. Prints the table of medians and writes it between the
 * `bench:nodes3` markers of docs/performance.md (BENCH_OUT for another file); BENCH_LABEL names the run.
 */
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import { activitiesOf, eventMs, historyOf, temporalClient } from '../support/history';
import { MultiNodeRun, nodeDocker, threeNodeBedUp } from '../support/multinode';
import { workerImageOnNodes, WorkerStackRun } from '../support/worker-stack';
import { alternateRounds, fmt, median, runBareScript, type Sample } from './report';

/** What init-infra-prod.sh took end to end, and the bootstrap workflow from its start to its completion. */
const SCRIPT_TOTAL = 'init-infra-prod.sh (worker stack, bootstrap, schedules)';
const WORKFLOW_TOTAL = 'total';
const REHOMED = 'slots shuffled by the rollout and put back (rounds)';
const STEERED = 'rotation steered each slot to its home (rounds)';

async function workflowRound(sample: Sample): Promise<void> {
  const run = new WorkerStackRun();
  const temporal = await temporalClient(run.bed.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
  try {
    const since = Math.floor(Date.now() / 1000);
    const res = await run.initInfraProd();
    if (res.code !== 0) throw new Error(`bench: init-infra-prod.sh failed (${res.code}):\n${res.out}`);
    sample.set(SCRIPT_TOTAL, res.ms / 1000);
    const events = await historyOf(temporal.client, bootstrapWorkflowId(run.stack));
    sample.set(WORKFLOW_TOTAL, (eventMs(events[events.length - 1]!) - eventMs(events[0]!)) / 1000);
    let steered = false;
    for (const a of activitiesOf(events)) {
      if (a.completedAt !== undefined) sample.set(a.type, (a.completedAt - a.scheduledAt) / 1000);
      if (a.type === 'rotateUnsealKeySecret')
        steered = /each started on its home/.test(
          (a.result as { summary?: string } | undefined)?.summary ?? '',
        );
    }
    sample.set(STEERED, steered ? 1 : 0);
    // A steered rotation pauses nodes by design; only Swarm's own all-at-once rollout can shuffle.
    sample.set(REHOMED, steered ? 0 : await rehomes(since));
  } finally {
    await run.cleanup();
    await temporal.connection.close();
  }
}

/**
 * Whether the bootstrap put shuffled slots back (`rehomeSlots`, after the all-at-once rollout): 1 when any node
 * was paused since `since` (epoch seconds), as n1's Engine reports node events, else 0.
 */
async function rehomes(since: number): Promise<number> {
  const out = await nodeDocker('n1', [
    'events',
    '--since',
    String(since),
    '--until',
    String(Math.ceil(Date.now() / 1000)),
    '--filter',
    'type=node',
    '--format',
    '{{json .Actor.Attributes}}',
  ]);
  return out.includes('"availability.new":"pause"') ? 1 : 0;
}

async function bareRound(sample: Sample): Promise<void> {
  const run = new MultiNodeRun();
  try {
    await runBareScript(sample, {
      DOCKER_HOST: run.node('n1').dockerHost,
      NODE_SOCKETS: run.bed.nodes.map((n) => `${n.hostName}=${n.dockerHost}`).join(' '),
      STACK: run.stack,
      VAULT_IMAGE: run.bed.env.VAULT_IMAGE ?? '',
      VAULT_CERT_DIR: run.bed.env.VAULT_CERT_DIR ?? '',
    });
  } finally {
    await run.cleanup();
  }
}

function table(wf: Sample[], bare: Sample[]): string {
  const m = (samples: Sample[], key: string) =>
    median(samples.map((s) => s.get(key)).filter((v): v is number => v !== undefined));
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : '—');
  const runs = (samples: Sample[], key: string) => samples.map((s) => fmt(s.get(key))).join(', ');
  const rows = [
    '| step | workflow (median) | runs | bare script (median) | runs | workflow ÷ bare |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const step of [...BOOTSTRAP_STEPS, WORKFLOW_TOTAL] as string[]) {
    const a = m(wf, step);
    const b = m(bare, step);
    const name = step === WORKFLOW_TOTAL ? '**bootstrap (workflow start → end / script)**' : `\`${step}\``;
    rows.push(
      `| ${name} | ${fmt(a)} | ${runs(wf, step)} | ${fmt(b)} | ${runs(bare, step)} | ${ratio(a, b)} |`,
    );
  }
  rows.push(`| ${SCRIPT_TOTAL} | ${fmt(m(wf, SCRIPT_TOTAL))} | ${runs(wf, SCRIPT_TOTAL)} | | | |`);
  const shuffled = wf.filter((s) => s.get(REHOMED) === 1).length;
  const steered = wf.filter((s) => s.get(STEERED) === 1).length;
  rows.push(
    '',
    `Rounds whose rotation stopped every task and started each slot on its home (steered): ${steered} of ${wf.length}. ` +
      `Rounds whose all-at-once rollout Swarm shuffled (slots put back by \`rehomeSlots\`): ${shuffled} of ${wf.length}.`,
  );
  return rows.join('\n');
}

/** The three-node rounds; returns the report's body. */
export async function benchThreeNodes(rounds: number): Promise<string> {
  await threeNodeBedUp();
  await workerImageOnNodes();
  const { wf, bare } = await alternateRounds(rounds, workflowRound, bareRound);
  return table(wf, bare);
}
