/**
 * Two stacks side by side on the test bed with the production default secret name `vault_unseal_key` (no
 * `{stack}` in it): the two families share names, so each stack must find, deploy with, mount and clean up
 * only the secrets labelled with its own name. Both bootstraps run at once; each cluster mounts its own key
 * (the secret made for its own custody record), and removing one stack's secrets leaves the other's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LABEL_KEY_ID, LABEL_STACK, UNSEAL_SECRET_TARGET } from '../../src/shared/constants';
import { TestRun } from '../support/testbed';

const DEFAULT = { VAULT_UNSEAL_SECRET_NAME: 'vault_unseal_key' };

describe('two stacks with the default secret name', () => {
  const a = new TestRun();
  const b = new TestRun();

  before(() => {
    a.startWorker(DEFAULT);
    b.startWorker(DEFAULT);
  });
  after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()]);
    assert.deepEqual([...(await a.leftovers()), ...(await b.leftovers())], []);
  });

  /** The secret the stack's service mounts, with its labels. */
  async function mounted(run: TestRun): Promise<{ name: string; labels: Record<string, string> }> {
    const svc = (await run.docker.getService(`${run.stack}_vault`).inspect()) as {
      Spec: {
        TaskTemplate: {
          ContainerSpec: { Secrets?: { SecretID: string; SecretName: string; File?: { Name?: string } }[] };
        };
      };
    };
    const ref = svc.Spec.TaskTemplate.ContainerSpec.Secrets?.find(
      (x) => x.File?.Name === UNSEAL_SECRET_TARGET,
    );
    assert.ok(ref, `${run.stack}_vault mounts a secret`);
    const secret = (await run.docker.getSecret(ref.SecretID).inspect()) as {
      Spec: { Name: string; Labels?: Record<string, string> };
    };
    return { name: secret.Spec.Name, labels: secret.Spec.Labels ?? {} };
  }

  it('bootstrap at once; each mounts its own key, and one stack removed leaves the other intact', async () => {
    const [ra, rb] = await Promise.all([
      a.client(['bootstrap', '--wait'], DEFAULT),
      b.client(['bootstrap', '--wait'], DEFAULT),
    ]);
    assert.equal(ra.code, 0, ra.out);
    assert.equal(rb.code, 0, rb.out);
    const keyIds: string[] = [];
    for (const run of [a, b]) {
      const held = await run.custody().read(run.stack);
      const m = await mounted(run);
      console.log(
        `${run.stack} mounts ${m.name} (stack label ${m.labels[LABEL_STACK]}, key id ${m.labels[LABEL_KEY_ID]})`,
      );
      assert.match(m.name, /^vault_unseal_key_v\d+$/, 'a name of the shared family');
      assert.equal(m.labels[LABEL_STACK], run.stack, 'made for this stack');
      assert.equal(m.labels[LABEL_KEY_ID], held.keyId, "made for this stack's custody record");
      keyIds.push(held.keyId);
    }
    assert.notEqual(keyIds[0], keyIds[1]);
    assert.notEqual((await mounted(a)).name, (await mounted(b)).name);

    // A second bootstrap of A (its clean-up of unused versions runs again) leaves B's secrets alone.
    const before = (await b.docker.listSecrets({ filters: { label: [`${LABEL_STACK}=${b.stack}`] } })).map(
      (s) => s.Spec?.Name,
    );
    const again = await a.client(['bootstrap', '--wait'], DEFAULT);
    assert.equal(again.code, 0, again.out);
    await a.cleanup();
    const afterA = (await b.docker.listSecrets({ filters: { label: [`${LABEL_STACK}=${b.stack}`] } })).map(
      (s) => s.Spec?.Name,
    );
    assert.deepEqual(
      afterA.sort(),
      before.sort(),
      `${b.stack}'s secrets survive ${a.stack}'s second run and removal`,
    );
    const status = await b.client(['verify'], DEFAULT);
    assert.equal(status.code, 0, status.out);
  });
});
