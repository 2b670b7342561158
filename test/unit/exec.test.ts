/**
 * `vault-bootstrap exec` in memory: which commands may run (src/shared/vault-commands.ts), and what
 * `runVaultCommand` does with the token it makes (src/activities/exec.ts): made through the exec role, handed
 * to the command's environment only, revoked after, never in the result; and the exec role and policy as
 * health reads them (CredentialPolicyChanged until written).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXEC_POLICY, EXEC_ROLE, EXEC_TOKEN_ROLE } from '../../src/activities/cluster/exec-access';
import { credentialFindings } from '../../src/activities/cluster/credentials';
import { VAULT_API_PORT } from '../../src/shared/constants';
import { checkVaultCommand } from '../../src/shared/vault-commands';
import { worldAfter } from '../support/fakes';
import type { World } from '../support/fakes';
import { namedFailure } from '../support/failures';

/** A client of vault-1, the leader after the bootstrap. */
const leader = (w: World) =>
  w.deps.vaultNode('vault-1', { host: w.vault.addressOf(1)!, port: VAULT_API_PORT, serverName: 'vault-1' });

describe('exec: the commands allowed', () => {
  for (const ok of [
    'vault status',
    'vault operator raft list-peers',
    'vault operator raft list-peers -format=json',
    'vault -format json operator raft list-peers',
    'vault operator raft autopilot state',
    'vault operator members',
    'vault version',
  ])
    it(`runs: ${ok}`, () => assert.deepEqual(checkVaultCommand(ok.split(' ')).argv, ok.split(' ')));

  for (const refused of [
    'cat /run/secrets/vault_unseal_key',
    'sh -c vault status',
    'vault read sys/storage/raft/configuration',
    'vault operator raft list-peers -address=https://elsewhere:8200',
    'vault operator raft snapshot save /tmp/s',
    'vault operator unseal',
    'vault status -format=xml',
    'vault status -format=json -format=json',
    'vault',
    '',
  ])
    it(`refuses: ${JSON.stringify(refused)}`, () =>
      assert.throws(
        () => checkVaultCommand(refused ? refused.split(' ') : []),
        /only these read-only commands/,
      ));

  it('refuses what is not a list of words', () => {
    for (const bad of [undefined, 'vault status', ['vault', 3], Array(9).fill('status')])
      assert.throws(() => checkVaultCommand(bad), /InvalidInput|only these/);
  });
});

