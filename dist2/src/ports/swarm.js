"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=swarm.js.map