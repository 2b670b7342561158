/**
 * No standing root token, on the test bed (real OpenBao, real Temporal): after a bootstrap custody holds the
 * worker's token only and Vault knows no root token; `vault-bootstrap root-token` hands out one that works,
 * which the BreakGlassRootToken workflow revokes after its TTL even though the worker was down when the TTL
 * ended (a durable timer), well before Vault's own expiry of it (TTL + 5 min).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  CANARY_PATH,
  CREDENTIALS,
  ROOT_GENERATION_POLICY,
  SNAPSHOT_POLICY,
  WORKER_POLICY,
} from '../../src/activities/cluster/policies';
import type { CredentialField } from '../../src/activities/cluster/policies';
import { BREAK_GLASS_GRACE_SECONDS } from '../../src/activities/break-glass';
import { EXEC_POLICY, EXEC_ROLE } from '../../src/activities/cluster/exec-access';
import { diagnoseWorkflowId, vaultCommandWorkflowId } from '../../src/shared/workflow-ids';
import { DockerGateway } from '../../src/docker/gateway';
import type { TokenInfo } from '../../src/ports';
import { VaultNodeClient } from '../../src/vault/gateway';
import { BreakGlassRootToken, DiagnoseVaultStack, RunVaultCommand } from '../../src/workflows';
import { TestCertificates } from '../support/certs';
import { bootstrapWithOwnCa } from '../support/bootstrapped';
import { historyOf, historyText, secretForms } from '../support/history';
import { withStdin } from '../support/seed-verify';
import { cleanUpLeavingNothing } from '../support/stack-removal';
import { TestRun } from '../support/testbed';
import { sleep } from '../support/wait';

const TTL_SECONDS = 30;

describe('no standing root token; break glass on demand', () => {
  const run = new TestRun();
  const certs = new TestCertificates(run.dir);
  const extra = { VAULT_CERT_DIR: certs.dir };
  const gateway = new DockerGateway('/var/run/docker.sock');
  let client: Client;
  let connection: Connection;

  before(async () => {
    ({ client, connection } = await bootstrapWithOwnCa(run, certs, extra));
  });
  after(async () => {
    await cleanUpLeavingNothing(run);
    await connection.close();
  });

  async function leaderClient(): Promise<VaultNodeClient> {
    const task = (await gateway.currentTasks(`${run.stack}_vault`)).get(1);
    assert.ok(task?.address, 'vault-1 runs');
    return new VaultNodeClient(
      'vault-1',
      { host: task.address, port: 8200, serverName: 'vault-1' },
      { mode: 'tunnel', host: '127.0.0.1', port: 18200 },
      readFileSync(join(certs.dir, 'ca.pem')),
      { requestMs: 5000, initMs: 5000 },
    );
  }

  it('leaves the worker token only; a break-glass token works, and is revoked after its TTL across a worker restart', async () => {
    const held = await run.custody().read(run.stack);
    assert.equal(held.rootToken, undefined, 'custody holds no root token');
    assert.ok(held.workerToken, 'custody holds the worker token');

    const issued = await run.client(['root-token', '--ttl', `${TTL_SECONDS}s`], extra);
    assert.equal(issued.code, 0, issued.out);
    const token = issued.stdout.trim();
    assert.match(token, /^\S+$/, 'one token on stdout');
    const workflowId = /by workflow (\S+)/.exec(issued.out)?.[1];
    assert.ok(workflowId, issued.out);
    const issuedAt = Date.now();

    // The break-glass token is root: it lists every token. The tool's three (one per credential), and itself.
    const vault = await leaderClient();
    const self = await vault.lookupSelf(token);
    assert.deepEqual(self?.policies, ['root']);
    const tokens: TokenInfo[] = [];
    for (const accessor of await vault.listAccessors(token)) {
      const info = await vault.lookupAccessor(token, accessor);
      if (info) tokens.push(info);
    }
    console.log('token accessors after the bootstrap, with the break-glass token:');
    for (const t of tokens)
      console.log(
        `  ${t.accessor}  policies=${t.policies.join(',')}  name=${t.displayName}  ttl=${t.ttlSeconds}s`,
      );
    assert.deepEqual(
      tokens.filter((t) => t.policies.includes('root')).map((t) => t.accessor),
      [self?.accessor],
      'no root token but the break-glass one',
    );
    for (const c of CREDENTIALS) {
      const of = tokens.filter((t) => t.policies.includes(c.policy));
      assert.equal(of.length, 1, `one ${c.name}`);
      assert.deepEqual(of[0]!.policies, [c.policy], `the ${c.name} carries its own policy only`);
    }
    assert.equal(tokens.length, CREDENTIALS.length + 1, 'nothing else');

    // The worker is down when the TTL ends: the token outlives it until a worker runs the timer's revocation.
    await run.stopWorkers();
    await sleep(Math.max(0, issuedAt + (TTL_SECONDS + 10) * 1000 - Date.now()));
    assert.ok(
      await vault.lookupSelf(token),
      'still valid while no worker runs (Vault expires it only later)',
    );
    run.startWorker(extra);
    const revoked: unknown = await client.workflow.getHandle(workflowId).result();
    assert.deepEqual(revoked, { accessor: self?.accessor, revoked: true, alreadyGone: false });
    assert.equal(await vault.lookupSelf(token), undefined, 'the break-glass token is revoked');
    const after = (Date.now() - issuedAt) / 1000;
    assert.ok(
      after < TTL_SECONDS + BREAK_GLASS_GRACE_SECONDS,
      `revoked by the workflow (${after.toFixed(0)} s)`,
    );
    console.log(`break-glass token revoked ${after.toFixed(1)} s after it was issued (TTL ${TTL_SECONDS} s)`);

    // Neither token, in any form, is in the workflow's history.
    const text = historyText(await historyOf(client, workflowId));
    for (const secret of [token, held.workerToken])
      for (const form of secretForms(secret)) assert.ok(!text.includes(form), 'no token in the history');
  });

  /** A root token of break glass, for the test's own reads and writes (revoked by its workflow later). */
  async function rootToken(ttl = '10m'): Promise<string> {
    const issued = await run.client(['root-token', '--ttl', ttl], extra);
    assert.equal(issued.code, 0, issued.out);
    return issued.stdout.trim();
  }

  /** `vault <args>` in vault-1's container with `token` (read from stdin: never argv or the exec's env). */
  async function vaultCli(token: string, args: string): Promise<{ code: number; out: string }> {
    const ctr = (await gateway.currentTasks(`${run.stack}_vault`)).get(1)?.containerId;
    assert.ok(ctr, 'vault-1 runs');
    return withStdin(
      ['exec', '-i', ctr, 'sh', '-c', `read -r VAULT_TOKEN && export VAULT_TOKEN && exec vault ${args}`],
      `${token}\n`,
      process.env,
    );
  }

  it("least privilege: each of the tool's tokens may use its own paths, and is refused everywhere else", async () => {
    const root = await rootToken();
    const vault = await leaderClient();
    const held = await run.custody().read(run.stack);
    const app = await vault.createOrphanToken(root, {
      policies: ['default'],
      displayName: 'an-application',
      ttl: '10m',
      renewable: false,
      meta: {},
    });
    const drain = async (t: string) => {
      for await (const chunk of await vault.raftSnapshot(t)) void chunk;
    };
    const ops: [string, (t: string) => Promise<unknown>][] = [
      ['read the Raft configuration', (t) => vault.raftConfiguration(t)],
      ['read a Raft snapshot', drain],
      [`write the backup canary (${CANARY_PATH})`, (t) => vault.writeKv(t, CANARY_PATH, { by: 'test' })],
      ["look up an application's token by accessor", (t) => vault.lookupAccessor(t, app.accessor)],
      ["revoke an application's token by accessor", (t) => vault.revokeAccessor(t, app.accessor)],
      ['write a policy', (t) => vault.writePolicy(t, 'vbt-test', 'path "x" { capabilities = ["read"] }')],
      [
        'create a token',
        (t) =>
          vault.createOrphanToken(t, { policies: ['default'], displayName: 'x', renewable: false, meta: {} }),
      ],
      ['read the root generation attempt', (t) => vault.rootGenerationStatus('sys/generate-root-token', t)],
      [`read the policy ${WORKER_POLICY}`, (t) => vault.readPolicy(t, WORKER_POLICY)],
    ];
    const allowed: Record<CredentialField, string[]> = {
      workerToken: [ops[0]![0], ops[2]![0], ops[8]![0]],
      snapshotToken: [ops[1]![0]],
      rootGenerationToken: [ops[7]![0]],
    };
    const table: string[] = [];
    for (const c of CREDENTIALS) {
      const token = held[c.field];
      assert.ok(token, `custody holds the ${c.name}`);
      for (const [what, op] of ops) {
        const outcome: string = await op(token).then(
          () => 'allowed',
          (err: unknown) => {
            if ((err as { status?: number }).status === 403) return 'denied (403)';
            throw err;
          },
        );
        table.push(`| ${c.name} (${c.policy}) | ${what} | ${outcome} |`);
        assert.equal(
          outcome,
          allowed[c.field].includes(what) ? 'allowed' : 'denied (403)',
          `${c.name}: ${what}`,
        );
      }
    }
    // An attempt an operator started: no token of the tool may cancel it (no delete), it is left as it was.
    await vault.startRootGeneration('sys/generate-root-token', root);
    for (const c of CREDENTIALS) {
      const cancel = await vaultCli(held[c.field]!, 'delete sys/generate-root-token/attempt');
      const outcome =
        /permission denied|403/.test(cancel.out) && cancel.code !== 0 ? 'denied (403)' : 'allowed';
      table.push(`| ${c.name} (${c.policy}) | cancel an operator's root generation attempt | ${outcome} |`);
      assert.equal(outcome, 'denied (403)', `${c.name} may not cancel a root generation: ${cancel.out}`);
    }
    assert.equal((await vault.rootGenerationStatus('sys/generate-root-token', root))?.started, true);
    const cancelled = await vaultCli(root, 'delete sys/generate-root-token/attempt');
    assert.equal(cancelled.code, 0, cancelled.out);
    assert.ok(await vault.lookupAccessor(root, app.accessor), "the application's token is untouched");
    console.log(
      ['| credential | operation | outcome |', '| --- | --- | --- |', ...table].join('\n') +
        `\n(${SNAPSHOT_POLICY}, ${ROOT_GENERATION_POLICY}: see src/activities/cluster/policies.ts)`,
    );
  });

  it('a direct start of BreakGlassRootToken with a bad TTL: refused with InvalidInput, nothing issued', async () => {
    const root = await rootToken();
    const vault = await leaderClient();
    const before = (await vault.listAccessors(root)).length;
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const handle = await client.workflow.start(BreakGlassRootToken, {
      taskQueue: run.taskQueue,
      workflowId: `vbt-direct-start-${run.stack}`,
      args: [
        {
          stack: run.stack,
          ttlSeconds: -5,
          recipientPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          requester: 'someone@direct',
        },
      ],
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, 'InvalidInput');
      assert.match(err.cause.message, /input\.ttlSeconds: expected an integer from 10 to 86400/);
      return true;
    });
    assert.equal((await vault.listAccessors(root)).length, before, 'no token issued');
    const scheduled = (await historyOf(client, handle.workflowId)).filter(
      (e) => e.activityTaskScheduledEventAttributes,
    );
    assert.equal(scheduled.length, 0, 'no activity ran');
  });

  it("exec: the seed's list-peers with a token made for it alone, revoked after; doctor's worker half", async () => {
    const root = await rootToken();
    const vault = await leaderClient();
    const held = await run.custody().read(run.stack);
    const execute = (command: string[], workflowId = vaultCommandWorkflowId(run.stack, new Date())) =>
      client.workflow.execute(RunVaultCommand, {
        taskQueue: run.taskQueue,
        workflowId,
        args: [{ stack: run.stack, command }],
      });
    const peersId = vaultCommandWorkflowId(run.stack, new Date());
    const peers = await execute(['vault', 'operator', 'raft', 'list-peers'], peersId);
    console.log(
      `exec vault operator raft list-peers (${peers.container}, exit ${peers.exitCode}):\n${peers.stdout}`,
    );
    assert.equal(peers.exitCode, 0, peers.stderr);
    assert.equal((peers.stdout.match(/\bleader\b/g) ?? []).length, 1, peers.stdout);
    assert.equal((peers.stdout.match(/\bfollower\b/g) ?? []).length, 2, peers.stdout);
    assert.ok(peers.tokenAccessor, 'list-peers ran with a token');
    assert.equal(await vault.lookupAccessor(root, peers.tokenAccessor), undefined, 'that token is revoked');
    const status = await execute(['vault', 'status', '-format=json']);
    assert.equal((JSON.parse(status.stdout) as { sealed: boolean }).sealed, false);
    assert.equal(status.tokenAccessor, undefined, 'vault status runs without a token');

    // What such a token may do: read the Raft configuration; nothing else.
    const made = await vault.createTokenFromRole(held.workerToken!, EXEC_ROLE, {
      policies: [EXEC_POLICY],
      displayName: 'vbt-exec-test',
      ttl: '1m',
      meta: {},
    });
    await vault.raftConfiguration(made.token);
    const denied: [string, () => Promise<unknown>][] = [
      [
        'read a Raft snapshot',
        async () => {
          for await (const c of await vault.raftSnapshot(made.token)) void c;
        },
      ],
      ['read the backup canary', () => vault.readKv(made.token, CANARY_PATH)],
      [
        'write a policy',
        () => vault.writePolicy(made.token, 'vbt-x', 'path "x" { capabilities = ["read"] }'),
      ],
      [
        'make another exec token',
        () =>
          vault.createTokenFromRole(made.token, EXEC_ROLE, {
            policies: [EXEC_POLICY],
            displayName: 'x',
            ttl: '1m',
            meta: {},
          }),
      ],
      ['look up a token by accessor', () => vault.lookupAccessor(made.token, peers.tokenAccessor!)],
    ];
    for (const [what, op] of denied)
      await assert.rejects(op(), (err: unknown) => (err as { status?: number }).status === 403, what);
    // The worker token cannot make an exec token carrying its own, broader policy.
    await assert.rejects(
      vault.createTokenFromRole(held.workerToken!, EXEC_ROLE, {
        policies: [WORKER_POLICY],
        displayName: 'x',
        ttl: '1m',
        meta: {},
      }),
      (err: unknown) => (err as { status?: number }).status === 400,
    );
    await vault.revokeSelf(made.token);

    await assert.rejects(execute(['cat', '/run/secrets/vault_unseal_key']), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
      assert.equal(err.cause.type, 'InvalidInput');
      return true;
    });
    const history = historyText(await historyOf(client, peersId));
    for (const token of [held.workerToken!, root])
      assert.ok(!history.includes(token), 'no token in the history of an exec run');

    const diagnosis = await client.workflow.execute(DiagnoseVaultStack, {
      taskQueue: run.taskQueue,
      workflowId: diagnoseWorkflowId(run.stack, new Date()),
      args: [{ stack: run.stack, certExpiryWarnDays: 30 }],
    });
    console.log(diagnosis.checks.map((c) => `${c.status} ${c.name}: ${c.detail}`).join('\n'));
    const status_ = Object.fromEntries(diagnosis.checks.map((c) => [c.name, c.status]));
    assert.deepEqual(status_, {
      preflight: 'warn', // the bed's swarm is not autolocked (SwarmAutolockOff)
      certificate: 'ok',
      custody: 'ok',
      'backup folder': 'ok',
      'vault tasks': 'ok',
    });
    assert.ok(!diagnosis.checks.some((c) => c.status === 'fail'), 'no check fails on a bootstrapped stack');

    // The same through the client, as an operator types it.
    const cli = await run.client(['exec', '--', 'vault', 'operator', 'raft', 'list-peers'], extra);
    assert.equal(cli.code, 0, cli.out);
    assert.match(cli.stdout, /vault-1\s+\S+\s+(leader|follower)\s+true/);
    const sealedCode = await run.client(['exec', '--', 'cat', '/run/secrets/vault_unseal_key'], extra);
    assert.equal(sealedCode.code, 2, 'refused as bad usage, before anything starts');
    const doctor = await run.client(['doctor', '-o', 'json'], extra);
    console.log(`doctor -o json:\n${doctor.stdout}`);
    assert.equal(doctor.code, 0, doctor.out);
    const rows = (JSON.parse(doctor.stdout) as { checks: { name: string; status: string }[] }).checks;
    const named = (prefix: string) => rows.filter((r) => r.name.startsWith(prefix)).map((r) => r.status);
    assert.deepEqual(named('worker'), ['ok'], 'a worker polls the task queue');
    assert.deepEqual(named('preflight'), ['warn'], "the worker's half ran (the bed is not autolocked)");
    assert.deepEqual(named('agent on '), ['ok'], "the one node's queue has a poller");
    assert.deepEqual(named('temporal'), ['ok']);
  });

  it('break glass works with the worker token revoked; health names it; credentials repair replaces it', async () => {
    const root = await rootToken();
    const vault = await leaderClient();
    const held = await run.custody().read(run.stack);
    const worker = await vault.lookupSelf(held.workerToken!);
    assert.ok(worker);
    await vault.revokeAccessor(root, worker.accessor); // someone revoked the worker's token
    const roleGone = await vaultCli(root, `delete auth/token/roles/${EXEC_ROLE}`); // and the exec role
    assert.equal(roleGone.code, 0, roleGone.out);
    assert.equal(await vault.lookupSelf(held.workerToken!), undefined);

    const glass = await rootToken('1m');
    assert.deepEqual((await vault.lookupSelf(glass))?.policies, ['root'], 'break glass still works');

    const verify = await run.client(['verify', '-o', 'json'], extra);
    assert.equal(verify.code, 1, verify.out);
    assert.match(verify.stdout, /WorkerTokenRejected/);

    const repair = await run.client(['credentials', 'repair', '--wait'], extra);
    assert.equal(repair.code, 0, repair.out);
    assert.match(repair.out, /issued the worker token/);
    assert.match(repair.out, /wrote the token role vault-bootstrap-exec/);
    console.log(`credentials repair: ${repair.stdout.split('\n')[0]}`);
    const now = await run.custody().read(run.stack);
    assert.notEqual(now.workerToken, held.workerToken);
    assert.deepEqual((await vault.lookupSelf(now.workerToken!))?.policies, [WORKER_POLICY]);

    const again = await run.client(['verify', '-o', 'json'], extra);
    assert.equal(again.code, 0, again.out);
    assert.doesNotMatch(again.stdout, /Credential|WorkerTokenRejected/);
  });

  // Issue 28: revoking early without the temporal CLI. The tests above left live tokens of this stack behind.
  it('root-token revoke --accessor revokes that token only; root-token revoke revokes every live one; then there is none (exit 3)', async () => {
    const vault = await leaderClient();
    const issued = await run.client(['root-token', '--ttl', '10m', '-o', 'json'], extra);
    assert.equal(issued.code, 0, issued.out);
    const one = JSON.parse(issued.stdout) as { token: string; accessor: string; workflowId: string };
    const other = await rootToken();
    assert.ok(await vault.lookupSelf(other));

    const first = await run.client(['root-token', 'revoke', '--accessor', one.accessor], extra);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, new RegExp(`revoked accessor ${one.accessor} \\(workflow ${one.workflowId}\\)`));
    assert.equal(await vault.lookupSelf(one.token), undefined, 'that token is revoked');
    assert.ok(await vault.lookupSelf(other), 'the other one is not');

    const all = await run.client(['root-token', 'revoke', '-o', 'json'], extra);
    assert.equal(all.code, 0, all.out);
    const { revoked } = JSON.parse(all.stdout) as {
      revoked: { accessor: string; revoked: boolean; alreadyGone: boolean }[];
    };
    assert.ok(revoked.length >= 1, all.stdout);
    assert.ok(!revoked.some((r) => r.accessor === one.accessor), 'the first is no longer live');
    assert.equal(await vault.lookupSelf(other), undefined, 'every live one is revoked');
    console.log(`root-token revoke (all): ${revoked.map((r) => r.accessor).join(', ')}`);

    const none = await run.client(['root-token', 'revoke'], extra);
    assert.equal(none.code, 3, none.out);
    assert.match(none.out, new RegExp(`stack ${run.stack} has no live break-glass token`));
  });
});
