"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.fsyncPath = fsyncPath;
exports.fsyncParent = fsyncParent;
/** Durability on local files: what custody records and backup snapshots both need to survive a crash. */
const node_fs_1 = require("node:fs");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
/** fsync of `path` opened with `flags` (a folder: `O_RDONLY`, so a rename or link in it is on disk). */
async function fsyncPath(path, flags) {
    const fh = await (0, promises_1.open)(path, flags);
    try {
        await fh.sync();
    }
    finally {
        await fh.close();
    }
}
/** fsync of the folder that holds `path`: a file just renamed or linked there is then on disk by its name. */
function fsyncParent(path) {
    return fsyncPath((0, node_path_1.dirname)(path), node_fs_1.constants.O_RDONLY);
}
//# sourceMappingURL=durable.js.map