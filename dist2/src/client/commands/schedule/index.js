"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SCHEDULE_COMMANDS = void 0;
exports.schedule = schedule;
const create_1 = require("./create");
const delete_1 = require("./delete");
const describe_1 = require("./describe");
const pause_1 = require("./pause");
const trigger_1 = require("./trigger");
const unpause_1 = require("./unpause");
/** Each schedule action's implementation; every action the parser accepts has one. */
exports.SCHEDULE_COMMANDS = {
    create: create_1.createSchedule,
    describe: describe_1.describeSchedule,
    pause: pause_1.pauseSchedule,
    unpause: unpause_1.unpauseSchedule,
    trigger: trigger_1.triggerSchedule,
    delete: delete_1.deleteSchedule,
};
/** Runs `schedule <action>`; resolves with its exit code. */
function schedule(ctx, action) {
    return exports.SCHEDULE_COMMANDS[action](ctx);
}
//# sourceMappingURL=index.js.map