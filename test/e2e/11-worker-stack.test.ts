/**
 * The worker as production runs it (issue 9), on the three-node bed: `init-infra-prod.sh` verbatim, with only
 * the environment pointing at the bed, from an empty stack to a bootstrapped, verified and scheduled cluster;
 * the worker stack (the full worker, a node agent on every node) from the image the production Dockerfile
 * builds; a rolling update of the worker to a new image while the bootstrap is in flight; `docker service logs`
 * as JSON lines; what each container holds (issue 32: read-only roots, no capability, no private key in the
 * worker, the agent's Docker proxy letting its calls through and refusing others); then the loss of the node
 * that runs the full worker: Swarm restarts it on another node, it reads custody from the swarm's copy, and a
 * Vault task killed on a surviving node without the worker is unsealed, through that node's agent, or, when the
 * lost node's waiting slot took the freed node, left sealed there (another slot's data) until the lost node is
 * back and every slot is put back on its home and unsealed.
 *
 * One stack at a time on this bed (see 07-three-nodes).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { healthWorkflowIds } from '../../src/shared/workflow-ids';
import { historyOf, testbedTemporalClient } from '../support/history';
import {
  NODE_NAMES,
  nodeDocker,
  nodeFaults,
  slotNodes,
  threeNodeBedUp,
  vaultOnNode,
  waitUnsealedOnNode,
} from '../support/multinode';
import type { NodeName } from '../support/multinode';
import { seedVerification } from '../support/seed-verify';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { eventually, sleep } from '../support/wait';
import {
  assertEachStepOnce,
  bootstrapAtStep,
  WORKER_IMAGE,
  WORKER_STACK_SERVICES,
  WorkerStackRun,
  workerImageOnNodes,
} from '../support/worker-stack';
import type { WorkerStackService } from '../support/worker-stack';

const run = promisify(execFile);
/** The "new version" of the worker image: the same image with one more label, so another image id. */
const NEXT_IMAGE = `${WORKER_IMAGE}-next`;

/** Builds NEXT_IMAGE on the host from WORKER_IMAGE and loads it on the nodes that lack it. */
async function nextImageOnNodes(): Promise<void> {
  await run('sh', [
    '-c',
    `printf 'FROM ${WORKER_IMAGE}\\nLABEL io.iklimco.testbed.revision=next\\n' | DOCKER_BUILDKIT=0 docker build -q -t ${NEXT_IMAGE} -`,
  ]);
  const id = (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', NEXT_IMAGE])).stdout.trim();
  for (const node of NODE_NAMES) {
    const there = await nodeDocker(node, ['image', 'inspect', '--format', '{{.Id}}', NEXT_IMAGE]).catch(
      () => '',
    );
    if (there.trim() !== id)
      await run('sh', [
        '-c',
        `docker save ${NEXT_IMAGE} | docker -H unix:///run/vbt-${node}/docker.sock load -q`,
      ]);
  }
}

/** The bed node whose Swarm host name is `hostName` (vbt-nN). */
function bedNodeOf(hostName: string): NodeName {
  const node = NODE_NAMES.find((n) => `vbt-${n}` === hostName);
  if (!node) throw new Error(`not a node of the bed: ${hostName}`);
  return node;
}

/** The fields of `docker inspect` read here. */
interface ContainerJson {
  HostConfig: { ReadonlyRootfs?: boolean; CapDrop?: string[] };
  Mounts: { Source: string; Destination: string }[];
}

/** The running containers of a worker stack on one node, by service. */
async function stackContainers(
  workerStack: string,
  node: NodeName,
): Promise<Partial<Record<WorkerStackService, string>>> {
  const out = await nodeDocker(node, [
    'ps',
    '--no-trunc',
    '--filter',
    `label=com.docker.stack.namespace=${workerStack}`,
    '--format',
    '{{.ID}} {{.Label "com.docker.swarm.service.name"}}',
  ]);
  const ids: Partial<Record<WorkerStackService, string>> = {};
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const [id, service] = line.split(' ');
    const name = WORKER_STACK_SERVICES.find((s) => service === `${workerStack}_${s}`);
    if (name) ids[name] = id!;
  }
  return ids;
}

