/** Step 1, ensurePlaceholderSecret, in memory: a secret for the stack to mount, made only when none exists. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_KEY_ID, LABEL_KIND, LABEL_STACK, LABEL_VERSION } from '../../../src/shared/constants';
import { fakeWorld } from '../../support/fakes';

describe('ensurePlaceholderSecret', () => {
  it('no secret yet: creates the placeholder, labelled, holding no key', async () => {
    const w = fakeWorld();
    const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
    assert.equal(out.changed, true);
    assert.equal(out.summary, `created placeholder ${w.secretBase}`);
    assert.deepEqual(
      { name: out.secret.name, kind: out.secret.kind, version: out.secret.version },
      { name: w.secretBase, kind: 'placeholder', version: 0 },
    );
    assert.deepEqual(w.swarm.secretLabels(w.secretBase), {
      [LABEL_KIND]: 'placeholder',
      [LABEL_VERSION]: '0',
      [LABEL_STACK]: 's1',
    });
    assert.match(w.swarm.secretValue(w.secretBase) ?? '', /^placeholder: /);
    assert.deepEqual(w.failpoints.hits, [
      'ensurePlaceholderSecret:before-create',
      'ensurePlaceholderSecret:after-create',
    ]);
  });

  it('the placeholder exists: changes nothing', async () => {
    const w = fakeWorld();
    await w.run(w.acts.ensurePlaceholderSecret, w.input);
    w.failpoints.clear();
    const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
    assert.equal(out.changed, false);
    assert.equal(out.summary, `${w.secretBase} (placeholder) already exists`);
    assert.deepEqual(w.failpoints.hits, []);
    assert.deepEqual(w.swarm.secretNames(), [w.secretBase]);
  });

  it('real key versions exist: reports the one the service mounts, makes no placeholder', async () => {
    const w = fakeWorld();
    await w.bootstrapThrough('rotateUnsealKeySecret');
    w.failpoints.clear();
    const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
    assert.equal(out.changed, false);
    assert.deepEqual(
      { name: out.secret.name, kind: out.secret.kind, version: out.secret.version },
      { name: `${w.secretBase}_v1`, kind: 'unseal-key', version: 1 },
    );
    assert.deepEqual(w.swarm.secretNames(), [`${w.secretBase}_v1`]);
  });

  it('no service yet and several versions: the newest of the family', async () => {
    const w = fakeWorld();
    const labels = (v: number) => ({
      [LABEL_KIND]: 'unseal-key',
      [LABEL_KEY_ID]: 'k',
      [LABEL_VERSION]: String(v),
      [LABEL_STACK]: w.stack,
    });
    await w.swarm.createSecret(`${w.secretBase}_v1`, Buffer.from('x'), labels(1));
    await w.swarm.createSecret(`${w.secretBase}_v2`, Buffer.from('x'), labels(2));
    await w.swarm.createSecret(`${w.secretBase}_old`, Buffer.from('x'), labels(9)); // not of the family
    const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
    assert.equal(out.changed, false);
    assert.equal(out.secret.name, `${w.secretBase}_v2`);
  });

  it('another attempt created it in between (409): takes it', async () => {
    const w = fakeWorld();
    w.failpoints.at.set('ensurePlaceholderSecret:before-create', async () => {
      await w.swarm.createSecret(w.secretBase, Buffer.from('p'), {
        [LABEL_KIND]: 'placeholder',
        [LABEL_STACK]: w.stack,
      });
    });
    const out = await w.run(w.acts.ensurePlaceholderSecret, w.input);
    assert.equal(out.secret.name, w.secretBase);
    assert.deepEqual(w.swarm.secretNames(), [w.secretBase]);
  });
});
