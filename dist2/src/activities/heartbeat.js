"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.recordProgress = recordProgress;
exports.keepAlive = keepAlive;
/**
 * Heartbeat details that survive the boundary's keep-alive heartbeats: an activity records handles a retry
 * must know about (`recordProgress`), and every later heartbeat of that attempt repeats them (`keepAlive`)
 * instead of replacing them with nothing.
 */
const activity_1 = require("@temporalio/activity");
const latest = new WeakMap();
function recordProgress(details) {
    const ctx = activity_1.Context.current();
    latest.set(ctx, details);
    ctx.heartbeat(details);
}
function keepAlive(ctx) {
    ctx.heartbeat(latest.get(ctx));
}
//# sourceMappingURL=heartbeat.js.map