/** The calls the agent's probe makes that its Docker proxy must refuse. */
const FORBIDDEN = ['create', 'SIGKILL', 'exec', 'inspect another', 'list', 'secrets'];

/**
 * Run in an agent's container (`node -e AGENT_PROBE <vault id> <stack> <other container>`): the agent's own
 * gateway on its DOCKER_SOCKET (the node's Docker proxy), then calls it never makes. One JSON line out.
 */
const AGENT_PROBE = `
const http = require('node:http');
const { DockerGateway } = require('/app/dist/src/docker/gateway.js');
const [vault, stack, other] = process.argv.slice(1);
const socketPath = process.env.DOCKER_SOCKET;
const call = (method, path, body) => new Promise((resolve) => {
  const req = http.request({ socketPath, method, path, headers: { Host: 'docker', 'Content-Type': 'application/json' } }, (res) => {
    let text = '';
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve(res.statusCode + ' ' + text));
  });
  req.on('error', (e) => resolve('error ' + e.code));
  req.end(body);
});
(async () => {
  const gw = new DockerGateway(socketPath);
  const out = { nodeId: await gw.localNodeId(), refused: {} };
  out.sighup = await gw.signalServiceContainer(stack + '_vault', vault.slice(0, 12), 'SIGHUP');
  out.proxy = await gw.signalServiceContainer(stack + '_vault', other, 'SIGHUP');
  out.refused.create = await call('POST', '/containers/create', JSON.stringify({ Image: 'x', HostConfig: { Privileged: true, Binds: ['/:/host'] } }));
  out.refused.SIGKILL = await call('POST', '/containers/' + vault + '/kill?signal=SIGKILL');
  out.refused.exec = await call('POST', '/containers/' + vault + '/exec', JSON.stringify({ Cmd: ['cat', '/run/secrets/vault_unseal_key'] }));
  out.refused['inspect another'] = await call('GET', '/containers/' + other + '/json');
  out.refused.list = await call('GET', '/containers/json?all=1');
  out.refused.secrets = await call('GET', '/secrets');
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * What the health machinery saw and did, printed when the slots are not back home and unsealed in time: the Vault
 * service's tasks, the nodes, the watcher's pending waits (which node queue, which attempt, which poller took it),
 * each event-triggered check's findings and actions, and the tail of the agents' and the worker's logs.
 */
async function whyNotHealed(
  w: WorkerStackRun,
  client: Client,
  homes: Map<number, NodeName>,
): Promise<string> {
  const lines: string[] = [`homes: ${[...homes].map(([s, n]) => `vault-${s}→${n}`).join(' ')}`];
  const manager: NodeName = await w.manager().catch((): NodeName => 'n1');
  const section = async (title: string, f: () => Promise<string>): Promise<void> => {
    lines.push(`--- ${title}`, await f().catch((e: unknown) => `(failed: ${(e as Error).message})`));
  };
  await section('vault tasks', () =>
    nodeDocker(manager, [
      'service',
      'ps',
      '--format',
      '{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}',
      `${w.stack}_vault`,
    ]),
  );
  await section('nodes', () =>
    nodeDocker(manager, [
      'node',
      'ls',
      '--format',
      '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}',
    ]),
  );
  const watcherId = healthWorkflowIds(w.stack).watcher;
  await section(`watcher ${watcherId}: pending activities`, async () => {
    const d = await client.workflow.getHandle(watcherId).describe();
    return (d.raw.pendingActivities ?? [])
      .map(
        (a) =>
          `${a.activityType?.name} state=${a.state} attempt=${a.attempt} worker=${a.lastWorkerIdentity ?? '-'} ` +
          `failure=${a.lastFailure?.message ?? '-'}`,
      )
      .join('\n');
  });
  await section('watcher: event checks (child results)', async () => {
    const out: string[] = [];
    for (const e of await historyOf(client, watcherId)) {
      const done = e.childWorkflowExecutionCompletedEventAttributes;
      const data = done?.result?.payloads?.[0]?.data;
      if (!data) continue;
      const r = JSON.parse(Buffer.from(data).toString()) as {
        verdict?: string;
        findings?: { code: string; node?: string }[];
        actions?: string[];
        actionFailures?: string[];
      };
      const at = new Date(Number(e.eventTime?.seconds ?? 0) * 1000).toISOString();
      out.push(
        `${at} ${r.verdict} findings=${(r.findings ?? []).map((f) => `${f.code}@${f.node ?? '-'}`).join(',')} ` +
          `actions=${JSON.stringify(r.actions ?? [])} failures=${JSON.stringify(r.actionFailures ?? [])}`,
      );
    }
    return out.join('\n');
  });
  for (const service of ['agent', 'worker'] as const)
    await section(`${service} logs (last 40)`, async () =>
      (await w.serviceLogs(service)).slice(-40).join('\n'),
    );
  return lines.join('\n');
}

/** A token as Vault/OpenBao print them: must never be in a log line. */
const TOKEN_RE = /\b(hv[sbr]|s|b|r)\.[A-Za-z0-9_-]{20,}/;

describe('the worker on the swarm: init-infra-prod.sh end to end on three nodes', () => {
  let w: WorkerStackRun;
  const client = testbedTemporalClient();

  before(async () => {
    await threeNodeBedUp();
    await workerImageOnNodes();
    await nextImageOnNodes();
    w = new WorkerStackRun();
  });

  after(async () => {
    await cleanUpLeavingNothing(w);
  });

  it('from nothing: the worker stack on every node, a rolling worker update mid-bootstrap, verified, scheduled; a second call changes nothing', async () => {
    const first = w.initInfraProd();
    // The operator rolls out a new worker image while the bootstrap is in flight: init-infra-prod.sh again,
    // with the new image, once the leader's init has started. The update takes 12-14 s to have the new worker
    // running; from the rotation on, the bootstrap now takes less than that (the steered rotation: 9 s).
    const wfId = `vault-bootstrap-${w.stack}`;
    const runId = await bootstrapAtStep(client(), w.stack, 'initLeader');
    const updateAt = Date.now();
    const second = w.initInfraProd({ VAULT_BOOTSTRAP_IMAGE: NEXT_IMAGE });
    await eventually('the full worker running the new image', 300_000, async () => {
      const t = (await w.workerTasks().catch(() => [])).find((x) => x.service === 'worker');
      return t && /-next/.test(t.image) && /^Running/.test(t.state) ? true : undefined;
    });
    const updatedMs = Date.now() - updateAt;
    const [one, two] = await Promise.all([first, second]);
    assert.equal(one.code, 0, one.out);
    assert.equal(two.code, 0, two.out);
    const closed = await client().workflow.getHandle(wfId, runId).describe();
    assert.equal(closed.status.name, 'COMPLETED');
    assert.ok(
      (closed.closeTime?.getTime() ?? 0) > updateAt + updatedMs,
      'the bootstrap was still in flight when the new worker ran',
    );
    console.log(
      `init-infra-prod.sh from nothing: ${(one.ms / 1000).toFixed(1)}s; the worker update (new image running) ` +
        `${(updatedMs / 1000).toFixed(1)}s after its call, the bootstrap completed ` +
        `${(((closed.closeTime?.getTime() ?? 0) - updateAt - updatedMs) / 1000).toFixed(1)}s later`,
    );
    console.log(
      one.out
        .split('\n')
        .filter((l) => /^\[init-infra-prod\]|^\s+\S+ on vbt-/.test(l))
        .join('\n'),
    );

    // The worker stack: the full worker once, an agent and its Docker proxy on each node, all on the new image.
    const tasks = await w.workerTasks();
    for (const t of tasks)
      console.log(`  ${w.workerStack}_${t.service} on ${t.node}: ${t.state} (${t.image})`);
    assert.equal(tasks.filter((t) => t.service === 'worker').length, 1);
    for (const service of ['agent', 'docker-proxy'] as const)
      assert.deepEqual(
        tasks
          .filter((t) => t.service === service)
          .map((t) => t.node)
          .sort(),
        NODE_NAMES.map((n) => `vbt-${n}`),
        service,
      );
    for (const t of tasks) assert.match(t.image, /-next/, `${t.service} on ${t.node} runs ${t.image}`);

    // No completed step ran again, and no workflow task failed (a determinism error would).
    const steps = await assertEachStepOnce(client(), w.stack, runId);
    console.log(`steps (attempts): ${steps.map((s) => `${s.type}(${s.attempts})`).join(' ')}`);

    // The seed's verification, with the worker's token from the swarm's copy of custody.
    const custody = await w.custodyFromSwarm();
    assert.equal(custody.copies, 1, 'one custody copy: older revisions removed');
    const v = await seedVerification(w.stack, custody.dir, custody.keyFile, w.node('n1').dockerHost);
    assert.equal(v.runningTasks, 3, v.servicePs);
    assert.ok(v.sealedFalse, v.vaultStatus);
    assert.equal(v.leaders, 1, v.listPeers);
    assert.equal(v.followers, 2, v.listPeers);
    const sched = await w.client(['schedule', 'describe']);
    assert.equal(sched.code, 0, sched.out);

    // docker service logs: one JSON object per line, the steps with their ids, never a token.
    for (const service of WORKER_STACK_SERVICES) {
      const lines = await w.serviceLogs(service);
      assert.ok(lines.length > 0, `${service} logged nothing`);
      for (const line of lines) {
        const obj = JSON.parse(line) as Record<string, unknown>;
        assert.ok(
          typeof obj.time === 'string' && typeof obj.level === 'string' && typeof obj.message === 'string',
          line,
        );
        assert.doesNotMatch(line, TOKEN_RE, `a token-like string in ${service}'s log`);
      }
      if (service === 'worker') {
        const steps = lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((o) => o.message === 'activity completed');
        assert.ok(
          steps.some(
            (o) =>
              o.workflowId === `vault-bootstrap-${w.stack}` &&
              o.activityType === 'revokeRootToken' &&
              typeof o.activityId === 'string',
          ),
        );
      }
    }

    // A second call: the same tasks, nothing restarted, the bootstrap observes and changes nothing.
    const before = (await w.workerTasks()).map((t) => t.id).sort();
    const vaultBefore = await slotNodes(w.stack);
    const again = await w.initInfraProd({ VAULT_BOOTSTRAP_IMAGE: NEXT_IMAGE });
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /already on /);
    assert.deepEqual((await w.workerTasks()).map((t) => t.id).sort(), before);
    assert.deepEqual(await slotNodes(w.stack), vaultBefore);
    console.log(`init-infra-prod.sh again: ${(again.ms / 1000).toFixed(1)}s, nothing changed`);
  });

  it('each container holds only what it needs: read-only roots, no capability, no private key in the worker, the agent behind its proxy', async () => {
    for (const node of NODE_NAMES) {
      const ids = await stackContainers(w.workerStack, node);
      assert.ok(ids.agent && ids['docker-proxy'], `an agent and a proxy on ${node}: ${JSON.stringify(ids)}`);
      for (const [service, id] of Object.entries(ids)) {
        const info = JSON.parse(await nodeDocker(node, ['inspect', id])) as ContainerJson[];
        const c = info[0]!;
        assert.equal(c.HostConfig.ReadonlyRootfs, true, `${service} on ${node}: read-only root`);
        assert.deepEqual(c.HostConfig.CapDrop, ['ALL'], `${service} on ${node}: no capability`);
        // What the process holds, from inside: no capability at all, a root it cannot write, no setuid file.
        const inside = await nodeDocker(node, [
          'exec',
          id,
          'sh',
          '-c',
          'grep -E "^Cap(Eff|Bnd)" /proc/1/status; touch /app/probe 2>&1; find / -xdev -type f -perm /6000 2>/dev/null; true',
        ]);
        assert.match(inside, /^CapEff:\s+0+$/m, `${service} on ${node}: ${inside}`);
        assert.match(inside, /^CapBnd:\s+0+$/m, `${service} on ${node}: ${inside}`);
        assert.match(inside, /Read-only file system/, `${service} on ${node}: ${inside}`);
        assert.doesNotMatch(inside, /^\//m, `${service} on ${node}: no setuid/setgid file: ${inside}`);
        const sources = c.Mounts.map((m) => m.Source);
        assert.equal(
          sources.includes('/var/run/docker.sock'),
          service !== 'agent',
          `${service} on ${node} mounts the Engine socket: ${sources.join(' ')}`,
        );
        if (service === 'worker') {
          const certDir = w.prodEnv().VAULT_CERT_DIR ?? '';
          assert.notEqual(certDir, '');
          assert.deepEqual(sources.filter((m) => m.startsWith(`${certDir}/`) || m === certDir).sort(), [
            `${certDir}/ca.pem`,
            `${certDir}/fullchain.pem`,
          ]);
          const seen = await nodeDocker(node, ['exec', id, 'ls', certDir]);
          assert.deepEqual(
            seen.trim().split('\n'),
            ['ca.pem', 'fullchain.pem'],
            'no privkey.pem in the worker',
          );
        }
      }

      // Through the agent's own socket, from inside the agent: its calls pass (a SIGHUP reaches this node's Vault
      // task: Vault logs the reload), everything else is refused, and the Vault task lives on.
      const vault = await vaultOnNode(w.stack, node);
      assert.ok(vault, `a Vault task on ${node}`);
      const vaultId = (await nodeDocker(node, ['inspect', '--format', '{{.Id}}', vault.container])).trim();
      const since = new Date(Date.now() - 1000).toISOString();
      const probe = JSON.parse(
        await nodeDocker(node, [
          'exec',
          ids.agent,
          'node',
          '-e',
          AGENT_PROBE,
          vaultId,
          w.stack,
          ids['docker-proxy'],
        ]),
      ) as { nodeId: string; sighup: string; proxy: string; refused: Record<string, string> };
      assert.equal(probe.sighup, 'signalled');
      assert.equal(probe.proxy, 'other-service', 'the proxy container is no Vault task: not signalled');
      assert.match(probe.nodeId, /^[a-z0-9]{25}$/);
      assert.deepEqual(Object.keys(probe.refused).sort(), [...FORBIDDEN].sort());
      for (const [call, answer] of Object.entries(probe.refused))
        assert.match(answer, /^403 .*refused by the node agent’s Docker proxy/, `${call}: ${answer}`);
      const reload = await eventually(`the SIGHUP in ${node}'s Vault log`, 30_000, async () => {
        const logs = await run('docker', ['-H', w.node(node).dockerHost, 'logs', '--since', since, vaultId]);
        return /reload triggered/i.test(logs.stdout + logs.stderr) ? true : undefined;
      });
      assert.ok(reload);
      const after = await vaultOnNode(w.stack, node);
      assert.equal(after?.container, vault.container, 'the refused SIGKILL killed nothing');
      assert.equal(after?.sealed, false);
      console.log(`${node}: agent SIGHUP passed; refused ${Object.keys(probe.refused).join(', ')}`);
    }
  });

  it('the node that runs the full worker is lost: the worker moves, reads custody from the swarm, and heals a surviving node', async () => {
    const workerNode = bedNodeOf((await w.workerTasks()).find((t) => t.service === 'worker')!.node);
    const homes = await slotNodes(w.stack);
    const killedAt = Date.now();
    await nodeFaults.kill(workerNode);
    try {
      const moved = await eventually('the full worker running on another node', 240_000, async () => {
        const t = (await w.workerTasks().catch(() => [])).find((x) => x.service === 'worker');
        return t && t.node !== `vbt-${workerNode}` && /^Running/.test(t.state) ? t : undefined;
      });
      const movedMs = Date.now() - killedAt;
      // The survivor that runs no full worker: only its agent polls its queue, so its healing is the agent's,
      // through the agent's Docker proxy (the start event it waits for).
      const survivor = NODE_NAMES.find((n) => n !== workerNode && `vbt-${n}` !== moved.node)!;
      const vault = await vaultOnNode(w.stack, survivor);
      assert.ok(vault && !vault.sealed, `Vault on ${survivor} unsealed before the kill`);
      const killAt = Date.now();
      await nodeDocker(survivor, ['kill', vault.container]);
      // Swarm restarts the survivor's slot there after its 5 s restart delay, unless the lost node's slot, which
      // waits for a node, takes the freed one first. That slot's home is the lost node, and the survivor's volume
      // holds the survivor's slot's Raft data: it must not be unsealed there (docs/faults.md, "Slots and their
      // volumes"). Either way the slot Swarm runs there is told apart by its number.
      const next = await eventually(`a new Vault task on ${survivor}`, 120_000, async () => {
        const v = await vaultOnNode(w.stack, survivor).catch(() => undefined);
        return v && v.container !== vault.container ? v : undefined;
      });
      if (next.slot === vault.slot) {
        await waitUnsealedOnNode(w.stack, survivor, 240_000, vault.container);
        console.log(
          `lost ${workerNode} (ran the worker): worker running on ${moved.node} after ${(movedMs / 1000).toFixed(1)}s; ` +
            `Vault killed on ${survivor} unsealed again after ${((Date.now() - killAt) / 1000).toFixed(1)}s`,
        );
      } else {
        // Watched for a minute: the health machinery sees the start and does not unseal it away from home.
        for (const until = Date.now() + 60_000; Date.now() < until; await sleep(2000)) {
          const v = await vaultOnNode(w.stack, survivor).catch(() => undefined);
          assert.ok(
            !v || v.slot !== next.slot || v.sealed,
            `vault-${next.slot} unsealed on ${survivor}, on vault-${vault.slot}'s data`,
          );
        }
        console.log(
          `lost ${workerNode} (ran the worker, and vault-${next.slot}): worker running on ${moved.node} after ` +
            `${(movedMs / 1000).toFixed(1)}s; the Vault killed on ${survivor} (vault-${vault.slot}) was replaced by ` +
            `vault-${next.slot}, which waited for a node: left sealed there for 60 s, as it must`,
        );
      }
    } finally {
      await nodeFaults.start(workerNode);
    }
    await eventually('three ready managers', 180_000, async () => {
      const out = await nodeDocker('n1', ['node', 'ls', '--format', '{{.Status}}']).catch(() => '');
      return out.split('\n').filter((l) => l === 'Ready').length === 3 ? true : undefined;
    });
    // With the lost node back, every slot ends on its home and unsealed (the health machinery puts them back).
    await eventually('every slot unsealed on its home node', 300_000, async () => {
      for (const [slot, node] of homes) {
        const v = await vaultOnNode(w.stack, node).catch(() => undefined);
        if (!v || v.slot !== slot || v.sealed) return undefined;
      }
      return true;
    }).catch(async (err: unknown) => {
      console.log(await whyNotHealed(w, client(), homes));
      throw err;
    });
  });
});
