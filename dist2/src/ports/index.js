"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NO_METRICS = exports.FAILPOINTS = void 0;
var failpoints_1 = require("./failpoints");
Object.defineProperty(exports, "FAILPOINTS", { enumerable: true, get: function () { return failpoints_1.FAILPOINTS; } });
var observe_1 = require("./observe");
Object.defineProperty(exports, "NO_METRICS", { enumerable: true, get: function () { return observe_1.NO_METRICS; } });
//# sourceMappingURL=index.js.map