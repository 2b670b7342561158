/**
 * No standing root token, on the test bed (real OpenBao, real Temporal): after a bootstrap custody holds the
 * worker's token only and Vault knows no root token; `vault-bootstrap root-token` hands out one that works,
 * which the BreakGlassRootToken workflow revokes after its TTL even though the worker was down when the TTL
 * ended (a durable timer), well before Vault's own expiry of it (TTL + 5 min).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { WORKER_POLICY } from '../../src/activities/cluster/policies';
import { BREAK_GLASS_GRACE_SECONDS } from '../../src/activities/break-glass';
import { DockerGateway } from '../../src/docker/gateway';
import type { TokenInfo } from '../../src/ports';
import { VaultNodeClient } from '../../src/vault/gateway';
import { TestCertificates } from '../support/certs';
import { bootstrapWithOwnCa } from '../support/bootstrapped';
import { historyOf, historyText, secretForms } from '../support/history';
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

    // The break-glass token is root: it lists every token. Exactly two: the worker's, and itself.
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
    const workers = tokens.filter((t) => t.policies.includes(WORKER_POLICY));
    assert.equal(workers.length, 1, 'one worker token');
    assert.deepEqual(workers[0]!.policies, [WORKER_POLICY]);
    assert.equal(tokens.length, 2, 'nothing else');

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
});
