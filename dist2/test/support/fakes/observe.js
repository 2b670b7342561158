"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RecordingMetrics = exports.FakeHolds = void 0;
class FakeHolds {
    held = new Map();
    current(stack) {
        return Promise.resolve(this.held.get(stack));
    }
}
exports.FakeHolds = FakeHolds;
class RecordingMetrics {
    reports = [];
    actions = [];
    recordHealth(report) {
        this.reports.push(report);
    }
    countAction(stack, action) {
        this.actions.push({ stack, action });
    }
}
exports.RecordingMetrics = RecordingMetrics;
//# sourceMappingURL=observe.js.map