describe('runVaultCommand', () => {
  it('list-peers: a token made through the exec role reaches the command only, and is revoked after', async () => {
    const w = await worldAfter('revokeRootToken');
    const before = new Set(w.vault.tokens.keys());
    w.swarm.execAnswer = (_command, env) => {
      const token = w.vault.tokens.get(env.VAULT_TOKEN ?? '');
      assert.deepEqual(token?.policies, [EXEC_POLICY], 'the command runs with the exec policy alone');
      assert.ok(token.ttlSeconds > 0 && token.ttlSeconds <= EXEC_TOKEN_ROLE.explicitMaxTtlSeconds);
      return {
        exitCode: 0,
        stdout: 'Node  Address  State  Voter\nvault-1 ... leader true\n',
        stderr: '',
        truncated: false,
      };
    };
    const out = await w.run(w.acts.runVaultCommand, {
      stack: w.stack,
      command: ['vault', 'operator', 'raft', 'list-peers'],
    });
    assert.equal(out.exitCode, 0);
    assert.match(out.stdout, /leader/);
    assert.equal(w.swarm.execs.length, 1);
    const [call] = w.swarm.execs;
    assert.deepEqual(call!.command, ['vault', 'operator', 'raft', 'list-peers']);
    assert.deepEqual(Object.keys(call!.env), ['VAULT_TOKEN']);
    assert.ok(!JSON.stringify(out).includes(call!.env.VAULT_TOKEN!), 'the result holds no token');
    assert.ok(out.tokenAccessor && !w.vault.byAccessor(out.tokenAccessor), 'the token was revoked');
    assert.deepEqual(new Set(w.vault.tokens.keys()), before, 'no token is left behind');
  });

  it('vault status needs no token: none is made', async () => {
    const w = await worldAfter('revokeRootToken');
    const tokens = w.vault.tokens.size;
    const out = await w.run(w.acts.runVaultCommand, { stack: w.stack, command: ['vault', 'status'] });
    assert.equal(out.tokenAccessor, undefined);
    assert.deepEqual(w.swarm.execs[0]!.env, {});
    assert.equal(w.vault.tokens.size, tokens);
  });

  it("the command's failure is its exit code, not the activity's; the token is still revoked", async () => {
    const w = await worldAfter('revokeRootToken');
    const tokens = w.vault.tokens.size;
    w.swarm.execAnswer = () => ({ exitCode: 2, stdout: '', stderr: 'Error: sealed', truncated: false });
    const out = await w.run(w.acts.runVaultCommand, {
      stack: w.stack,
      command: ['vault', 'operator', 'raft', 'list-peers'],
    });
    assert.equal(out.exitCode, 2);
    assert.equal(w.vault.tokens.size, tokens);
  });

  it('a command outside the list is refused before Docker is asked: InvalidInput', async () => {
    const w = await worldAfter('revokeRootToken');
    await assert.rejects(
      w.run(w.acts.runVaultCommand, { stack: w.stack, command: ['cat', '/run/secrets/vault_unseal_key'] }),
      namedFailure('InvalidInput', /only these read-only commands/),
    );
    assert.equal(w.swarm.execs.length, 0);
  });

  it('no Vault task on the worker’s node: NoVaultTaskOnWorkerNode, no token made', async () => {
    const w = await worldAfter('revokeRootToken');
    w.swarm.localNode = 'node-9';
    const tokens = w.vault.tokens.size;
    await assert.rejects(
      w.run(w.acts.runVaultCommand, { stack: w.stack, command: ['vault', 'operator', 'raft', 'list-peers'] }),
      namedFailure('NoVaultTaskOnWorkerNode', /node-9/),
    );
    assert.equal(w.vault.tokens.size, tokens);
  });
});

describe('the exec role and policy', () => {
  it('written by the bootstrap: the worker may make exec tokens and nothing broader', async () => {
    const w = await worldAfter('revokeRootToken');
    assert.deepEqual(w.vault.tokenRoles.get(EXEC_ROLE), EXEC_TOKEN_ROLE);
    const held = await w.custody.read(w.stack);
    const node = leader(w);
    await assert.rejects(
      node.createTokenFromRole(held.workerToken!, EXEC_ROLE, {
        policies: ['vault-bootstrap-worker'],
        displayName: 'x',
        ttl: '1m',
        meta: {},
      }),
      /not allowed by the role/,
    );
    assert.deepEqual(await credentialFindings(node, held, held.workerToken!, w.stack), []);
  });

  it('a missing role or a changed policy is CredentialPolicyChanged; credentials repair writes them', async () => {
    const w = await worldAfter('revokeRootToken');
    w.vault.tokenRoles.delete(EXEC_ROLE);
    w.vault.policies.set(EXEC_POLICY, 'path "sys/*" { capabilities = ["read"] }\n');
    const held = await w.custody.read(w.stack);
    const findings = await credentialFindings(leader(w), held, held.workerToken!, w.stack);
    assert.deepEqual(
      findings.map((f) => f.code),
      ['CredentialPolicyChanged'],
    );
    assert.match(findings[0]!.detail, /policy vault-bootstrap-exec and the token role vault-bootstrap-exec/);
    const repaired = await w.run(w.acts.repairCredentials, { stack: w.stack });
    assert.match(repaired.summary, /wrote the policy vault-bootstrap-exec; wrote the token role/);
    assert.deepEqual(await credentialFindings(leader(w), held, held.workerToken!, w.stack), []);
  });
});
