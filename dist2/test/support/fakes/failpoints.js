"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RecordingFailpoints = void 0;
class RecordingFailpoints {
    hits = [];
    /** Runs at a point, e.g. to change the world right there or to throw like the `error` action. */
    at = new Map();
    /** Forgets the points passed so far (e.g. those of the steps that set a test's world up). */
    clear() {
        this.hits.length = 0;
    }
    async hit(name) {
        this.hits.push(name);
        await this.at.get(name)?.();
    }
}
exports.RecordingFailpoints = RecordingFailpoints;
//# sourceMappingURL=failpoints.js.map