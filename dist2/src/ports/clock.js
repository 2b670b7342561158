"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=clock.js.map