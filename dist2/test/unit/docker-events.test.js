"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The Docker events subscription (src/docker/gateway.ts `subscribe`) over a stream in memory: events in
 * order, and a stream that ends or fails rejects the waiting `next` (the watcher's retry subscribes again)
 * instead of leaving it waiting forever.
 */
const strict_1 = __importDefault(require("node:assert/strict"));
const node_test_1 = require("node:test");
const node_stream_1 = require("node:stream");
const gateway_1 = require("../../src/docker/gateway");
const idOf = (chunk) => /"id":"([0-9a-f]+)"/.exec(chunk)?.[1];
(0, node_test_1.describe)('Docker events subscription', () => {
    (0, node_test_1.it)('hands out events in order, queued or awaited', async () => {
        const stream = new node_stream_1.PassThrough();
        const sub = (0, gateway_1.subscribe)(stream, idOf);
        stream.write('{"id":"aa"}');
        const second = sub.next().then(() => sub.next());
        stream.write('{"id":"bb"}');
        strict_1.default.equal(await second, 'bb');
        sub.close();
    });
    (0, node_test_1.it)('a stream that ends rejects the waiting next, and later ones', { timeout: 5_000 }, async () => {
        const stream = new node_stream_1.PassThrough();
        const sub = (0, gateway_1.subscribe)(stream, idOf);
        const waiting = sub.next();
        stream.end();
        stream.resume(); // 'end' fires once the (empty) stream is read to its end
        await strict_1.default.rejects(waiting, /the Docker events stream (ended|closed)/);
        await strict_1.default.rejects(sub.next(), /the Docker events stream (ended|closed)/);
    });
    (0, node_test_1.it)('a stream error rejects with that error; events queued before it are still handed out', async () => {
        const stream = new node_stream_1.PassThrough();
        const sub = (0, gateway_1.subscribe)(stream, idOf);
        stream.write('{"id":"cc"}');
        await new Promise((r) => setImmediate(r));
        stream.destroy(new Error('socket hang up'));
        strict_1.default.equal(await sub.next(), 'cc');
        await strict_1.default.rejects(sub.next(), /socket hang up/);
    });
});
//# sourceMappingURL=docker-events.test.js.map