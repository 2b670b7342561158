/**
 * The Docker events subscription (src/docker/gateway.ts `subscribe`) over a stream in memory: events in
 * order, and a stream that ends or fails rejects the waiting `next` (the watcher's retry subscribes again)
 * instead of leaving it waiting forever.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { subscribe } from '../../src/docker/gateway';

const idOf = (chunk: string) => /"id":"([0-9a-f]+)"/.exec(chunk)?.[1];

describe('Docker events subscription', () => {
  it('hands out events in order, queued or awaited', async () => {
    const stream = new PassThrough();
    const sub = subscribe(stream, idOf);
    stream.write('{"id":"aa"}');
    const second = sub.next().then(() => sub.next());
    stream.write('{"id":"bb"}');
    assert.equal(await second, 'bb');
    sub.close();
  });

  it('a stream that ends rejects the waiting next, and later ones', { timeout: 5_000 }, async () => {
    const stream = new PassThrough();
    const sub = subscribe(stream, idOf);
    const waiting = sub.next();
    stream.end();
    stream.resume(); // 'end' fires once the (empty) stream is read to its end
    await assert.rejects(waiting, /the Docker events stream (ended|closed)/);
    await assert.rejects(sub.next(), /the Docker events stream (ended|closed)/);
  });

  it('a stream error rejects with that error; events queued before it are still handed out', async () => {
    const stream = new PassThrough();
    const sub = subscribe(stream, idOf);
    stream.write('{"id":"cc"}');
    await new Promise((r) => setImmediate(r));
    stream.destroy(new Error('socket hang up'));
    assert.equal(await sub.next(), 'cc');
    await assert.rejects(sub.next(), /socket hang up/);
  });
});
